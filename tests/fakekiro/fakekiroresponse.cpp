// SPDX-License-Identifier: MIT
#include "fakekiroresponse.h"

#include <QJsonDocument>

#include "server/kiro/eventstreamencoder.h"

namespace Drawbridge::Test {

namespace {

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

FakeKiroResponse &FakeKiroResponse::event(const QByteArray &eventType, const QJsonObject &payload)
{
    steps.push_back({ Step::Kind::Bytes, EventStreamEncoder::event(eventType, json(payload)), 0, 0.0 });
    return *this;
}

FakeKiroResponse &FakeKiroResponse::text(const QString &content)
{
    return event("assistantResponseEvent", { { QStringLiteral("content"), content } });
}

FakeKiroResponse &FakeKiroResponse::toolUse(const QString &id, const QString &name,
                                            const QStringList &fragments, bool stop)
{
    event("toolUseEvent", { { QStringLiteral("toolUseId"), id }, { QStringLiteral("name"), name } });
    for (const QString &fragment : fragments) {
        event("toolUseEvent",
              { { QStringLiteral("toolUseId"), id },
                { QStringLiteral("name"), name },
                { QStringLiteral("input"), fragment } });
    }
    if (stop)
        event("toolUseEvent",
              { { QStringLiteral("toolUseId"), id },
                { QStringLiteral("name"), name },
                { QStringLiteral("stop"), true } });
    return *this;
}

FakeKiroResponse &FakeKiroResponse::reasoning(const QString &text)
{
    return event("reasoningContentEvent", { { QStringLiteral("text"), text } });
}

FakeKiroResponse &FakeKiroResponse::reasoningSignature(const QString &signature)
{
    return event("reasoningContentEvent", { { QStringLiteral("signature"), signature } });
}

FakeKiroResponse &FakeKiroResponse::redactedReasoning(const QByteArray &data)
{
    return event("reasoningContentEvent",
                 { { QStringLiteral("redactedContent"), QString::fromLatin1(data.toBase64()) } });
}

FakeKiroResponse &FakeKiroResponse::tokenUsage(int uncachedInput, int output, int cacheRead, int cacheWrite)
{
    QJsonObject usage { { QStringLiteral("uncachedInputTokens"), uncachedInput },
                        { QStringLiteral("outputTokens"), output } };
    int total = uncachedInput + output;
    if (cacheRead >= 0) {
        usage.insert(QStringLiteral("cacheReadInputTokens"), cacheRead);
        total += cacheRead;
    }
    if (cacheWrite >= 0) {
        usage.insert(QStringLiteral("cacheWriteInputTokens"), cacheWrite);
        total += cacheWrite;
    }
    usage.insert(QStringLiteral("totalTokens"), total);
    return event("metadataEvent", { { QStringLiteral("tokenUsage"), usage } });
}

FakeKiroResponse &FakeKiroResponse::stopReason(const QString &reason)
{
    return event("metadataEvent", { { QStringLiteral("stopReason"), reason } });
}

FakeKiroResponse &FakeKiroResponse::contextUsage(double percentage)
{
    return event("contextUsageEvent", { { QStringLiteral("contextUsagePercentage"), percentage } });
}

FakeKiroResponse &FakeKiroResponse::metering(double credits)
{
    event("meteringEvent",
          { { QStringLiteral("unit"), QStringLiteral("credit") },
            { QStringLiteral("unitPlural"), QStringLiteral("credits") },
            { QStringLiteral("usage"), credits } });
    steps.back().credits = credits;
    return *this;
}

FakeKiroResponse &FakeKiroResponse::exception(const QByteArray &exceptionType, const QByteArray &payload)
{
    steps.push_back({ Step::Kind::Bytes, EventStreamEncoder::exception(exceptionType, payload), 0, 0.0 });
    return *this;
}

FakeKiroResponse &FakeKiroResponse::raw(const QByteArray &bytes)
{
    steps.push_back({ Step::Kind::Bytes, bytes, 0, 0.0 });
    return *this;
}

FakeKiroResponse &FakeKiroResponse::delay(int ms)
{
    steps.push_back({ Step::Kind::Delay, {}, ms, 0.0 });
    return *this;
}

FakeKiroResponse &FakeKiroResponse::dropConnection()
{
    steps.push_back({ Step::Kind::Drop, {}, 0, 0.0 });
    return *this;
}

FakeKiroResponse &FakeKiroResponse::splitEvery(int bytes)
{
    chunkSize = bytes;
    splitSeed = 0;
    return *this;
}

FakeKiroResponse &FakeKiroResponse::randomSplits(quint32 seed, int maxChunk)
{
    splitSeed = seed == 0 ? 1 : seed;
    chunkSize = maxChunk;
    return *this;
}

FakeKiroResponse &FakeKiroResponse::withContentLength()
{
    contentLength = true;
    return *this;
}

FakeKiroResponse &FakeKiroResponse::closing(double credits, double contextPercentage)
{
    stopReason(QStringLiteral("END_TURN"));
    contextUsage(contextPercentage);
    return metering(credits);
}

FakeKiroResponse FakeKiroResponse::ok(const QString &text, double credits, double contextPercentage)
{
    FakeKiroResponse r;
    // A few deltas, like the real service, so clients never assume one frame per answer.
    const qsizetype third = qMax<qsizetype>(1, text.size() / 3);
    for (qsizetype i = 0; i < text.size(); i += third)
        r.text(text.mid(i, third));
    r.closing(credits, contextPercentage);
    return r;
}

FakeKiroResponse FakeKiroResponse::httpError(int status, const QByteArray &body, const QByteArray &errorType)
{
    FakeKiroResponse r;
    r.status = status;
    r.errorBody = body;
    r.errorType = errorType;
    return r;
}

FakeKiroResponse FakeKiroResponse::improperlyFormed()
{
    return httpError(400, R"({"message":"Improperly formed request.","reason":null})", "ValidationException");
}

FakeKiroResponse FakeKiroResponse::inputTooLong()
{
    return httpError(400, R"({"message":"Input is too long.","reason":"CONTENT_LENGTH_EXCEEDS_THRESHOLD"})",
                     "ValidationException");
}

FakeKiroResponse FakeKiroResponse::invalidToolUseFormat()
{
    return httpError(400, R"({"message":"Invalid tool use format.","reason":"REQUEST_BODY_INVALID"})",
                     "ValidationException");
}

FakeKiroResponse FakeKiroResponse::invalidModel()
{
    return httpError(
        400,
        R"({"message":"Invalid model. Please select a different model to continue.","reason":"INVALID_MODEL_ID"})",
        "ValidationException");
}

FakeKiroResponse FakeKiroResponse::monthlyLimit()
{
    return httpError(402, R"({"message":"You have reached the limit.","reason":"MONTHLY_REQUEST_COUNT"})",
                     "ServiceQuotaExceededException");
}

FakeKiroResponse FakeKiroResponse::throttled()
{
    return httpError(429,
                     R"({"message":"Too many requests, please wait before trying again.","reason":null})",
                     "ThrottlingException");
}

FakeKiroResponse FakeKiroResponse::modelCapacity()
{
    return httpError(
        429,
        R"({"message":"I am experiencing high traffic, please try again shortly.","reason":"INSUFFICIENT_MODEL_CAPACITY"})",
        "ThrottlingException");
}

FakeKiroResponse FakeKiroResponse::suspiciousActivity()
{
    return httpError(
        429,
        R"({"message":"Due to suspicious activity, we are imposing temporary limits on how frequently your account (fake) can send a request to Kiro while we investigate. If you need assistance, please contact support at https://app.kiro.dev/account/usage?support_form.","reason":null})",
        "ThrottlingException");
}

FakeKiroResponse FakeKiroResponse::suspended()
{
    return httpError(
        403,
        R"({"message":"Your User ID (fake) temporarily is suspended. We've locked your account as a security precaution.","reason":"TEMPORARILY_SUSPENDED"})",
        "AccessDeniedException");
}

FakeKiroResponse FakeKiroResponse::bearerTokenInvalid()
{
    return httpError(403,
                     R"({"message":"The bearer token included in the request is invalid.","reason":null})",
                     "AccessDeniedException");
}

FakeKiroResponse FakeKiroResponse::internalError()
{
    return httpError(
        500,
        R"({"message":"Encountered an unexpected error when processing the request, please try again.","reason":null})",
        "InternalServerException");
}

FakeKiroResponse FakeKiroResponse::serviceUnavailable()
{
    return httpError(503, R"({"message":"Service unavailable, please try again later."})",
                     "ServiceUnavailableException");
}

} // namespace Drawbridge::Test
