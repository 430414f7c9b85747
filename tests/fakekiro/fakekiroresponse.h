// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

namespace Drawbridge::Test {

/**
 * @brief One scripted answer of the fake Kiro upstream to POST /generateAssistantResponse.
 *
 * Either an HTTP error with Kiro's exact body, or a 200 event stream built step by step: genuine
 * event-stream frames, pauses, and a dropped connection, written in configurable pieces so clients meet
 * frames split at arbitrary byte boundaries.
 */
struct FakeKiroResponse
{
    struct Step
    {
        enum class Kind { Bytes, Delay, Drop };
        Kind kind = Kind::Bytes;
        QByteArray bytes;
        int delayMs = 0;
        double credits = 0.0; ///< metered by this frame (meteringEvent)
    };

    int status = 200;
    QByteArray errorBody;
    QByteArray errorType; ///< x-amzn-errortype header of an error response
    std::vector<Step> steps;
    int chunkSize = 0; ///< > 0: write the stream in pieces of at most this many bytes
    quint32 splitSeed = 0; ///< != 0: pieces of pseudo-random size 1..chunkSize (64 when chunkSize is 0)
    bool contentLength = false; ///< send Content-Length instead of chunked transfer encoding

    // Stream building blocks (each appends one step).
    FakeKiroResponse &text(const QString &content);
    /** A tool call in several toolUseEvent frames: one per fragment, then stop:true unless @p stop is false.
     */
    FakeKiroResponse &toolUse(const QString &id, const QString &name, const QStringList &fragments,
                              bool stop = true);
    FakeKiroResponse &reasoning(const QString &text);
    /** reasoningContentEvent carrying only the signature of the reasoning sent before it. */
    FakeKiroResponse &reasoningSignature(const QString &signature);
    /** reasoningContentEvent carrying only redactedContent (base64 of @p data). */
    FakeKiroResponse &redactedReasoning(const QByteArray &data);
    /** metadataEvent with tokenUsage; the cache counts are left out when negative. */
    FakeKiroResponse &tokenUsage(int uncachedInput, int output, int cacheRead = -1, int cacheWrite = -1);
    FakeKiroResponse &stopReason(const QString &reason);
    FakeKiroResponse &contextUsage(double percentage);
    FakeKiroResponse &metering(double credits);
    FakeKiroResponse &event(const QByteArray &eventType, const QJsonObject &payload);
    FakeKiroResponse &exception(const QByteArray &exceptionType, const QByteArray &payload);
    FakeKiroResponse &raw(const QByteArray &bytes);
    FakeKiroResponse &delay(int ms);
    FakeKiroResponse &dropConnection();
    FakeKiroResponse &splitEvery(int bytes);
    FakeKiroResponse &randomSplits(quint32 seed, int maxChunk = 64);
    FakeKiroResponse &withContentLength();

    /** The ordinary end of a Kiro stream: END_TURN, context usage, metering. */
    FakeKiroResponse &closing(double credits = 0.01, double contextPercentage = 1.0);

    /** Text in a few deltas followed by closing(). */
    static FakeKiroResponse ok(const QString &text, double credits = 0.01, double contextPercentage = 1.0);
    static FakeKiroResponse httpError(int status, const QByteArray &body, const QByteArray &errorType = {});

    // Kiro's error answers, verbatim from issue reports (protocol §9.5, §4).
    static FakeKiroResponse improperlyFormed();
    static FakeKiroResponse inputTooLong();
    static FakeKiroResponse invalidToolUseFormat();
    static FakeKiroResponse invalidModel();
    static FakeKiroResponse monthlyLimit();
    static FakeKiroResponse throttled();
    /** 429 INSUFFICIENT_MODEL_CAPACITY: the model is busy ("high traffic"), not the account. */
    static FakeKiroResponse modelCapacity();
    static FakeKiroResponse suspiciousActivity();
    static FakeKiroResponse suspended();
    static FakeKiroResponse bearerTokenInvalid();
    static FakeKiroResponse internalError();
    static FakeKiroResponse serviceUnavailable();
};

} // namespace Drawbridge::Test
