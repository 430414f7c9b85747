// SPDX-License-Identifier: MIT
#include "anthropicmessagesrenderer.h"

#include <algorithm>

#include <QJsonDocument>

#include "httpresponder.h"
#include "jsonnumber.h"
#include "responseid.h"
#include "server/core/jsonescape.h"

namespace Drawbridge {

namespace {

/** The tool input as a JSON object: the received text when it is one, else `{}` (e.g. a truncated call). */
QByteArray toolInputJson(const QString &input)
{
    const QByteArray utf8 = input.trimmed().toUtf8();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return QByteArrayLiteral("{}");
    return utf8;
}

} // namespace

AnthropicMessagesRenderer::AnthropicMessagesRenderer(std::shared_ptr<HttpResponder> responder,
                                                     const QString &model, bool stream,
                                                     std::function<int()> inputTokensEstimate)
    : m_responder(std::move(responder))
    , m_stream(stream)
    , m_id(randomResponseId("msg_"))
    , m_inputTokensEstimate(std::move(inputTokensEstimate))
{
    appendJsonString(m_model, QStringView(model));
}

int AnthropicMessagesRenderer::inputTokensEstimate()
{
    if (!m_inputTokens) {
        m_inputTokens = m_inputTokensEstimate ? m_inputTokensEstimate() : 0;
        m_inputTokensEstimate = {}; // what it holds (a copy of the request) is not needed any more
    }
    return *m_inputTokens;
}

QByteArray AnthropicMessagesRenderer::stopReasonName(FinishReason reason, bool sawToolUse)
{
    switch (reason) {
    case FinishReason::Length:
        return QByteArrayLiteral("max_tokens");
    case FinishReason::ToolCalls:
        return QByteArrayLiteral("tool_use");
    case FinishReason::ContentFilter:
        return QByteArrayLiteral("refusal");
    case FinishReason::Stop:
        break;
    }
    return sawToolUse ? QByteArrayLiteral("tool_use") : QByteArrayLiteral("end_turn");
}

void AnthropicMessagesRenderer::writeEvent(const char *type, const QByteArray &json)
{
    QByteArray &chunk = m_events.bytes();
    chunk.reserve(chunk.size() + json.size() + 40);
    chunk += "event: ";
    chunk += type;
    chunk += "\ndata: ";
    chunk += json;
    chunk += "\n\n";
}

void AnthropicMessagesRenderer::writeDelta(int index, const char *deltaType, const char *field,
                                           const QString &value)
{
    QByteArray d("{\"type\":\"content_block_delta\",\"index\":");
    d += QByteArray::number(index);
    d += ",\"delta\":{\"type\":\"";
    d += deltaType;
    d += "\",\"";
    d += field;
    d += "\":";
    appendJsonString(d, QStringView(value));
    d += "}}";
    writeEvent("content_block_delta", d);
}

void AnthropicMessagesRenderer::begin()
{
    if (!m_stream)
        return;
    writeEvent(
        "message_start",
        "{\"type\":\"message_start\",\"message\":{\"id\":\"" + m_id
            + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + m_model
            + ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
            + QByteArray::number(inputTokensEstimate()) + ",\"output_tokens\":0}}}");
    writeEvent("ping", QByteArrayLiteral("{\"type\":\"ping\"}"));
    // The head and the opening events in one write.
    m_events.begin(*m_responder, 200, QByteArrayLiteral("text/event-stream; charset=utf-8"),
                   { { QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache") } });
}

int AnthropicMessagesRenderer::openBlock(Block block)
{
    closeOpenBlock();
    const int index = int(m_blocks.size());
    if (m_stream) {
        QByteArray d("{\"type\":\"content_block_start\",\"index\":");
        d += QByteArray::number(index);
        switch (block.type) {
        case BlockType::Text:
            d += ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}";
            break;
        case BlockType::Thinking:
            d += ",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}";
            break;
        case BlockType::RedactedThinking:
            // Whole in its start event, as Anthropic sends it; no deltas follow.
            d += ",\"content_block\":{\"type\":\"redacted_thinking\",\"data\":";
            appendJsonString(d, QStringView(block.content));
            d += "}}";
            break;
        case BlockType::ToolUse:
            d += ",\"content_block\":{\"type\":\"tool_use\",\"id\":";
            appendJsonString(d, QStringView(block.id));
            d += ",\"name\":";
            appendJsonString(d, QStringView(block.name));
            d += ",\"input\":{}}}";
            break;
        }
        writeEvent("content_block_start", d);
    }
    m_blocks.push_back(std::move(block));
    m_openIndex = index;
    return index;
}

void AnthropicMessagesRenderer::closeOpenBlock()
{
    if (m_openIndex < 0)
        return;
    if (m_stream) {
        writeEvent("content_block_stop",
                   "{\"type\":\"content_block_stop\",\"index\":" + QByteArray::number(m_openIndex) + '}');
    }
    m_openIndex = -1;
}

int AnthropicMessagesRenderer::ensureOpen(BlockType type)
{
    if (m_openIndex >= 0 && m_blocks[size_t(m_openIndex)].type == type)
        return m_openIndex;
    return openBlock(Block { type, {}, {}, {}, {} });
}

void AnthropicMessagesRenderer::text(const QString &delta)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (delta.isEmpty())
        return;
    const int index = ensureOpen(BlockType::Text);
    if (m_stream)
        writeDelta(index, "text_delta", "text", delta);
    else
        m_blocks[size_t(index)].content += delta;
}

void AnthropicMessagesRenderer::reasoning(const QString &delta)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (delta.isEmpty())
        return;
    const int index = ensureOpen(BlockType::Thinking);
    if (m_thinkingOmitted)
        return;
    if (m_stream)
        writeDelta(index, "thinking_delta", "thinking", delta);
    else
        m_blocks[size_t(index)].content += delta;
}

void AnthropicMessagesRenderer::reasoningSignature(const QString &signature)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (signature.isEmpty())
        return;
    // The signature closes the thinking it attests (a signature_delta right before content_block_stop, as
    // Anthropic streams it); reasoning after it starts a new block. A signature with no reasoning before it
    // still gets its (empty) thinking block, as with display "omitted".
    const int index = ensureOpen(BlockType::Thinking);
    if (m_stream)
        writeDelta(index, "signature_delta", "signature", signature);
    else
        m_blocks[size_t(index)].signature = signature;
    closeOpenBlock();
}

