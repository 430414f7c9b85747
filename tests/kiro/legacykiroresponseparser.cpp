// SPDX-License-Identifier: MIT
#include "tests/kiro/legacykiroresponseparser.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

#include "server/core/logging.h"
#include "server/kiro/kirotokenestimator.h"

namespace Drawbridge::Test {

namespace {

/**
 * Credits of a meteringEvent's `usage`: a number in the official model (schema §3.1), also accepted as a
 * numeric string or an object holding the figure, as other gateways have met it.
 */
std::optional<double> meteredCredits(const QJsonValue &usage)
{
    if (usage.isDouble())
        return usage.toDouble();
    if (usage.isString()) {
        bool ok = false;
        const double v = usage.toString().trimmed().toDouble(&ok);
        return ok && std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
    }
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

} // namespace

LegacyKiroResponseParser::LegacyKiroResponseParser(ProviderSink *sink, KiroResponseParserConfig config)
    : m_sink(sink), m_config(std::move(config))
{
    if (m_config.splitThinking)
        m_splitter.emplace();
}

void LegacyKiroResponseParser::feed(const QByteArray &bytes)
{
    if (m_done)
        return;
    m_decoder.feed(bytes);
    while (!m_done) {
        auto frame = m_decoder.next();
        if (!frame)
            break;
        handleFrame(*frame);
    }
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

void LegacyKiroResponseParser::handleFrame(const EventStreamFrame &frame)
{
    if (m_done)
        return;
    if (frame.messageType == "exception" || frame.messageType == "error") {
        onException(frame);
        return;
    }
    if (frame.messageType != "event")
        return;

    const QByteArray &type = frame.eventType;
    // Ids, follow-ups, citations and the rest carry nothing Drawbridge reports; skip before parsing JSON.
    const bool interesting = type == "assistantResponseEvent" || type == "toolUseEvent"
        || type == "reasoningContentEvent" || type == "metadataEvent" || type == "contextUsageEvent"
        || type == "meteringEvent" || type == "invalidStateEvent";
    if (!interesting)
        return;
    const QJsonObject payload = QJsonDocument::fromJson(frame.payload).object();

    if (type == "assistantResponseEvent") {
        onAssistantResponse(payload);
    } else if (type == "toolUseEvent") {
        onToolUse(payload);
    } else if (type == "reasoningContentEvent") {
        onReasoning(payload);
    } else if (type == "metadataEvent") {
        onMetadata(payload);
    } else if (type == "contextUsageEvent") {
        if (const auto v = payload.value(QLatin1String("contextUsagePercentage")); v.isDouble())
            m_contextPercent = v.toDouble();
    } else if (type == "meteringEvent") {
        if (const auto credits = meteredCredits(payload.value(QLatin1String("usage")))) {
            m_credits += *credits;
            m_hasCredits = true;
        }
    } else if (type == "invalidStateEvent") {
        KiroErrorClassification c;
        c.kind = KiroErrorKind::Unknown;
        c.errorType = QStringLiteral("invalidStateEvent");
        c.reason = payload.value(QLatin1String("reason")).toString();
        c.message = payload.value(QLatin1String("message")).toString();
        endWithError(c);
    }
}

void LegacyKiroResponseParser::onAssistantResponse(const QJsonObject &payload)
{
    // Follow-up suggestions ride on assistantResponseEvent in some streams; they are not answer text.
    if (payload.contains(QLatin1String("followupPrompt")))
        return;
    const QString content = payload.value(QLatin1String("content")).toString();
    if (content.isEmpty())
        return;
    if (!m_splitter) {
        emitText(content);
        return;
    }
    m_splitter->feed(content, m_pieces);
    flushSplitter();
}

void LegacyKiroResponseParser::flushSplitter()
{
    for (const auto &piece : m_pieces) {
        if (piece.reasoning)
            emitReasoning(piece.text);
        else
            emitText(piece.text);
    }
    m_pieces.clear();
}

void LegacyKiroResponseParser::onReasoning(const QJsonObject &payload)
{
    // A frame carries one of three forms (official schema §3.1): reasoning text, the signature of the
    // reasoning sent before it, or redactedContent (base64) standing in for reasoning the service withheld.
    const QString text = payload.value(QLatin1String("text")).toString();
    if (!text.isEmpty())
        emitReasoning(text);
    const QString signature = payload.value(QLatin1String("signature")).toString();
    if (!signature.isEmpty()) {
        beforeOutput();
        m_sink->onReasoningSignature(signature);
    }
    const QString redacted = payload.value(QLatin1String("redactedContent")).toString();
    if (!redacted.isEmpty()) {
        beforeOutput();
        m_sink->onRedactedReasoning(redacted);
    }
}

void LegacyKiroResponseParser::onToolUse(const QJsonObject &payload)
{
    const QString id = payload.value(QLatin1String("toolUseId")).toString();
    if (id.isEmpty())
        return;
    // A different toolUseId starts a new call and implicitly closes the open one (§3.5 rule 6).
    if (m_openTool && m_openTool->id != id)
        closeToolCall();
    if (!m_openTool) {
        if (m_closedToolIds.contains(id))
            return; // stray fragment after stop:true
        const QString shortName = payload.value(QLatin1String("name")).toString();
        m_openTool = OpenToolCall { id, m_config.toolNameReverseMap.value(shortName, shortName), {} };
    }

    const QJsonValue input = payload.value(QLatin1String("input"));
    if (input.isString())
        m_openTool->arguments += input.toString();
    else if (input.isObject())
        m_openTool->arguments
            += QString::fromUtf8(QJsonDocument(input.toObject()).toJson(QJsonDocument::Compact));
    if (payload.value(QLatin1String("stop")).toBool())
        closeToolCall();
}

void LegacyKiroResponseParser::closeToolCall()
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

void LegacyKiroResponseParser::onMetadata(const QJsonObject &payload)
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

void LegacyKiroResponseParser::onException(const EventStreamFrame &frame)
{
    KiroErrorClassification c;
    if (frame.messageType == "error") {
        c.kind = KiroErrorKind::Transient;
        c.errorType = QString::fromUtf8(frame.errorCode);
        c.message = QString::fromUtf8(frame.errorMessage.isEmpty() ? frame.payload : frame.errorMessage);
    } else {
        c = KiroErrorClassifier::classifyException(frame.exceptionType, frame.payload);
    }
    if (frame.exceptionType == "ContentLengthExceededException") {
        // The output hit its limit: a truncated answer, not a failed one (§3.8).
        m_contentLengthExceeded = true;
        m_streamError = c;
        conclude();
        return;
    }
    endWithError(c);
}

void LegacyKiroResponseParser::emitText(QStringView text)
{
    if (text.isEmpty())
        return;
    beforeOutput();
    m_outputUnits += KiroTokenEstimator::units(text);
    m_sink->onTextDelta(text.toString());
}

void LegacyKiroResponseParser::emitReasoning(QStringView text)
{
    if (text.isEmpty())
        return;
    beforeOutput();
    m_outputUnits += KiroTokenEstimator::units(text);
    m_sink->onReasoningDelta(text.toString());
}

void LegacyKiroResponseParser::beforeOutput()
{
    if (m_hasOutput)
        return;
    m_hasOutput = true;
    if (m_firstOutput)
        m_firstOutput();
}

Usage LegacyKiroResponseParser::usage() const
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
        // Clamped as the parser is (the unclamped form overflowed on percentages Kiro never sends).
        const double prompt = *m_contextPercent / 100.0 * m_config.contextWindowTokens - u.completionTokens;
        u.promptTokens
            = prompt > 0 ? int(std::llround(std::min(prompt, double(std::numeric_limits<int>::max())))) : 0;
    } else {
        u.promptTokens = m_config.estimatedPromptTokens;
    }
    return u;
}

void LegacyKiroResponseParser::finish()
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

void LegacyKiroResponseParser::conclude()
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

void LegacyKiroResponseParser::end(FinishReason reason)
{
    if (!m_hasOutput)
        beforeOutput(); // a finish is output too: the provider must have called onStart by now
    m_done = true;
    m_sink->onUsage(usage());
    m_sink->onFinish(reason);
}

void LegacyKiroResponseParser::fail(const ProviderError &error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_hasOutput || m_hasCredits)
        m_sink->onUsage(usage());
    m_sink->onError(error);
}

void LegacyKiroResponseParser::endWithError(const KiroErrorClassification &classification)
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

} // namespace Drawbridge::Test
