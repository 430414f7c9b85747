// SPDX-License-Identifier: MIT
#include "kirocall.h"

#include <QDateTime>
#include <QTimerEvent>
#include <QUrl>

#include <chrono>

#include "kirocredentialsource.h"
#include "kiroprovider.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/kiro/kirofingerprint.h"
#include "server/kiro/kirohistorytrimmer.h"
#include "server/kiro/kiromodels.h"
#include "server/net/httpclient.h"
#include "server/net/httprequest.h"

namespace Drawbridge {

namespace {

qint64 steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QString clientFacingReason(HttpErrorKind kind)
{
    switch (kind) {
    case HttpErrorKind::ConnectFailed:
        return QStringLiteral("cannot connect");
    case HttpErrorKind::Timeout:
        return QStringLiteral("timed out");
    case HttpErrorKind::ConnectionClosed:
        return QStringLiteral("connection closed before the answer was complete");
    case HttpErrorKind::Protocol:
        return QStringLiteral("malformed HTTP response");
    case HttpErrorKind::Ssl:
        return QStringLiteral("TLS failure");
    case HttpErrorKind::Aborted:
        return QStringLiteral("aborted");
    case HttpErrorKind::InvalidRequest:
    case HttpErrorKind::QueueFull:
    case HttpErrorKind::ResponseTooLarge:
        break;
    }
    return QStringLiteral("request failed");
}

// An error body is for reading the reason; anything longer is noise.
constexpr qsizetype maxErrorBodyBytes = 64 * 1024;
// A quota hit parks the account at once; the credential source replaces this with the real reset time.
constexpr qint64 provisionalQuotaParkMs = 5 * 60'000;

} // namespace

KiroCall::KiroCall(KiroProvider &provider, ProviderSink *sink) : m_provider(provider), m_sink(sink) { }

KiroCall::~KiroCall()
{
    // Order matters: nothing may call back into a half-destroyed call.
    m_done = true;
    m_http.reset();
    m_ticket.reset();
    m_parser.reset();
    m_lease.release();
}

void KiroCall::begin(const ChatRequest &request)
{
    m_upstreamModel = request.upstreamModel;
    KiroRequestOptions opts;
    // The builder reads the schema only for a request that asked for reasoning, and finding it walks every
    // account's catalog (≈ 60 % of a short request's set-up under callgrind), so other requests skip it.
    if (request.thinking)
        opts.reasoning = m_provider.m_credentials.reasoningSchema(request.upstreamModel);
    KiroHistoryTrimmer::Options trim;
    trim.enabled = m_provider.m_settings.trimHistory;
    trim.maxRequestBytes = m_provider.m_settings.maxRequestBytes;
    m_largeContext = KiroModels::requestsLargeContext(request.requestedModel);
    m_builtinContextWindow = m_provider.builtinContextWindow(request.upstreamModel, m_largeContext);
    trim.contextWindowTokens = m_builtinContextWindow;
    ProviderErrorKind kind = ProviderErrorKind::InvalidRequest;
    Result<KiroTrimmedRequest> built = KiroHistoryTrimmer::build(request, opts, trim, &kind);
    if (!built) {
        failLater(ProviderError { kind, built.error(), 0 });
        return;
    }
    m_kiro = std::move(built->request);
    m_trimmedMessages = built->trimmedMessages;
    // Free and paid tiers may use different models: an account whose catalog lacks it is never tried.
    const QSet<QString> lacking = m_provider.m_credentials.accountsWithoutModel(m_kiro->modelId);
    m_excluded |= lacking;
    m_modelRestricted = !lacking.isEmpty();
    if (m_trimmedMessages > 0) {
        qCInfo(lcKiro) << "request of key" << request.keyId << ": left out the" << m_trimmedMessages
                       << "oldest message(s) of" << request.messages.size() << "so the conversation fits ("
                       << m_kiro->body.size() << "bytes, about" << m_kiro->estimatedPromptTokens << "tokens)";
    }
    nextAttempt();
}

void KiroCall::timerEvent(QTimerEvent *event)
{
    // Both are single-shot.
    if (event->timerId() == m_keepAlive.timerId()) {
        m_keepAlive.stop();
        onKeepAliveTimer();
    } else if (event->timerId() == m_retryTimer.timerId()) {
        m_retryTimer.stop();
        nextAttempt();
    } else {
        QObject::timerEvent(event);
    }
}

void KiroCall::failLater(const ProviderError &error)
{
    m_done = true;
    m_lease.release();
    // The sink must never hear from us inside Provider::start(); a queued call also survives our deletion
    // safely.
    QMetaObject::invokeMethod(
        this, [this, error] { m_sink->onError(error); }, Qt::QueuedConnection);
}

void KiroCall::nextAttempt()
{
    if (m_done)
        return;
    if (m_attempts >= m_provider.m_options.maxAttempts) {
        failLater(m_lastError.value_or(
            ProviderError { ProviderErrorKind::UpstreamError, QStringLiteral("Kiro upstream failed."), 0 }));
        return;
    }
    ++m_attempts;
    const auto granted = [this](SlotLease lease, std::optional<ProviderError> error) {
        onLease(std::move(lease), std::move(error));
    };
    // Accounts that found the model at capacity are avoided, not excluded: another account is tried first,
    // and only when none is left does the same one get another go (capacity passes; the account is fine).
    AccountPool::Acquisition a;
    if (!m_capacityTried.isEmpty())
        a = m_provider.m_pool.acquire(m_excluded | m_capacityTried, granted);
    if (m_capacityTried.isEmpty() || (a.error && a.error->kind == ProviderErrorKind::NoUpstream))
        a = m_provider.m_pool.acquire(m_excluded, granted);
    if (a.lease || a.error)
        onLease(std::move(a.lease), std::move(a.error));
    else
        m_ticket = std::move(a.ticket);
}

void KiroCall::onLease(SlotLease lease, std::optional<ProviderError> error)
{
    m_ticket.reset();
    if (error) {
        // After failed attempts, what the upstream said explains more than "no account left".
        if (m_lastError && error->kind == ProviderErrorKind::NoUpstream) {
            failLater(*m_lastError);
        } else if (m_modelRestricted && error->kind == ProviderErrorKind::NoUpstream) {
            failLater(ProviderError {
                ProviderErrorKind::ModelUnavailable,
                QStringLiteral("No available account may use model '%1'.").arg(m_kiro->modelId),
                error->retryAfterS });
        } else {
            failLater(*error);
        }
        return;
    }
    m_lease = std::move(lease);
    m_accountId = m_lease.accountId();
    m_forcedRefresh = false;
    requestToken(false);
}

void KiroCall::requestToken(bool forceRefresh)
{
    m_provider.m_credentials.accessToken(
        m_accountId, forceRefresh, this, [this](const KiroAccountContext *context, const QString &error) {
            if (m_done)
                return;
            if (!context) {
                Q_EMIT m_provider.upstreamError(m_accountId, QStringLiteral("auth"));
                m_lastError = ProviderError {
                    ProviderErrorKind::UpstreamError,
                    QStringLiteral("Account %1 has no valid token: %2").arg(m_accountId, error), 0
                };
                failOver(true);
                return;
            }
            send(*context);
        });
}

void KiroCall::send(const KiroAccountContext &context)
{
    HttpRequest r;
    r.method = QByteArrayLiteral("POST");
    m_baseUrl = context.apiBaseUrl;
    r.url = m_provider.chatUrl(context.apiBaseUrl);
    r.headers = m_provider.chatHeaders(context.machineId, context.accessToken, m_attempts);
    // Each account has connections and TLS sessions of its own: nothing links two accounts for the service.
    r.partition = KiroFingerprint::connectionPartition(context.machineId);
    // Implicitly shared: no copy of a long history per attempt; a social account's profileArn, which the
    // service requires (it answers 403 without it), is spliced into the body in place.
    r.body = KiroRequestBuilder::withProfileArn(*m_kiro, context.profileArn);
    r.timeouts.connectMs = 10'000;
    r.timeouts.headersMs = m_provider.m_options.firstByteTimeoutS * 1000;
    r.timeouts.idleReadMs = m_provider.m_options.idleReadTimeoutS * 1000;
    r.timeouts.totalMs = m_provider.m_options.requestTimeoutS * 1000;

    KiroResponseParserConfig cfg;
    cfg.toolNameReverseMap = m_kiro->toolNameReverseMap;
    cfg.estimatedPromptTokens = m_kiro->estimatedPromptTokens;
    cfg.splitThinking = m_kiro->thinkingEmulated;
    const bool large = m_largeContext;
    // The same table lookup as in begin() unless the body builder changed the model id (four case-insensitive
    // comparisons per attempt otherwise).
    cfg.contextWindowTokens = m_kiro->modelId == m_upstreamModel
        ? m_builtinContextWindow
        : m_provider.builtinContextWindow(m_kiro->modelId, large);
    // The account's catalog knows its tier's window better than the built-in table, except for a request that
    // asked for the large (1M) context explicitly.
    if (const int fromCatalog = m_provider.m_credentials.contextWindow(m_accountId, m_kiro->modelId);
        fromCatalog > 0 && !large)
        cfg.contextWindowTokens = fromCatalog;
    m_parser = std::make_unique<KiroResponseParser>(this, cfg);
    m_parser->setFirstOutputHandler([this] { onFirstOutput(); });
    m_parser->setEarlyErrorHandler([this](const KiroErrorClassification &c) {
        if (!c.mayFailOver())
            return false;
        const QString label = applyToAccount(c);
        Q_EMIT m_provider.upstreamError(m_accountId, label);
        m_lastError = c.toProviderError();
        m_failOverPending = true;
        m_pendingExclude = c.kind != KiroErrorKind::Transient && c.kind != KiroErrorKind::ModelCapacity;
        m_pendingDelayMs = c.kind == KiroErrorKind::ModelCapacity ? capacityBackoffMs()
            : c.kind == KiroErrorKind::Transient                  ? m_provider.m_options.transientRetryDelayMs
                                                                  : 0;
        return true;
    });
    m_httpStatus = 0;
    m_errorBody.clear();
    m_errorType.clear();
    m_retryAfterS = 0;
    m_http = m_provider.m_http.send(std::move(r), this);
}

void KiroCall::onFirstOutput()
{
    m_started = true;
    m_sink->onStart(ProviderStartInfo { m_accountId, m_trimmedMessages });
    m_lastOutputNs = steadyNs();
    m_keepAlive.start(m_provider.m_options.keepAliveIntervalMs, this);
}

void KiroCall::touchKeepAlive()
{
    if (m_started)
        m_lastOutputNs = steadyNs();
}

void KiroCall::onKeepAliveTimer()
{
    if (m_done || !m_started)
        return;
    const qint64 intervalMs = m_provider.m_options.keepAliveIntervalMs;
    const qint64 quietMs = (steadyNs() - m_lastOutputNs) / 1'000'000;
    if (quietMs < intervalMs) {
        m_keepAlive.start(int(intervalMs - quietMs), this);
        return;
    }
    m_lastOutputNs = steadyNs();
    m_keepAlive.start(int(intervalMs), this);
    m_sink->onKeepAlive();
}

// --- HTTP
// --------------------------------------------------------------------------------------------------------

void KiroCall::onHeaders(int status, const HttpHeaders &headers)
{
    m_httpStatus = status;
    if (status != 200) {
        m_errorType = headers.value("x-amzn-errortype").toByteArray();
        m_retryAfterS = headers.value("retry-after").trimmed().toInt();
    }
}

void KiroCall::onData(const char *data, qsizetype size)
{
    if (m_done)
        return;
    if (m_httpStatus != 200) {
        if (m_errorBody.size() < maxErrorBodyBytes)
            m_errorBody.append(data, std::min(size, maxErrorBodyBytes - m_errorBody.size()));
        return;
    }
    // The bytes live only during this call; the parser copies what it keeps.
    m_parser->feed(QByteArray::fromRawData(data, size));
    if (m_failOverPending)
        failOver(m_pendingExclude, m_pendingDelayMs);
}

void KiroCall::onFinished()
{
    if (m_done)
        return;
    if (m_httpStatus != 200) {
        handleHttpError();
        return;
    }
    m_parser->finish();
    if (m_failOverPending)
        failOver(m_pendingExclude, m_pendingDelayMs);
}

void KiroCall::onFailed(const HttpError &error)
{
    if (m_done)
        return;
    const bool hasOutput = m_parser && m_parser->hasOutput();
    if (error.kind == HttpErrorKind::ConnectFailed && !hasOutput
        && tryNextEndpoint(QStringLiteral("cannot connect: %1").arg(error.message)))
        return;
    const bool timeout = error.kind == HttpErrorKind::Timeout;
    // The log gets the detail; the client gets the kind of failure, never the upstream's host and port.
    qCInfo(lcKiro) << "account" << m_accountId << "upstream call failed:" << httpErrorKindName(error.kind)
                   << error.message;
    const ProviderError pe {
        timeout ? ProviderErrorKind::UpstreamTimeout : ProviderErrorKind::UpstreamError,
        QStringLiteral("Kiro connection failed (%1).").arg(clientFacingReason(error.kind)), 0
    };
    Q_EMIT m_provider.upstreamError(m_accountId,
                                    timeout ? QStringLiteral("timeout") : QStringLiteral("network"));
    if (m_parser && m_parser->hasOutput()) {
        m_parser->fail(pe); // mid-stream: too late to move elsewhere
        return;
    }
    // A cut or garbled response is the transport's failure, not the account's: fail over without counting
    // it against the account, or one flaky link would take healthy accounts out of the pool.
    if (error.kind != HttpErrorKind::ConnectionClosed && error.kind != HttpErrorKind::Protocol)
        m_provider.m_pool.markTransientFailure(m_accountId, pe.message);
    m_lastError = pe;
    failOver(false, m_provider.m_options.transientRetryDelayMs);
}

void KiroCall::handleHttpError()
{
    KiroErrorClassification c = KiroErrorClassifier::classify(m_httpStatus, m_errorBody, m_errorType);
    if (m_retryAfterS > 0)
        c.retryAfterS = m_retryAfterS;
    qCInfo(lcKiro) << "account" << m_accountId << "answered HTTP" << m_httpStatus << c.errorType << c.reason;
    // Refusals that say "not here" rather than "not this request": a missing route, a redirect, an unknown
    // operation, or a token refused again right after it was refreshed (the new host refuses some token
    // kinds). A 400 is the request's own fault and never moves an account.
    const bool wrongEndpoint = m_httpStatus == 404 || m_httpStatus == 421
        || (m_httpStatus >= 300 && m_httpStatus < 400) || m_errorType.startsWith("UnknownOperation")
        || (c.kind == KiroErrorKind::TokenInvalid && m_forcedRefresh);
    if (wrongEndpoint && tryNextEndpoint(QStringLiteral("HTTP %1 %2").arg(m_httpStatus).arg(c.message)))
        return;
    if (c.kind == KiroErrorKind::TokenInvalid && !m_forcedRefresh) {
        // The cached token was rejected: refresh once and retry the same account with the same slot.
        m_forcedRefresh = true;
        m_http.reset();
        m_parser.reset();
        requestToken(true);
        return;
    }
    const QString label = applyToAccount(c);
    Q_EMIT m_provider.upstreamError(m_accountId, label);
    if (!c.mayFailOver()) {
        endAttempt();
        failLater(c.toProviderError());
        return;
    }
    m_lastError = c.toProviderError();
    if (c.kind == KiroErrorKind::ModelCapacity) {
        failOver(false, capacityBackoffMs());
        return;
    }
    const bool transient = c.kind == KiroErrorKind::Transient || c.kind == KiroErrorKind::Unknown;
    failOver(!transient, transient ? m_provider.m_options.transientRetryDelayMs * m_attempts : 0);
}

bool KiroCall::tryNextEndpoint(const QString &reason)
{
    // Per account: a host that refuses one token kind may serve another account well.
    m_refusedEndpoints.insert(m_accountId + u' ' + m_baseUrl);
    const QString next = m_provider.m_credentials.endpointRefused(m_accountId, m_baseUrl, reason);
    if (next.isEmpty() || m_refusedEndpoints.contains(m_accountId + u' ' + next))
        return false;
    qCInfo(lcKiro) << "account" << m_accountId << ": endpoint" << m_baseUrl << "refused (" << reason
                   << "); retrying at" << next;
    Q_EMIT m_provider.upstreamError(m_accountId, QStringLiteral("endpoint"));
    // The same account and slot, at its next endpoint: the account did nothing wrong.
    m_http.reset();
    m_parser.reset();
    requestToken(false);
    return true;
}

QString KiroCall::applyToAccount(const KiroErrorClassification &c)
{
    AccountPool &pool = m_provider.m_pool;
    switch (c.kind) {
    case KiroErrorKind::QuotaExhausted:
        pool.markQuotaExhausted(m_accountId, m_provider.m_clock.nowMs() + provisionalQuotaParkMs, c.message);
        m_provider.m_credentials.quotaExhausted(m_accountId, c.message);
        return QStringLiteral("quota");
    case KiroErrorKind::Suspended:
        // The reason (SUSPENDED, TEMPORARILY_SUSPENDED) stays visible in /admin/accounts' last_error.
        pool.markSuspended(m_accountId, c.accountNote());
        return QStringLiteral("suspended");
    case KiroErrorKind::Throttled:
        pool.markThrottled(m_accountId, false, c.message);
        return QStringLiteral("throttled");
    case KiroErrorKind::ThrottledSuspicious:
        pool.markThrottled(m_accountId, true, c.message);
        return QStringLiteral("throttled_suspicious");
    case KiroErrorKind::TokenInvalid:
        pool.markTransientFailure(m_accountId, c.message);
        return QStringLiteral("auth");
    case KiroErrorKind::ModelUnavailable:
        return QStringLiteral("model_unavailable");
    case KiroErrorKind::ModelCapacity:
        // The model is busy, not the account: no cooldown, no transient streak, no cut in its slots. The
        // request avoids the account for its remaining attempts (m_capacityTried).
        m_capacityTried.insert(m_accountId);
        return QStringLiteral("model_capacity");
    case KiroErrorKind::ClientError:
        return QStringLiteral("client");
    case KiroErrorKind::Transient:
    case KiroErrorKind::Unknown:
        if (!c.accountFault)
            return QStringLiteral("stream");
        pool.markTransientFailure(
            m_accountId, c.message.isEmpty() ? QStringLiteral("HTTP %1").arg(c.httpStatus) : c.message);
        return QStringLiteral("transient");
    }
    return QStringLiteral("unknown");
}

int KiroCall::capacityBackoffMs() const
{
    // Brief and growing with the attempt: long enough for a burst to pass, short against a client's patience.
    return m_provider.m_options.transientRetryDelayMs * std::max(1, m_attempts);
}

void KiroCall::endAttempt()
{
    m_http.reset();
    m_lease.release();
}

void KiroCall::failOver(bool excludeAccount, int delayMs)
{
    m_failOverPending = false;
    m_http.reset();
    m_lease.release();
    if (excludeAccount)
        m_excluded.insert(m_accountId);
    qCInfo(lcKiro) << "attempt" << m_attempts << "on account" << m_accountId << "failed; trying again"
                   << (excludeAccount ? "elsewhere" : "after a pause");
    if (delayMs > 0)
        m_retryTimer.start(delayMs, this);
    else
        QMetaObject::invokeMethod(this, &KiroCall::nextAttempt, Qt::QueuedConnection);
}

// --- Parser events
// ---------------------------------------------------------------------------------------------

void KiroCall::onStart(const ProviderStartInfo &)
{
    // The parser never starts a call; onFirstOutput() does.
}

void KiroCall::onTextDelta(const QString &text)
{
    touchKeepAlive();
    m_sink->onTextDelta(text);
}

void KiroCall::onReasoningDelta(const QString &text)
{
    touchKeepAlive();
    m_sink->onReasoningDelta(text);
}

void KiroCall::onReasoningSignature(const QString &signature)
{
    touchKeepAlive();
    m_sink->onReasoningSignature(signature);
}

void KiroCall::onRedactedReasoning(const QString &data)
{
    touchKeepAlive();
    m_sink->onRedactedReasoning(data);
}

void KiroCall::onToolCallStart(int index, const QString &id, const QString &name)
{
    touchKeepAlive();
    m_sink->onToolCallStart(index, id, name);
}

void KiroCall::onToolCallArgumentsDelta(int index, const QString &fragment)
{
    touchKeepAlive();
    m_sink->onToolCallArgumentsDelta(index, fragment);
}

void KiroCall::onUsage(const Usage &usage)
{
    m_usage = usage;
    m_sink->onUsage(usage);
}

void KiroCall::onKeepAlive()
{
    m_sink->onKeepAlive();
}

void KiroCall::onFinish(FinishReason reason)
{
    if (m_done)
        return;
    m_done = true;
    m_keepAlive.stop();
    m_provider.m_pool.markSuccess(m_accountId);
    if (m_usage.hasCredits)
        m_provider.m_credentials.creditsUsed(m_accountId, m_usage.credits);
    // Release before telling the client: the slot is free the moment the answer is complete.
    m_lease.release();
    if (!m_started)
        onFirstOutput(); // an empty answer still starts (and ends) a response
    m_sink->onFinish(reason);
}

void KiroCall::onError(const ProviderError &error)
{
    if (m_done)
        return;
    m_done = true;
    m_keepAlive.stop();
    if (m_usage.hasCredits)
        m_provider.m_credentials.creditsUsed(m_accountId, m_usage.credits);
    // An exception after output can no longer fail over, but it still says something about the account
    // (a throttle mid-stream must cool it down like an HTTP 429 would).
    if (m_parser && m_parser->streamError())
        Q_EMIT m_provider.upstreamError(m_accountId, applyToAccount(*m_parser->streamError()));
    m_lease.release();
    m_sink->onError(error);
}

} // namespace Drawbridge