void AnthropicMessagesRenderer::redactedReasoning(const QString &data)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (data.isEmpty())
        return;
    openBlock(Block { BlockType::RedactedThinking, data, {}, {}, {} });
    closeOpenBlock();
    if (m_stream)
        m_blocks.back().content.clear(); // sent; only aggregation keeps contents
}

void AnthropicMessagesRenderer::toolCallStart(int index, const QString &id, const QString &name)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (index < 0)
        return;
    m_sawToolUse = true;
    const int block = openBlock(Block { BlockType::ToolUse,
                                        {},
                                        id.isEmpty() ? QString::fromLatin1(randomResponseId("toolu_")) : id,
                                        name,
                                        {} });
    if (size_t(index) >= m_toolBlocks.size())
        m_toolBlocks.resize(size_t(index) + 1, -1);
    m_toolBlocks[size_t(index)] = block;
}

void AnthropicMessagesRenderer::toolCallArguments(int index, const QString &fragment)
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (index < 0 || size_t(index) >= m_toolBlocks.size() || m_toolBlocks[size_t(index)] < 0
        || fragment.isEmpty())
        return;
    const int block = m_toolBlocks[size_t(index)];
    // Providers send a call's arguments before the next call starts, so this is the open block; a late
    // fragment still goes to its own block index, which is how Anthropic clients assemble inputs.
    if (m_stream)
        writeDelta(block, "input_json_delta", "partial_json", fragment);
    else
        m_blocks[size_t(block)].content += fragment;
}

void AnthropicMessagesRenderer::keepAlive()
{
    const SseEventBatch::Scope batch { m_events, *m_responder };
    if (m_stream && m_responder->isStreaming())
        writeEvent("ping", QByteArrayLiteral("{\"type\":\"ping\"}"));
}

