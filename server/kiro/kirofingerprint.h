// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

namespace Drawbridge {

using KiroHeaderList = QList<std::pair<QByteArray, QByteArray>>;

/**
 * @brief The Kiro IDE client fingerprint one account presents (protocol §1.9, §2.2).
 *
 * Every gateway imitates the IDE's AWS SDK headers. Each account keeps one stable machine id and never
 * shares it: accounts with identical fingerprints are reported to get flagged together. Versions stay
 * configurable because upgrading them has broken gateways before.
 */
struct KiroFingerprint
{
    QString machineId; ///< 64 lower-case hex digits
    QString kiroVersion = QStringLiteral("0.11.107");
    QString sdkVersion = QStringLiteral("1.0.34");
    QString osName = QStringLiteral("darwin");
    QString osVersion = QStringLiteral("24.6.0");
    QString nodeVersion = QStringLiteral("22.22.0");
    QString agentMode = QStringLiteral("vibe");

    /** kiro.rs's derivation: SHA-256 of "KotlinNativeAPI/" + the refresh token, so it survives restarts. */
    static QString machineIdFromRefreshToken(const QString &refreshToken);
    /** A 64-hex id as is (lower-cased); a UUID expanded by writing its 32 hex digits twice; else empty. */
    static QString normalizeMachineId(const QString &id);

    /**
     * Headers for POST /generateAssistantResponse, without Authorization. @p invocationId empty = a fresh
     * UUID; @p attempt counts from 1 and grows on retries like the SDK's.
     */
    KiroHeaderList chatHeaders(const QString &invocationId = {}, int attempt = 1, int maxAttempts = 3) const;
    /** The fields chatHeaders() starts with: the fingerprint's own, the same for every call of an account. */
    KiroHeaderList sharedChatHeaders() const;
    /** The names of the two fields chatHeaders() ends with, which change with every call. */
    static constexpr QByteArrayView invocationIdName { "amz-sdk-invocation-id" };
    static constexpr QByteArrayView requestAttemptName { "amz-sdk-request" };
    /** Room for the longest amz-sdk-request value: "attempt=" and "; max=" with two ints of 11 characters. */
    static constexpr qsizetype requestAttemptCapacity = 8 + 11 + 6 + 11;
    /** The value of amz-sdk-request ("attempt=2; max=3"), written into @p buffer. */
    static QByteArrayView requestAttempt(char (&buffer)[requestAttemptCapacity], int attempt,
                                         int maxAttempts);
    /** Headers for GET /getUsageLimits (the codewhispererruntime client), without Authorization. */
    KiroHeaderList usageLimitsHeaders(const QString &invocationId = {}) const;
    /** Headers for the social POST /refreshToken. */
    KiroHeaderList socialRefreshHeaders() const;

    /**
     * HttpRequest::partition for an account's calls: its machine id. Each account then has connections and
     * TLS sessions of its own, as the IDE on its own machine would, so the service cannot link accounts by a
     * kept-alive connection that carried both or by a session ticket both presented.
     */
    static QByteArray connectionPartition(const QString &machineId) { return machineId.toLatin1(); }

    friend bool operator==(const KiroFingerprint &, const KiroFingerprint &) = default;
};

} // namespace Drawbridge
