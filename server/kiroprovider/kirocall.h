// SPDX-License-Identifier: MIT
#pragma once

#include <QBasicTimer>
#include <QByteArray>
#include <QObject>
#include <QSet>

#include <memory>
#include <optional>

#include "server/core/accountpool.h"
#include "server/core/provider.h"
#include "server/kiro/kiroerrorclassifier.h"
#include "server/kiro/kirorequestbuilder.h"
#include "server/kiro/kiroresponseparser.h"
#include "server/net/httpcall.h"
#include "server/net/httpresponsesink.h"

namespace Drawbridge {

class KiroProvider;
struct KiroAccountContext;

/**
 * @brief One chat request against the Kiro pool: lease → token → POST → parse, with failover.
 *
 * Sits between the KiroResponseParser and the front end's sink so it can keep the books (slot, credits,
 * account health) before passing each event on. Destroying it cancels whatever is in progress: the queue
 * ticket, the token wait, the HTTP call, and releases the slot.
 */
class KiroCall final : public QObject, public ProviderCall, public ProviderSink, public HttpResponseSink
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroCall)

public:
    KiroCall(KiroProvider &provider, ProviderSink *sink);
    ~KiroCall() override;

    /**
     * Builds the Kiro body of @p request and runs the first attempt; never calls the sink before returning.
     * Failover re-sends the body, so the request itself is not kept.
     */
    void begin(const ChatRequest &request);

    // ProviderSink: events from the parser.
    void onStart(const ProviderStartInfo &info) override;
    void onTextDelta(const QString &text) override;
    void onReasoningDelta(const QString &text) override;
    void onReasoningSignature(const QString &signature) override;
    void onRedactedReasoning(const QString &data) override;
    void onToolCallStart(int index, const QString &id, const QString &name) override;
    void onToolCallArgumentsDelta(int index, const QString &fragment) override;
    void onUsage(const Usage &usage) override;
    void onKeepAlive() override;
    void onFinish(FinishReason reason) override;
    void onError(const ProviderError &error) override;

    // HttpResponseSink: the upstream response.
    void onHeaders(int status, const HttpHeaders &headers) override;
    void onData(const char *data, qsizetype size) override;
    void onFinished() override;
    void onFailed(const HttpError &error) override;

protected:
    // Timers are QBasicTimers, not QTimers: two QObjects and two signal connections fewer per request.
    void timerEvent(QTimerEvent *event) override;

private:
    void nextAttempt();
    void onLease(SlotLease lease, std::optional<ProviderError> error);
    void requestToken(bool forceRefresh);
    void send(const KiroAccountContext &context);
    void handleHttpError();
    /** The endpoint refused the account the way a wrong one does: retry on the account's next endpoint. */
    bool tryNextEndpoint(const QString &reason);
    /** Records what the failure says about the account; returns the metrics label. */
    QString applyToAccount(const KiroErrorClassification &c);
    void failOver(bool excludeAccount, int delayMs = 0);
    int capacityBackoffMs() const;
    void failLater(const ProviderError &error);
    void endAttempt();
    void onFirstOutput();
    void touchKeepAlive();
    void onKeepAliveTimer();

    KiroProvider &m_provider;
    ProviderSink *m_sink;
    QString m_upstreamModel; ///< the request's resolved model id
    std::optional<KiroRequest> m_kiro;
    int m_trimmedMessages = 0; ///< the client's messages left out so the body fits
    bool m_largeContext = false; ///< the client asked for the 1M window ("[1m]")
    /// KiroModels::contextWindow of the upstream model, worked out once for begin() and every send()
    int m_builtinContextWindow = 0;
    std::optional<ProviderError> m_buildError;

    std::unique_ptr<PoolTicket> m_ticket;
    SlotLease m_lease;
    QString m_accountId;
    QString m_baseUrl; ///< the endpoint of the attempt in flight
    QSet<QString> m_refusedEndpoints; ///< "account endpoint" pairs refused during this request
    std::unique_ptr<KiroResponseParser> m_parser;
    std::unique_ptr<HttpCall> m_http;
    QSet<QString> m_excluded;
    bool m_modelRestricted = false; ///< some accounts were left out because their tier lacks the model
    QSet<QString> m_capacityTried; ///< answered INSUFFICIENT_MODEL_CAPACITY: tried last, never excluded
    std::optional<ProviderError> m_lastError;
    // Single-shot; output only moves m_lastOutputNs, and the timer re-arms itself for the rest of the
    // interval when it finds output newer than one interval (restarting a timer per frame costs a
    // linear-time re-registration in Qt's timer list, which holds a timer per open stream).
    QBasicTimer m_keepAlive;
    qint64 m_lastOutputNs = 0;
    QBasicTimer m_retryTimer;

    int m_attempts = 0;
    int m_httpStatus = 0;
    QByteArray m_errorBody;
    QByteArray m_errorType;
    int m_retryAfterS = 0;
    bool m_forcedRefresh = false;
    bool m_failOverPending = false;
    bool m_pendingExclude = true;
    int m_pendingDelayMs = 0;
    bool m_started = false;
    bool m_done = false;
    Usage m_usage;
};

} // namespace Drawbridge