void AnthropicMessagesRenderer::finish(FinishReason reason, const Usage &usage)
{
    const QByteArray stopReason = stopReasonName(reason, m_sawToolUse);
    // Anthropic's input_tokens leaves out what was read from or written to the prompt cache
    // (docs/kiro.md#the-event-stream).
    const int inputTokens = usage.promptTokens > 0
        ? std::max(0, usage.promptTokens - usage.cacheReadTokens - usage.cacheWriteTokens)
        : inputTokensEstimate();
    QByteArray usageJson;
    usageJson.reserve(128);
    usageJson += "{\"input_tokens\":";
    appendDecimal(usageJson, inputTokens);
    usageJson += ",\"cache_creation_input_tokens\":";
    appendDecimal(usageJson, usage.cacheWriteTokens);
    usageJson += ",\"cache_read_input_tokens\":";
    appendDecimal(usageJson, usage.cacheReadTokens);
    usageJson += ",\"output_tokens\":";
    appendDecimal(usageJson, usage.completionTokens);
    usageJson += '}';
    if (m_stream) {
        closeOpenBlock();
        writeEvent("message_delta",
                   "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                       + "\",\"stop_sequence\":null},\"usage\":" + usageJson + '}');
        writeEvent("message_stop", QByteArrayLiteral("{\"type\":\"message_stop\"}"));
        m_events.end(*m_responder); // with the terminator, in one write
        return;
    }

    // Sized for the blocks (see OpenAiChatRenderer::finish()), and everything behind them appended piece by
    // piece: Qt 6.4's `array += a + b` reallocates, doubling, whenever the array is more than half full.
    qsizetype blockBytes = 0;
    for (const Block &b : m_blocks)
        blockBytes += 64 + (b.content.size() + b.signature.size() + b.id.size() + b.name.size()) * 2;
    QByteArray body;
    body.reserve(256 + m_id.size() + m_model.size() + usageJson.size() + blockBytes);
    body += "{\"id\":\"" + m_id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + m_model
        + ",\"content\":[";
    for (size_t i = 0; i < m_blocks.size(); ++i) {
        const Block &b = m_blocks[i];
        if (i > 0)
            body += ',';
        switch (b.type) {
        case BlockType::Text:
            body += "{\"type\":\"text\",\"text\":";
            appendJsonString(body, QStringView(b.content));
            body += '}';
            break;
        case BlockType::Thinking:
            body += "{\"type\":\"thinking\",\"thinking\":";
            appendJsonString(body, QStringView(b.content));
            body += ",\"signature\":";
            appendJsonString(body, QStringView(b.signature));
            body += '}';
            break;
        case BlockType::RedactedThinking:
            body += "{\"type\":\"redacted_thinking\",\"data\":";
            appendJsonString(body, QStringView(b.content));
            body += '}';
            break;
        case BlockType::ToolUse:
            body += "{\"type\":\"tool_use\",\"id\":";
            appendJsonString(body, QStringView(b.id));
            body += ",\"name\":";
            appendJsonString(body, QStringView(b.name));
            appendLiteral(body, ",\"input\":");
            body += toolInputJson(b.content);
            body += '}';
            break;
        }
    }
    appendLiteral(body, "],\"stop_reason\":\"");
    body += stopReason;
    appendLiteral(body, "\",\"stop_sequence\":null,\"usage\":");
    body += usageJson;
    body += '}';
    m_responder->sendJson(200, body);
}

void AnthropicMessagesRenderer::fail(const ApiError &error, bool begun)
{
    if (!begun || !m_responder->isStreaming()) {
        ResponseHeaders h;
        if (error.retryAfterS > 0)
            h.append({ QByteArrayLiteral("Retry-After"), QByteArray::number(error.retryAfterS) });
        m_responder->sendJson(anthropicErrorInfo(error.kind).status, anthropicErrorBody(error), h);
        return;
    }
    // Mid-stream: the status line is gone; Anthropic clients raise an `error` event as an API error.
    writeEvent("error", anthropicErrorBody(error));
    m_events.end(*m_responder);
}

} // namespace Drawbridge
