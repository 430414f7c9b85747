// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QUrl>

#include <memory>

#include "server/core/provider.h"
#include "server/core/settings.h"
#include "server/net/httpheaders.h"

namespace Drawbridge {

class AccountPool;
class Clock;
class HttpClient;
class KiroCredentialSource;

/**
 * @brief Serves chat requests from the pool of Kiro accounts.
 *
 * Each call takes a slot lease on one account, gets its access token, posts generateAssistantResponse and
 * feeds the event stream to a KiroResponseParser. Until the first output reaches the client, a failure moves
 * the request to another account (throttling, quota, suspension, network trouble), within a budget of
 * attempts; 400-class request errors are the client's and never fail over.
 */
class KiroProvider final : public QObject, public Provider
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroProvider)

public:
    struct Options
    {
        int maxAttempts = 3; ///< accounts tried per request
        int keepAliveIntervalMs = 15'000;
        int requestTimeoutS = 600; ///< whole upstream call
        int firstByteTimeoutS = 120; ///< until the response headers
        int idleReadTimeoutS = 300; ///< longest silence inside a stream (long thinking)
        int transientRetryDelayMs = 400;
    };

    KiroProvider(AccountPool &pool, KiroCredentialSource &credentials, HttpClient &http, const Clock &clock,
                 const KiroSettings &settings, Options options, QObject *parent = nullptr);

    /** kiro.trim_history changed while running: requests from now on are trimmed, or refused, accordingly. */
    void setTrimHistory(bool enabled) { m_settings.trimHistory = enabled; }
    bool trimHistory() const { return m_settings.trimHistory; }
    ~KiroProvider() override;

    std::unique_ptr<ProviderCall> start(const ChatRequest &request, ProviderSink *sink) override;
    PoolStatus poolStatus() const override;

Q_SIGNALS:
    /** An attempt failed; @p kind is a short label (throttled, quota, suspended, transient, auth, client, …).
     */
    void upstreamError(const QString &accountId, const QString &kind);

private:
    friend class KiroCall;
    /** The generateAssistantResponse URL of @p apiBaseUrl, parsed once per endpoint rather than per attempt.
     */
    QUrl chatUrl(const QString &apiBaseUrl);
    /**
     * The header fields of a chat call: the fingerprint's (KiroFingerprint::chatHeaders()), the call's own
     * invocation id and attempt, then Authorization. All but the call's own two are the same for every call
     * on an account until its token changes: they are kept per machine id, with the token they were built
     * for, as one block a call copies in one go instead of appending nine fields.
     */
    HttpHeaders chatHeaders(const QString &machineId, const QString &accessToken, int attempt);
    /**
     * KiroModels::contextWindow(), remembered per model id: the table lookup compares the id with each
     * 1M-window model case-insensitively, which cost a request about 1.8 k instructions.
     */
    int builtinContextWindow(const QString &modelId, bool largeContextRequested);

    AccountPool &m_pool;
    KiroCredentialSource &m_credentials;
    HttpClient &m_http;
    const Clock &m_clock;
    KiroSettings m_settings;
    Options m_options;
    QHash<QString, QUrl> m_chatUrls; ///< by API base URL; bounded by maxChatUrls
    struct ChatHead
    {
        QString accessToken;
        HttpHeaders fingerprint; ///< the fields before the call's own
        QByteArray authorization; ///< "Bearer <token>"
    };
    QHash<QString, ChatHead> m_chatHeads; ///< by machine id; bounded by maxChatHeads
    QHash<QString, int> m_contextWindows; ///< by model id; bounded by maxContextWindows
};

} // namespace Drawbridge
