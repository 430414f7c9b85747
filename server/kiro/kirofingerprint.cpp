// SPDX-License-Identifier: MIT
#include "kirofingerprint.h"

#include <QCryptographicHash>

#include <algorithm>
#include <cstring>
#include <vector>

#include "server/core/randomuuid.h"

namespace Drawbridge {

namespace {

QByteArray invocation(const QString &invocationId)
{
    if (!invocationId.isEmpty())
        return invocationId.toUtf8();
    char text[uuidTextSize];
    randomUuidText(text);
    return QByteArray(text, uuidTextSize);
}

/** @p value in decimal at @p p; the end. */
char *writeDecimal(char *p, int value)
{
    char digits[12];
    int n = 0;
    unsigned v = value < 0 ? 0u - unsigned(value) : unsigned(value);
    do {
        digits[n++] = char('0' + v % 10);
        v /= 10;
    } while (v);
    if (value < 0)
        *p++ = '-';
    while (n)
        *p++ = digits[--n];
    return p;
}

bool isLowerHex(QStringView s)
{
    for (const QChar c : s) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

} // namespace

QString KiroFingerprint::machineIdFromRefreshToken(const QString &refreshToken)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(QByteArray("KotlinNativeAPI/" + refreshToken.toUtf8()),
                                 QCryptographicHash::Sha256)
            .toHex());
}

QString KiroFingerprint::normalizeMachineId(const QString &id)
{
    const QString lower = id.trimmed().toLower();
    if (lower.size() == 64 && isLowerHex(lower))
        return lower;
    const QUuid uuid = QUuid::fromString(lower);
    if (!uuid.isNull()) {
        const QString hex = uuid.toString(QUuid::Id128);
        return hex + hex;
    }
    return {};
}

KiroHeaderList KiroFingerprint::sharedChatHeaders() const
{
    // The same for every request of an account: built once per thread and fingerprint (the accounts' machine
    // ids; at most 64 kept, then started afresh), then shared (the list and its byte arrays are implicitly
    // shared, so a request copies no header text).
    struct Built
    {
        KiroFingerprint of;
        KiroHeaderList headers;
    };
    thread_local std::vector<Built> built;
    auto found = std::find_if(built.begin(), built.end(), [this](const Built &b) { return b.of == *this; });
    if (found == built.end()) {
        if (built.size() >= 64)
            built.clear();
        const QByteArray kiro = "KiroIDE-" + kiroVersion.toUtf8() + '-' + machineId.toUtf8();
        const QByteArray sdk = sdkVersion.toUtf8();
        built.push_back(Built { *this,
                                {
                                    { "content-type", "application/json" },
                                    { "accept", "application/vnd.amazon.eventstream" },
                                    { "x-amzn-codewhisperer-optout", "true" },
                                    { "x-amzn-kiro-agent-mode", agentMode.toUtf8() },
                                    { "x-amz-user-agent", "aws-sdk-js/" + sdk + ' ' + kiro },
                                    { "user-agent",
                                      "aws-sdk-js/" + sdk + " ua/2.1 os/" + osName.toUtf8() + '#'
                                          + osVersion.toUtf8() + " lang/js md/nodejs#" + nodeVersion.toUtf8()
                                          + " api/codewhispererstreaming#" + sdk + " m/E " + kiro },
                                } });
        found = built.end() - 1;
    }
    return found->headers;
}

QByteArrayView KiroFingerprint::requestAttempt(char (&buffer)[requestAttemptCapacity], int attempt,
                                               int maxAttempts)
{
    char *p = buffer;
    std::memcpy(p, "attempt=", 8);
    p = writeDecimal(p + 8, attempt);
    std::memcpy(p, "; max=", 6);
    p = writeDecimal(p + 6, maxAttempts);
    return QByteArrayView(buffer, p - buffer);
}

KiroHeaderList KiroFingerprint::chatHeaders(const QString &invocationId, int attempt, int maxAttempts) const
{
    KiroHeaderList headers = sharedChatHeaders();
    headers.reserve(headers.size() + 2);
    headers.append({ invocationIdName.toByteArray(), invocation(invocationId) });
    char buffer[requestAttemptCapacity];
    headers.append(
        { requestAttemptName.toByteArray(), requestAttempt(buffer, attempt, maxAttempts).toByteArray() });
    return headers;
}

KiroHeaderList KiroFingerprint::usageLimitsHeaders(const QString &invocationId) const
{
    const QByteArray kiro = "KiroIDE-" + kiroVersion.toUtf8() + '-' + machineId.toUtf8();
    return {
        { "x-amz-user-agent", "aws-sdk-js/1.0.0 " + kiro },
        { "user-agent",
          "aws-sdk-js/1.0.0 ua/2.1 os/" + osName.toUtf8() + '#' + osVersion.toUtf8() + " lang/js md/nodejs#"
              + nodeVersion.toUtf8() + " api/codewhispererruntime#1.0.0 m/N,E " + kiro },
        { "amz-sdk-invocation-id", invocation(invocationId) },
        { "amz-sdk-request", "attempt=1; max=1" },
    };
}

KiroHeaderList KiroFingerprint::socialRefreshHeaders() const
{
    return {
        { "content-type", "application/json" },
        { "accept", "application/json, text/plain, */*" },
        { "user-agent", "KiroIDE-" + kiroVersion.toUtf8() + '-' + machineId.toUtf8() },
    };
}

} // namespace Drawbridge
