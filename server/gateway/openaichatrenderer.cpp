// SPDX-License-Identifier: MIT
#include "openaichatrenderer.h"

#include "httpresponder.h"
#include "jsonnumber.h"
#include "responseid.h"
#include "server/core/jsonescape.h"

namespace Drawbridge {

OpenAiChatRenderer::OpenAiChatRenderer(std::shared_ptr<HttpResponder> responder, const QString &model,
                                       bool stream, bool includeUsage, qint64 createdS)
    : m_responder(std::move(responder))
    , m_stream(stream)
    , m_includeUsage(includeUsage)
    , m_id(randomResponseId("chatcmpl-"))
    , m_created(createdS)
{
    appendJsonString(m_model, QStringView(model));
    m_chunkPrefix = "data: {\"id\":\"" + m_id
        + "\",\"object\":\"chat.completion.chunk\",\"created\":" + QByteArray::number(m_created)
        + ",\"model\":" + m_model + ",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":";
}

QByteArray OpenAiChatRenderer::finishReasonName(FinishReason reason)
{
    switch (reason) {
    case FinishReason::Length:
        return QByteArrayLiteral("length");
    case FinishReason::ToolCalls:
        return QByteArrayLiteral("tool_calls");
    case FinishReason::ContentFilter:
        return QByteArrayLiteral("content_filter");
    case FinishReason::Stop:
        break;
    }
    return QByteArrayLiteral("stop");
}

QByteArray OpenAiChatRenderer::deltaChunk(const QByteArray &deltaJson) const
{
    QByteArray chunk;
    chunk.reserve(m_chunkPrefix.size() + deltaJson.size() + 64);
    chunk += m_chunkPrefix;
    chunk += deltaJson;
    chunk += ",\"logprobs\":null,\"finish_reason\":null}]";
    if (m_includeUsage)
        chunk += ",\"usage\":null";
    chunk += "}\n\n";
    return chunk;
}

void OpenAiChatRenderer::writeDelta(const QByteArray &deltaJson)
{
    m_responder->writeChunk(deltaChunk(deltaJson));
}

QByteArray OpenAiChatRenderer::beginDelta(QByteArrayView deltaStart, qsizetype expected) const
{
    // One buffer per chunk: the delta is escaped straight into it (no separate delta object to copy).
    QByteArray chunk;
    chunk.reserve(m_chunkPrefix.size() + deltaStart.size() + expected + 80);
    chunk += m_chunkPrefix;
    chunk += deltaStart;
    return chunk;
}

void OpenAiChatRenderer::endDelta(QByteArray &chunk)
{
    chunk += "},\"logprobs\":null,\"finish_reason\":null}]";
    if (m_includeUsage)
        chunk += ",\"usage\":null";
    chunk += "}\n\n";
    m_responder->writeChunk(chunk);
}

void OpenAiChatRenderer::begin()
{
    if (!m_stream)
        return;
    // The head and the role chunk in one write.
    m_responder->beginStream(200, QByteArrayLiteral("text/event-stream; charset=utf-8"), {},
                             deltaChunk(QByteArrayLiteral("{\"role\":\"assistant\",\"content\":\"\"}")));
}

void OpenAiChatRenderer::text(const QString &delta)
{
    if (!m_stream) {
        m_text += delta;
        return;
    }
    // UTF-8 of UTF-16 text is at most 3 bytes per unit; escapes are rare in prose.
    QByteArray chunk = beginDelta("{\"content\":", 3 * delta.size() + 2);
    appendJsonString(chunk, QStringView(delta));
    endDelta(chunk);
}

void OpenAiChatRenderer::reasoning(const QString &delta)
{
    if (!m_stream) {
        m_reasoning += delta;
        return;
    }
    QByteArray chunk = beginDelta("{\"reasoning_content\":", 3 * delta.size() + 2);
    appendJsonString(chunk, QStringView(delta));
    endDelta(chunk);
}

void OpenAiChatRenderer::toolCallStart(int index, const QString &id, const QString &name)
{
    if (!m_stream) {
        if (index >= 0 && size_t(index) >= m_toolCalls.size())
            m_toolCalls.resize(size_t(index) + 1);
        if (index >= 0)
            m_toolCalls[size_t(index)] = PendingToolCall { id, name, {} };
        return;
    }
    QByteArray d("{\"tool_calls\":[{\"index\":");
    d += QByteArray::number(index);
    d += ",\"id\":";
    appendJsonString(d, QStringView(id));
    d += ",\"type\":\"function\",\"function\":{\"name\":";
    appendJsonString(d, QStringView(name));
    d += ",\"arguments\":\"\"}}]}";
    writeDelta(d);
}

void OpenAiChatRenderer::toolCallArguments(int index, const QString &fragment)
{
    if (!m_stream) {
        if (index >= 0 && size_t(index) < m_toolCalls.size())
            m_toolCalls[size_t(index)].arguments += fragment;
        return;
    }
    QByteArray d("{\"tool_calls\":[{\"index\":");
    d += QByteArray::number(index);
    d += ",\"function\":{\"arguments\":";
    appendJsonString(d, QStringView(fragment));
    d += "}}]}";
    writeDelta(d);
}

void OpenAiChatRenderer::keepAlive()
{
    if (m_stream && m_responder->isStreaming())
        m_responder->writeChunk(QByteArrayLiteral(": keep-alive\n\n"));
}

void OpenAiChatRenderer::appendUsageJson(QByteArray &out, const Usage &usage)
{
    // prompt_tokens counts every input token; cached_tokens is the part read from the prompt cache (§8.2).
    out += "{\"prompt_tokens\":";
    appendDecimal(out, usage.promptTokens);
    out += ",\"completion_tokens\":";
    appendDecimal(out, usage.completionTokens);
    out += ",\"total_tokens\":";
    appendDecimal(out, usage.promptTokens + usage.completionTokens);
    out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
    appendDecimal(out, usage.cacheReadTokens);
    out += "}}";
}

void OpenAiChatRenderer::finish(FinishReason reason, const Usage &usage)
{
    if (m_stream) {
        QByteArray chunk
            = m_chunkPrefix + "{},\"logprobs\":null,\"finish_reason\":\"" + finishReasonName(reason) + "\"}]";
        if (m_includeUsage)
            chunk += ",\"usage\":null";
        chunk += "}\n\n";
        if (m_includeUsage) {
            chunk += "data: {\"id\":\"" + m_id + "\",\"object\":\"chat.completion.chunk\",\"created\":";
            appendDecimal(chunk, m_created);
            chunk += ",\"model\":" + m_model + ",\"system_fingerprint\":null,\"choices\":[],\"usage\":";
            appendUsageJson(chunk, usage);
            chunk += "}\n\n";
        }
        chunk += "data: [DONE]\n\n";
        m_responder->endStream(chunk); // with the terminator, in one write
        return;
    }

    // Sized for the texts (as UTF-8 they take at most twice their UTF-16 units unless they need escapes), and
    // everything after a text appended piece by piece: Qt 6.4's `array += a + b` reallocates, doubling,
    // whenever the array is more than half full, so one such append behind the text copied the whole body
    // again.
    qsizetype toolBytes = 0;
    for (const PendingToolCall &c : m_toolCalls)
        toolBytes += 96 + (c.id.size() + c.name.size() + c.arguments.size()) * 2;
    QByteArray body;
    body.reserve(384 + m_id.size() + m_model.size() + (m_text.size() + m_reasoning.size()) * 2 + toolBytes);
    body += "{\"id\":\"" + m_id + "\",\"object\":\"chat.completion\",\"created\":";
    appendDecimal(body, m_created);
    body += ",\"model\":" + m_model
        + ",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          "\"content\":";
    if (m_text.isEmpty() && !m_toolCalls.empty())
        body += "null";
    else
        appendJsonString(body, QStringView(m_text));
    if (!m_reasoning.isEmpty()) {
        body += ",\"reasoning_content\":";
        appendJsonString(body, QStringView(m_reasoning));
    }
    if (!m_toolCalls.empty()) {
        body += ",\"tool_calls\":[";
        bool first = true;
        for (const PendingToolCall &c : m_toolCalls) {
            if (!first)
                body += ',';
            first = false;
            body += "{\"id\":";
            appendJsonString(body, QStringView(c.id));
            body += ",\"type\":\"function\",\"function\":{\"name\":";
            appendJsonString(body, QStringView(c.name));
            body += ",\"arguments\":";
            appendJsonString(body, QStringView(c.arguments.isEmpty() ? QStringLiteral("{}") : c.arguments));
            body += "}}";
        }
        body += ']';
    }
    appendLiteral(body, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"");
    body += finishReasonName(reason);
    appendLiteral(body, "\"}],\"usage\":");
    appendUsageJson(body, usage);
    body += '}';
    m_responder->sendJson(200, body);
}

void OpenAiChatRenderer::fail(const ApiError &error, bool begun)
{
    if (!begun || !m_responder->isStreaming()) {
        ResponseHeaders h;
        if (error.retryAfterS > 0)
            h.append({ QByteArrayLiteral("Retry-After"), QByteArray::number(error.retryAfterS) });
        m_responder->sendJson(apiErrorInfo(error.kind).status, openAiErrorBody(error), h);
        return;
    }
    // Mid-stream: the status line is gone; report in-band the way OpenAI's SDKs understand, then end cleanly.
    const QByteArray last = "data: " + openAiErrorBody(error) + "\n\ndata: [DONE]\n\n";
    m_responder->endStream(last);
}

} // namespace Drawbridge
