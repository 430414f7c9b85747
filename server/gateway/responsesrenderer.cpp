// SPDX-License-Identifier: MIT
#include "responsesrenderer.h"

#include "httpresponder.h"
#include "responseid.h"
#include "server/core/jsonescape.h"
#include "server/core/logging.h"

namespace Drawbridge {

namespace {

QByteArray quoted(const QString &s)
{
    QByteArray out;
    appendJsonString(out, QStringView(s));
    return out;
}

} // namespace

ResponsesRenderer::ResponsesRenderer(std::shared_ptr<HttpResponder> responder, const QString &model,
                                     bool stream, qint64 createdS, QByteArray echo)
    : m_responder(std::move(responder))
    , m_stream(stream)
    , m_id(randomResponseId("resp_"))
    , m_model(quoted(model))
    , m_created(createdS)
    , m_echo(std::move(echo))
{
}

QByteArray ResponsesRenderer::usageJson(const Usage &usage)
{
    // input_tokens counts every input token, cached_tokens the part read from the prompt cache, as in chat
    // completions' prompt_tokens (docs/api.md).
    return "{\"input_tokens\":" + QByteArray::number(usage.promptTokens)
        + ",\"input_tokens_details\":{\"cached_tokens\":" + QByteArray::number(usage.cacheReadTokens)
        + "},\"output_tokens\":" + QByteArray::number(usage.completionTokens)
        + ",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":"
        + QByteArray::number(usage.promptTokens + usage.completionTokens) + '}';
}

void ResponsesRenderer::writeEvent(const char *type, const QByteArray &body)
{
    QByteArray &chunk = m_events.bytes();
    chunk.reserve(chunk.size() + body.size() + 96);
    chunk += "event: ";
    chunk += type;
    chunk += "\ndata: {\"type\":\"";
    chunk += type;
    chunk += "\",\"sequence_number\":";
    chunk += QByteArray::number(m_sequence++);
    chunk += ',';
    chunk += body;
    chunk += "}\n\n";
}

QByteArray ResponsesRenderer::itemRef(int index) const
{
    return "\"item_id\":\"" + m_items[size_t(index)].id + "\",\"output_index\":" + QByteArray::number(index);
}

QByteArray ResponsesRenderer::itemJson(const Item &item, bool done) const
{
    QByteArray j;
    j.reserve(item.content.size() * 2 + 128);
    j += "{\"id\":\"" + item.id + '"';
    switch (item.type) {
    case ItemType::Message:
        j += ",\"type\":\"message\",\"status\":\"" + (done ? m_itemStatus : QByteArrayLiteral("in_progress"))
            + "\",\"role\":\"assistant\",\"content\":[";
        if (done) {
            j += "{\"type\":\"output_text\",\"text\":";
            appendJsonString(j, QStringView(item.content));
            j += ",\"annotations\":[],\"logprobs\":[]}";
        }
        j += "]}";
        break;
    case ItemType::Reasoning:
        j += ",\"type\":\"reasoning\",\"summary\":[],\"content\":[";
        if (done) {
            j += "{\"type\":\"reasoning_text\",\"text\":";
            appendJsonString(j, QStringView(item.content));
            j += '}';
        }
        j += "]}";
        break;
    case ItemType::FunctionCall:
        j += ",\"type\":\"function_call\",\"status\":\""
            + (done ? m_itemStatus : QByteArrayLiteral("in_progress")) + "\",\"call_id\":";
        appendJsonString(j, QStringView(item.callId));
        j += ",\"name\":";
        appendJsonString(j, QStringView(item.name));
        j += ",\"arguments\":";
        appendJsonString(j, QStringView(done || !m_stream ? item.content : QString()));
        j += '}';
        break;
    }
    return j;
}

QByteArray ResponsesRenderer::responseJson(const QByteArray &status, const QByteArray &usage,
                                           const QByteArray &extra) const
{
    // Sized for the echoed request fields and the items, and the parts behind them appended piece by piece:
    // Qt 6.4's `array += a + b` reallocates, doubling, whenever the array is more than half full, which
    // copied the echo (the instructions and the tools) again.
    qsizetype itemBytes = 0;
    if (status != "in_progress") {
        for (const Item &item : m_items)
            itemBytes
                += 192 + item.id.size() + (item.content.size() + item.callId.size() + item.name.size()) * 2;
    }
    QByteArray j;
    j.reserve(m_echo.size() + extra.size() + usage.size() + m_model.size() + 512 + itemBytes);
    j += "{\"id\":\"" + m_id + "\",\"object\":\"response\",\"created_at\":" + QByteArray::number(m_created)
        + ",\"status\":\"" + status + "\",\"background\":false,";
    j += extra.isEmpty() ? QByteArrayLiteral("\"error\":null,\"incomplete_details\":null,") : extra;
    j += m_echo;
    appendLiteral(j, "\"model\":");
    j += m_model;
    appendLiteral(j, ",\"output\":[");
    if (status != "in_progress") {
        for (size_t i = 0; i < m_items.size(); ++i) {
            if (i > 0)
                j += ',';
            j += itemJson(m_items[i], true);
        }
    }
    appendLiteral(j,
                  "],\"previous_response_id\":null,\"service_tier\":\"default\",\"store\":false,\"usage\":");
    j += usage;
    appendLiteral(j, ",\"user\":null}");
    return j;
}

void ResponsesRenderer::begin()
{
    if (!m_stream)
        return;
    const QByteArray snapshot = responseJson("in_progress", "null", {});
    writeEvent("response.created", "\"response\":" + snapshot);
    writeEvent("response.in_progress", "\"response\":" + snapshot);
    // The head and the opening events in one write.
    m_events.begin(*m_responder, 200, QByteArrayLiteral("text/event-stream; charset=utf-8"),
                   { { QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache") } });
}

int ResponsesRenderer::openItem(Item item)
{
    const int index = int(m_items.size());
    m_items.push_back(std::move(item));
    if (!m_stream)
        return index;
    const Item &it = m_items.back();
    writeEvent("response.output_item.added",
               "\"output_index\":" + QByteArray::number(index) + ",\"item\":" + itemJson(it, false));
    if (it.type == ItemType::Message)
        writeEvent(
            "response.content_part.added",
            itemRef(index)
                + ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],"
                  "\"logprobs\":[]}");
    else if (it.type == ItemType::Reasoning)
        writeEvent("response.content_part.added",
                   itemRef(index)
                       + ",\"content_index\":0,\"part\":{\"type\":\"reasoning_text\",\"text\":\"\"}");
    return index;
}

void ResponsesRenderer::closeItem(int index)
{
    Item &it = m_items[size_t(index)];
    if (!it.open)
        return;
    it.open = false;
    if (m_openIndex == index)
        m_openIndex = -1;
    if (!m_stream)
        return;
    const QByteArray ref = itemRef(index);
    const QByteArray content = quoted(it.content);
    switch (it.type) {
    case ItemType::Message:
        writeEvent("response.output_text.done",
                   ref + ",\"content_index\":0,\"text\":" + content + ",\"logprobs\":[]");
        writeEvent("response.content_part.done",
                   ref + ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":" + content
                       + ",\"annotations\":[],\"logprobs\":[]}");
        break;
    case ItemType::Reasoning:
        writeEvent("response.reasoning_text.done", ref + ",\"content_index\":0,\"text\":" + content);
        writeEvent("response.content_part.done",
                   ref + ",\"content_index\":0,\"part\":{\"type\":\"reasoning_text\",\"text\":" + content
                       + '}');
        break;
    case ItemType::FunctionCall:
        writeEvent("response.function_call_arguments.done",
                   ref + ",\"name\":" + quoted(it.name) + ",\"arguments\":" + content);
        break;
    }
    writeEvent("response.output_item.done",
               "\"output_index\":" + QByteArray::number(index) + ",\"item\":" + itemJson(it, true));
}

void ResponsesRenderer::closeAll()
{
    for (size_t i = 0; i < m_items.size(); ++i)
        closeItem(int(i));
}

int ResponsesRenderer::ensureOpen(ItemType type)
{
    if (m_openIndex >= 0 && m_items[size_t(m_openIndex)].type == type)
        return m_openIndex;
    // Text or reasoning after other output: everything before it is complete.
    closeAll();
    m_openIndex = openItem(
        Item { type, randomResponseId(type == ItemType::Message ? "msg_" : "rs_"), {}, {}, {}, true });
    return m_openIndex;
}

void ResponsesRenderer::text(const QString &delta)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (delta.isEmpty())
        return;
    const int index = ensureOpen(ItemType::Message);
    m_items[size_t(index)].content += delta;
    if (!m_stream)
        return;
    QByteArray body = itemRef(index);
    body.reserve(body.size() + 3 * delta.size() + 48);
    body += ",\"content_index\":0,\"delta\":";
    appendJsonString(body, QStringView(delta));
    body += ",\"logprobs\":[]";
    writeEvent("response.output_text.delta", body);
}

void ResponsesRenderer::reasoning(const QString &delta)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (delta.isEmpty())
        return;
    const int index = ensureOpen(ItemType::Reasoning);
    m_items[size_t(index)].content += delta;
    if (m_stream)
        writeEvent("response.reasoning_text.delta",
                   itemRef(index) + ",\"content_index\":0,\"delta\":" + quoted(delta));
}

void ResponsesRenderer::reasoningSignature(const QString &signature)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    Q_UNUSED(signature) // Responses carries no Anthropic signature; it only ends the reasoning it attests
    if (m_openIndex >= 0 && m_items[size_t(m_openIndex)].type == ItemType::Reasoning)
        closeItem(m_openIndex);
}

