// SPDX-License-Identifier: MIT
#include "kiroresponseparser.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstring>
#include <limits>

#include "server/core/logging.h"
#include "server/kiro/flatjsonobject.h"
#include "server/kiro/kirotokenestimator.h"

namespace Drawbridge {

namespace {

/** Credits given as a numeric string. */
std::optional<double> creditsFromString(const QString &usage)
{
    bool ok = false;
    const double v = usage.trimmed().toDouble(&ok);
    return ok && std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

/**
 * Credits of a meteringEvent's `usage`: a number in the official model (schema §3.1), also accepted as a
 * numeric string or an object holding the figure, as other gateways have met it.
 */
std::optional<double> meteredCredits(const QJsonValue &usage)
{
    if (usage.isDouble())
        return usage.toDouble();
    if (usage.isString())
        return creditsFromString(usage.toString());
    if (usage.isObject()) {
        const QJsonObject o = usage.toObject();
        for (const QLatin1String key : { QLatin1String("value"), QLatin1String("amount"),
                                         QLatin1String("credits"), QLatin1String("usage") }) {
            if (const auto v = o.value(key); v.isDouble() || v.isString())
                return meteredCredits(v);
        }
    }
    return std::nullopt;
}

/** Equality with a literal whose size the compiler knows, so the comparison is inlined. */
bool same(const QByteArray &a, QByteArrayView literal)
{
    return a.size() == literal.size()
        && std::memcmp(a.constData(), literal.data(), size_t(literal.size())) == 0;
}

} // namespace

KiroResponseParser::KiroResponseParser(ProviderSink *sink, KiroResponseParserConfig config)
    : m_sink(sink), m_config(std::move(config))
{
    if (m_config.splitThinking)
        m_splitter.emplace();
}

void KiroResponseParser::feed(const QByteArray &bytes)
{
    if (m_done)
        return;
    m_decoder.feed(bytes);
    while (!m_done && m_decoder.next(m_frame))
        handleFrame(m_frame);
    if (m_done) {
        // The decoder may still borrow the caller's bytes; nothing more will be decoded.
        m_decoder.reset();
        return;
    }
    if (m_decoder.hasError()) {
        KiroErrorClassification c;
        c.kind = KiroErrorKind::Transient;
        c.accountFault = false;
        c.message = QStringLiteral("corrupt response stream from Kiro: %1").arg(m_decoder.errorString());
        endWithError(c);
    }
}

void KiroResponseParser::handleFrame(const EventStreamFrame &frame)
{
    if (m_done)
        return;
    if (same(frame.messageType, "exception") || same(frame.messageType, "error")) {
        onException(frame);
        return;
    }
    if (!same(frame.messageType, "event"))
        return;

    const EventKind kind = eventKind(frame.eventType);
    // Ids, follow-ups, citations and the rest carry nothing Drawbridge reports; skip before parsing JSON.
    if (kind == EventKind::Other)
        return;
    if (handleFlatFrame(kind, frame.payload))
        return;
    const QJsonObject payload = QJsonDocument::fromJson(frame.payload).object();

    switch (kind) {
    case EventKind::Text:
        onAssistantResponse(payload.contains(QLatin1String("followupPrompt")),
                            payload.value(QLatin1String("content")).toString());
        break;
    case EventKind::ToolUse: {
        const QJsonValue input = payload.value(QLatin1String("input"));
        QString inputText;
        if (input.isString())
            inputText = input.toString();
        else if (input.isObject())
            inputText = QString::fromUtf8(QJsonDocument(input.toObject()).toJson(QJsonDocument::Compact));
        onToolUse(payload.value(QLatin1String("toolUseId")).toString(),
                  payload.value(QLatin1String("name")).toString(), inputText,
                  payload.value(QLatin1String("stop")).toBool());
        break;
    }
    case EventKind::Reasoning:
        onReasoning(payload.value(QLatin1String("text")).toString(),
                    payload.value(QLatin1String("signature")).toString(),
                    payload.value(QLatin1String("redactedContent")).toString());
        break;
    case EventKind::Metadata:
        onMetadata(payload);
        break;
    case EventKind::ContextUsage:
        if (const auto v = payload.value(QLatin1String("contextUsagePercentage")); v.isDouble())
            m_contextPercent = v.toDouble();
        break;
    case EventKind::Metering:
        if (const auto credits = meteredCredits(payload.value(QLatin1String("usage")))) {
            m_credits += *credits;
            m_hasCredits = true;
        }
        break;
    case EventKind::InvalidState: {
        KiroErrorClassification c;
        c.kind = KiroErrorKind::Unknown;
        c.errorType = QStringLiteral("invalidStateEvent");
        c.reason = payload.value(QLatin1String("reason")).toString();
        c.message = payload.value(QLatin1String("message")).toString();
        endWithError(c);
        break;
    }
    case EventKind::Other:
        break;
    }
}

KiroResponseParser::EventKind KiroResponseParser::eventKind(const QByteArray &type)
{
    if (same(type, "assistantResponseEvent"))
        return EventKind::Text;
    if (same(type, "toolUseEvent"))
        return EventKind::ToolUse;
    if (same(type, "reasoningContentEvent"))
        return EventKind::Reasoning;
    if (same(type, "metadataEvent"))
        return EventKind::Metadata;
    if (same(type, "contextUsageEvent"))
        return EventKind::ContextUsage;
    if (same(type, "meteringEvent"))
        return EventKind::Metering;
    if (same(type, "invalidStateEvent"))
        return EventKind::InvalidState;
    return EventKind::Other;
}

bool KiroResponseParser::handleFlatFrame(EventKind kind, const QByteArray &payload)
{
    if (kind != EventKind::Text && kind != EventKind::ToolUse && kind != EventKind::Reasoning
        && kind != EventKind::Metering && kind != EventKind::ContextUsage)
        return false;
    FlatJsonObject flat;
    if (!flat.parse(payload))
        return false;
    if (kind == EventKind::Metering) {
        // As meteredCredits() reads it; the object form is not flat and goes through QJsonDocument.
        const QLatin1String usage("usage");
        std::optional<double> credits;
        if (flat.isNumber(usage))
            credits = flat.number(usage);
        else if (flat.isString(usage))
            credits = creditsFromString(flat.string(usage));
        if (credits) {
            m_credits += *credits;
            m_hasCredits = true;
        }
    } else if (kind == EventKind::ContextUsage) {
        if (const QLatin1String percentage("contextUsagePercentage"); flat.isNumber(percentage))
            m_contextPercent = flat.number(percentage);
    } else if (kind == EventKind::Text) {
        onAssistantResponse(flat.contains(QLatin1String("followupPrompt")),
                            flat.string(QLatin1String("content")));
    } else if (kind == EventKind::ToolUse) {
        // A flat object has no object-valued input: that form goes through QJsonDocument.
        onToolUse(flat.string(QLatin1String("toolUseId")), flat.string(QLatin1String("name")),
                  flat.string(QLatin1String("input")), flat.boolean(QLatin1String("stop")));
    } else {
        onReasoning(flat.string(QLatin1String("text")), flat.string(QLatin1String("signature")),
                    flat.string(QLatin1String("redactedContent")));
    }
    return true;
}

void KiroResponseParser::onAssistantResponse(bool followup, const QString &content)
{
    // Follow-up suggestions ride on assistantResponseEvent in some streams; they are not answer text.
    if (followup)
        return;
    if (content.isEmpty())
        return;
    if (!m_splitter) {
        emitText(content);
        return;
    }
    m_splitter->feed(content, m_pieces);
    flushSplitter();
}

void KiroResponseParser::flushSplitter()
{
    for (const auto &piece : m_pieces) {
        if (piece.reasoning)
            emitReasoning(piece.text);
        else
            emitText(piece.text);
    }
    m_pieces.clear();
}

void KiroResponseParser::onReasoning(const QString &text, const QString &signature, const QString &redacted)
{
    // A frame carries one of three forms (official schema §3.1): reasoning text, the signature of the
    // reasoning sent before it, or redactedContent (base64) standing in for reasoning the service withheld.
    if (!text.isEmpty())
        emitReasoning(text);
    if (!signature.isEmpty()) {
        beforeOutput();
        m_sink->onReasoningSignature(signature);
    }
    if (!redacted.isEmpty()) {
        beforeOutput();
        m_sink->onRedactedReasoning(redacted);
    }
}

void KiroResponseParser::onToolUse(const QString &id, const QString &name, const QString &input, bool stop)
{
    if (id.isEmpty())
        return;
    // A different toolUseId starts a new call and implicitly closes the open one (§3.5 rule 6).
    if (m_openTool && m_openTool->id != id)
        closeToolCall();
    if (!m_openTool) {
        if (m_closedToolIds.contains(id))
            return; // stray fragment after stop:true
        m_openTool = OpenToolCall { id, m_config.toolNameReverseMap.value(name, name), {} };
    }

    m_openTool->arguments += input;
    if (stop)
        closeToolCall();
}

void KiroResponseParser::closeToolCall()
{
    if (!m_openTool)
        return;
    OpenToolCall call = std::move(*m_openTool);
    m_openTool.reset();
    m_closedToolIds.insert(call.id);
    // A tool without parameters: clients expect a JSON object, never an empty string.
    const bool noArguments = call.arguments.trimmed().isEmpty();
    if (!noArguments) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(call.arguments.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            // Kiro cuts large tool inputs off mid-JSON (§2.8); such a call is dropped, never shown as one.
            qCWarning(lcKiro) << "tool call" << call.id
                              << "has invalid JSON arguments:" << error.errorString();
            m_malformedTool = true;
            return;
        }
    }
    beforeOutput();
    const int index = m_toolCount++;
    m_outputUnits += KiroTokenEstimator::units(call.name) + KiroTokenEstimator::units(call.arguments);
    m_sink->onToolCallStart(index, call.id, call.name);
    m_sink->onToolCallArgumentsDelta(index, noArguments ? QStringLiteral("{}") : call.arguments);
    ++m_completeTools;
}

void KiroResponseParser::onMetadata(const QJsonObject &payload)
{
    // The official model has only tokenUsage here; captured streams also show stopReason (schema §6.14).
    const QString stopReason = payload.value(QLatin1String("stopReason")).toString();
    if (stopReason == QLatin1String("MAX_TOKENS"))
        m_stopMaxTokens = true;
    const QJsonObject usage = payload.value(QLatin1String("tokenUsage")).toObject();
    if (usage.value(QLatin1String("outputTokens")).isDouble()
        && usage.value(QLatin1String("uncachedInputTokens")).isDouble()) {
        const int uncached = usage.value(QLatin1String("uncachedInputTokens")).toInt();
        const int output = usage.value(QLatin1String("outputTokens")).toInt();
        const int cacheRead = qMax(0, usage.value(QLatin1String("cacheReadInputTokens")).toInt());
        const int cacheWrite = qMax(0, usage.value(QLatin1String("cacheWriteInputTokens")).toInt());
        // The four counts are disjoint buckets and totalTokens is their sum. Should a totalTokens say the
        // uncached count already holds the cached ones, they are not added again.
        const auto total = usage.value(QLatin1String("totalTokens"));
        const bool cacheInsideUncached = (cacheRead > 0 || cacheWrite > 0) && total.isDouble()
            && total.toInteger() == qint64(uncached) + output;
        m_exactPrompt = cacheInsideUncached ? uncached : uncached + cacheRead + cacheWrite;
        m_exactCompletion = output;
        m_cacheReadTokens = cacheRead;
        m_cacheWriteTokens = cacheWrite;
    }
    if (const auto v = usage.value(QLatin1String("contextUsagePercentage"));
        v.isDouble() && !m_contextPercent)
        m_contextPercent = v.toDouble();
}

void KiroResponseParser::onException(const EventStreamFrame &frame)
{
    KiroErrorClassification c;
    if (same(frame.messageType, "error")) {
        c.kind = KiroErrorKind::Transient;
        c.errorType = QString::fromUtf8(frame.errorCode);
        c.message = QString::fromUtf8(frame.errorMessage.isEmpty() ? frame.payload : frame.errorMessage);
    } else {
        c = KiroErrorClassifier::classifyException(frame.exceptionType, frame.payload);
    }
    if (same(frame.exceptionType, "ContentLengthExceededException")) {
        // The output hit its limit: a truncated answer, not a failed one (§3.8).
        m_contentLengthExceeded = true;
        m_streamError = c;
        conclude();
        return;
    }
    endWithError(c);
}

void KiroResponseParser::emitText(const QString &text)
{
    if (text.isEmpty())
        return;
    beforeOutput();
    m_outputUnits += KiroTokenEstimator::units(text);
    m_sink->onTextDelta(text);
}

void KiroResponseParser::emitReasoning(const QString &text)
{
    if (text.isEmpty())
        return;
    beforeOutput();
    m_outputUnits += KiroTokenEstimator::units(text);
    m_sink->onReasoningDelta(text);
}

void KiroResponseParser::beforeOutput()
{
    if (m_hasOutput)
        return;
    m_hasOutput = true;
    if (m_firstOutput)
        m_firstOutput();
}

Usage KiroResponseParser::usage() const
{
    Usage u;
    u.credits = m_credits;
    u.hasCredits = m_hasCredits;
    if (m_exactPrompt && m_exactCompletion) {
        u.promptTokens = *m_exactPrompt;
        u.completionTokens = *m_exactCompletion;
        u.cacheReadTokens = m_cacheReadTokens;
        u.cacheWriteTokens = m_cacheWriteTokens;
        u.tokensEstimated = false;
        return u;
    }
    u.completionTokens = KiroTokenEstimator::tokensFromUnits(m_outputUnits);
    if (m_contextPercent) {
        // The percentage covers input and output (schema §3.1), so the output share comes off.
        // In double and clamped: a percentage Kiro never sends (1e300, NaN) must not overflow the integers.
        const double prompt = *m_contextPercent / 100.0 * m_config.contextWindowTokens - u.completionTokens;
        u.promptTokens
            = prompt > 0 ? int(std::llround(std::min(prompt, double(std::numeric_limits<int>::max())))) : 0;
    } else {
        u.promptTokens = m_config.estimatedPromptTokens;
    }
    return u;
}

void KiroResponseParser::finish()
{
    if (m_done)
        return;
    if (m_decoder.bufferedBytes() > 0) {
        KiroErrorClassification c;
        c.kind = KiroErrorKind::Transient;
        c.accountFault = false;
        c.message = QStringLiteral("Kiro's response stream ended inside an event frame");
        endWithError(c);
        return;
    }
    conclude();
}

void KiroResponseParser::conclude()
{
    if (m_splitter) {
        m_splitter->finish(m_pieces);
        flushSplitter();
    }
    // Without stop:true the call was cut off upstream (§3.5 rule 8): it is dropped, and the answer ends as
    // truncated.
    const bool truncatedTool = m_openTool.has_value();
    if (truncatedTool)
        qCWarning(lcKiro) << "tool call" << m_openTool->id << "was cut off upstream before its end";
    m_openTool.reset();
    if (m_contentLengthExceeded || m_stopMaxTokens || truncatedTool || m_malformedTool
        || (m_contextPercent && *m_contextPercent >= 100.0)) {
        end(FinishReason::Length);
    } else if (m_completeTools > 0) {
        end(FinishReason::ToolCalls);
    } else {
        end(FinishReason::Stop);
    }
}

void KiroResponseParser::end(FinishReason reason)
{
    if (!m_hasOutput)
        beforeOutput(); // a finish is output too: the provider must have called onStart by now
    m_done = true;
    m_sink->onUsage(usage());
    m_sink->onFinish(reason);
}

void KiroResponseParser::fail(const ProviderError &error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_hasOutput || m_hasCredits)
        m_sink->onUsage(usage());
    m_sink->onError(error);
}

void KiroResponseParser::endWithError(const KiroErrorClassification &classification)
{
    if (m_done)
        return;
    m_streamError = classification;
    if (!m_hasOutput && m_earlyError && m_earlyError(classification)) {
        m_done = true;
        return;
    }
    fail(classification.toProviderError());
}

} // namespace Drawbridge
