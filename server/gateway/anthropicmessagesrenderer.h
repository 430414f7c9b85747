// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "chatrenderer.h"
#include "sseeventbatch.h"

namespace Drawbridge {

/**
 * @brief Anthropic Messages rendering: an SSE event stream or one aggregated `message` object.
 *
 * Provider events become content blocks in order of appearance: text, thinking (from reasoning deltas, ended
 * by the upstream's signature), redacted_thinking and one tool_use block per tool call. Only one block is
 * open at a time; a block of another kind (or another tool call) closes the open one first, so block indexes
 * never overlap. Errors use the Anthropic shape: an HTTP error before output, an `event: error` afterwards.
 */
class AnthropicMessagesRenderer final : public ChatRenderer
{
public:
    /**
     * @p inputTokensEstimate gives the local estimate of the prompt's tokens. It is asked once, and only
     * when the answer needs it: a stream's message_start comes before any count from the upstream; an
     * aggregated message takes the provider's count and asks only when the provider reports none. The
     * estimate walks every text of the request (0.18 M instructions of a 144 KiB agent request, issue 18).
     */
    AnthropicMessagesRenderer(std::shared_ptr<HttpResponder> responder, const QString &model, bool stream,
                              std::function<int()> inputTokensEstimate);

    /** thinking.display = "omitted": thinking blocks open and close but carry no text. */
    void setThinkingOmitted(bool omitted) { m_thinkingOmitted = omitted; }

    void begin() override;
    void text(const QString &delta) override;
    void reasoning(const QString &delta) override;
    void reasoningSignature(const QString &signature) override;
    void redactedReasoning(const QString &data) override;
    void toolCallStart(int index, const QString &id, const QString &name) override;
    void toolCallArguments(int index, const QString &fragment) override;
    void keepAlive() override;
    void finish(FinishReason reason, const Usage &usage) override;
    void fail(const ApiError &error, bool begun) override;

    /** end_turn | max_tokens | tool_use | refusal; a plain stop after tool calls is tool_use. */
    static QByteArray stopReasonName(FinishReason reason, bool sawToolUse);

private:
    enum class BlockType { Text, Thinking, RedactedThinking, ToolUse };

    struct Block
    {
        BlockType type;
        QString content; ///< text, thinking, redacted data, or the tool input JSON as received
        QString id;
        QString name;
        QString signature; ///< a thinking block's upstream signature
    };

    /** Index of an open block of @p type, opening one (and closing the open one) when needed. */
    int ensureOpen(BlockType type);
    int openBlock(Block block);
    void closeOpenBlock();
    /** Queues one SSE event in m_events (see SseEventBatch). */
    void writeEvent(const char *type, const QByteArray &json);
    void writeDelta(int index, const char *deltaType, const char *field, const QString &value);
    int inputTokensEstimate();

    std::shared_ptr<HttpResponder> m_responder;
    SseEventBatch m_events; ///< events of the current callback, not written yet
    bool m_stream;
    QByteArray m_id;
    QByteArray m_model; ///< JSON-quoted
    std::function<int()> m_inputTokensEstimate; ///< asked at most once (see the constructor)
    std::optional<int> m_inputTokens; ///< its answer, once asked
    std::vector<Block> m_blocks; ///< every block so far; contents are kept only when aggregating
    std::vector<int> m_toolBlocks; ///< provider tool-call index → block index, -1 when unknown
    int m_openIndex = -1;
    bool m_sawToolUse = false;
    bool m_thinkingOmitted = false;
};

} // namespace Drawbridge