void ResponsesRenderer::toolCallStart(int index, const QString &id, const QString &name)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (index < 0)
        return;
    if (m_openIndex >= 0)
        closeItem(m_openIndex);
    const int item = openItem(Item { ItemType::FunctionCall,
                                     randomResponseId("fc_"),
                                     {},
                                     id.isEmpty() ? QString::fromLatin1(randomResponseId("call_")) : id,
                                     name,
                                     true });
    if (size_t(index) >= m_toolItems.size())
        m_toolItems.resize(size_t(index) + 1, -1);
    m_toolItems[size_t(index)] = item;
}

void ResponsesRenderer::toolCallArguments(int index, const QString &fragment)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (index < 0 || size_t(index) >= m_toolItems.size() || m_toolItems[size_t(index)] < 0
        || fragment.isEmpty())
        return;
    const int item = m_toolItems[size_t(index)];
    Item &it = m_items[size_t(item)];
    if (!it.open && m_stream) {
        // Text came between a call and more of its arguments; providers do not do that, and a closed item
        // cannot grow on the wire.
        qCWarning(lcGateway) << "responses: arguments for a finished function call dropped";
        return;
    }
    it.content += fragment;
    if (m_stream)
        writeEvent("response.function_call_arguments.delta",
                   itemRef(item) + ",\"delta\":" + quoted(fragment));
}

