// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QSet>
#include <QString>

#include <functional>
#include <optional>

#include "server/core/provider.h"
#include "server/kiro/eventstreamdecoder.h"
#include "server/kiro/kiroerrorclassifier.h"
#include "server/kiro/kiromodels.h"
#include "server/kiro/kirothinkingsplitter.h"

namespace Drawbridge {

struct KiroResponseParserConfig
{
    /** From KiroRequest: shortened tool name → the client's name. */
    QHash<QString, QString> toolNameReverseMap;
    /** Window that contextUsagePercentage refers to (KiroModels::contextWindow). */
    int contextWindowTokens = KiroModels::defaultContextWindow;
    /** From KiroRequest; reported when the stream carries no contextUsageEvent. */
    int estimatedPromptTokens = 0;
    /** From KiroRequest::thinkingEmulated: route a leading <thinking> block to reasoning deltas. */
    bool splitThinking = false;
};

/**
 * @brief Turns Kiro's response event stream into ProviderSink events (protocol §3.4–§3.9).
 *
 * It never calls onStart (the provider does, once it knows the request was accepted) and emits exactly one
 * terminal event (onFinish or onError), preceded by onUsage. Output events are text, reasoning and tool
 * calls; until the first of them, the provider may still fail over, so hasOutput() says whether the point
 * of no return has passed, the first-output handler fires right before it does, and the early-error
 * handler may take over errors that arrive before it.
 */
class KiroResponseParser final
{
public:
    /** Return true to take over the error (e.g. fail over); the parser then ends without calling the sink. */
    using EarlyErrorHandler = std::function<bool(const KiroErrorClassification &)>;

    KiroResponseParser(ProviderSink *sink, KiroResponseParserConfig config = {});

    /** Called once, right before the first output event reaches the sink. */
    void setFirstOutputHandler(std::function<void()> handler) { m_firstOutput = std::move(handler); }
    void setEarlyErrorHandler(EarlyErrorHandler handler) { m_earlyError = std::move(handler); }

    /** Raw response body bytes, split anywhere. */
    void feed(const QByteArray &bytes);
    void handleFrame(const EventStreamFrame &frame);
    /** The body ended normally; decides the finish reason. */
    void finish();
    /** The transport failed (reset, timeout); ends the call with @p error unless already ended. */
    void fail(const ProviderError &error);

    bool hasOutput() const { return m_hasOutput; }
    bool isDone() const { return m_done; }
    /** Usage as known so far (final after the terminal event). */
    Usage usage() const;
    /** The classification of the error frame that ended the stream, if one did. */
    const std::optional<KiroErrorClassification> &streamError() const { return m_streamError; }

private:
    /**
     * A tool call is held back until Kiro closes it, then reaches the sink whole: a call cut off upstream
     * or with broken JSON never reaches a client, and a stream that breaks inside one can still fail over.
     */
    struct OpenToolCall
    {
        QString id;
        QString name;
        QString arguments;
    };

    /** The events the parser reads; everything else is skipped without parsing its payload. */
    enum class EventKind : quint8 {
        Other,
        Text,
        ToolUse,
        Reasoning,
        Metadata,
        ContextUsage,
        Metering,
        InvalidState
    };
    static EventKind eventKind(const QByteArray &type);
    /**
     * The frequent events (text, tool input, reasoning) and the two every response ends with (metering,
     * context usage), read without a DOM when the payload is a flat object; false if it is not.
     */
    bool handleFlatFrame(EventKind kind, const QByteArray &payload);
    // The handlers take the fields they use, so the flat reader and QJsonDocument feed the same code.
    void onAssistantResponse(bool followup, const QString &content);
    void onToolUse(const QString &id, const QString &name, const QString &input, bool stop);
    void onReasoning(const QString &text, const QString &signature, const QString &redacted);
    void onMetadata(const QJsonObject &payload);
    void onException(const EventStreamFrame &frame);
    void closeToolCall();
    /** Decides the finish reason and ends the call; the stream itself ended cleanly. */
    void conclude();
    // QString, not QStringView: the sink gets the same shared string, without a copy per delta.
    void emitText(const QString &text);
    void emitReasoning(const QString &text);
    void flushSplitter();
    void beforeOutput();
    void end(FinishReason reason);
    void endWithError(const KiroErrorClassification &classification);

    ProviderSink *m_sink;
    KiroResponseParserConfig m_config;
    EventStreamDecoder m_decoder;
    /** Decoded into again for every frame, so its buffers are reused; feed() is not re-entered by the sink.
     */
    EventStreamFrame m_frame;
    std::optional<KiroThinkingSplitter> m_splitter;
    std::vector<KiroThinkingSplitter::Piece> m_pieces;
    std::function<void()> m_firstOutput;
    EarlyErrorHandler m_earlyError;

    std::optional<OpenToolCall> m_openTool;
    QSet<QString> m_closedToolIds;
    int m_toolCount = 0;
    int m_completeTools = 0;
    bool m_malformedTool = false;

    qint64 m_outputUnits = 0;
    std::optional<double> m_contextPercent;
    double m_credits = 0.0;
    bool m_hasCredits = false;
    std::optional<int> m_exactPrompt;
    std::optional<int> m_exactCompletion;
    int m_cacheReadTokens = 0;
    int m_cacheWriteTokens = 0;
    bool m_stopMaxTokens = false;
    bool m_contentLengthExceeded = false;

    bool m_hasOutput = false;
    bool m_done = false;
    std::optional<KiroErrorClassification> m_streamError;
};

} // namespace Drawbridge