void ResponsesRenderer::keepAlive()
{
    // An SSE comment: clients skip it, and the SDKs' event parsers never see an unknown event type.
    if (m_stream && m_responder->isStreaming())
        m_responder->writeChunk(QByteArrayLiteral(": keep-alive\n\n"));
}

void ResponsesRenderer::finish(FinishReason reason, const Usage &usage)
{
    QByteArray status = QByteArrayLiteral("completed");
    QByteArray extra;
    if (reason == FinishReason::Length || reason == FinishReason::ContentFilter) {
        status = QByteArrayLiteral("incomplete");
        m_itemStatus = QByteArrayLiteral("incomplete");
        extra = "\"error\":null,\"incomplete_details\":{\"reason\":\""
            + (reason == FinishReason::Length ? QByteArrayLiteral("max_output_tokens")
                                              : QByteArrayLiteral("content_filter"))
            + "\"},";
    }
    closeAll();
    const QByteArray response = responseJson(status, usageJson(usage), extra);
    if (!m_stream) {
        m_responder->sendJson(200, response);
        return;
    }
    writeEvent(status == "completed" ? "response.completed" : "response.incomplete",
               "\"response\":" + response);
    m_events.end(*m_responder); // with the terminator, in one write
}

void ResponsesRenderer::fail(const ApiError &error, bool begun)
{
    if (!begun || !m_responder->isStreaming()) {
        ResponseHeaders h;
        if (error.retryAfterS > 0)
            h.append({ QByteArrayLiteral("Retry-After"), QByteArray::number(error.retryAfterS) });
        m_responder->sendJson(apiErrorInfo(error.kind).status, openAiErrorBody(error), h);
        return;
    }
    // Mid-stream: the status line is gone. An `error` event says what happened, `response.failed` ends the
    // response the way the SDKs and Codex expect (its error has the OpenAI code).
    const ApiErrorInfo info = apiErrorInfo(error.kind);
    const QByteArray code = quoted(QString::fromLatin1(info.code ? info.code : info.type));
    const QByteArray message = quoted(error.message);
    writeEvent("error", "\"code\":" + code + ",\"message\":" + message + ",\"param\":null");
    m_itemStatus = QByteArrayLiteral("incomplete");
    for (Item &it : m_items)
        it.open = false;
    writeEvent("response.failed",
               "\"response\":"
                   + responseJson("failed", "null",
                                  "\"error\":{\"code\":" + code + ",\"message\":" + message
                                      + "},\"incomplete_details\":null,"));
    m_events.end(*m_responder);
}

} // namespace Drawbridge
