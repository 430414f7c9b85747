// SPDX-License-Identifier: MIT
#include "chatexchange.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimerEvent>

#include <algorithm>
#include <limits>

#include "httpresponder.h"
#include "server/core/clock.h"
#include "server/core/logging.h"

namespace Drawbridge {

/** Adds the time spent in a callback to the gateway-overhead figure. */
class ChatExchange::OverheadScope
{
public:
    explicit OverheadScope(ChatExchange &e) : m_e(e), m_start(e.m_clock.monotonicNs()) { }
    ~OverheadScope() { m_e.m_overheadNs += m_e.m_clock.monotonicNs() - m_start; }
    OverheadScope(const OverheadScope &) = delete;
    OverheadScope &operator=(const OverheadScope &) = delete;

private:
    ChatExchange &m_e;
    qint64 m_start;
};

namespace {

/**
 * Upstream failures reach clients; where the gateway's upstream lives (a proxy, a test fake, an internal
 * endpoint) is none of their business. The unredacted text stays in the log and the request record.
 */
QString clientSafeMessage(QString message)
{
    static const QRegularExpression url(QStringLiteral(R"([A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>,;)]+)"));
    static const QRegularExpression hostPort(
        QStringLiteral(R"((\[[0-9A-Fa-f:.]+\]|localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+):[0-9]{1,5}\b)"));
    static const QRegularExpression ipv4(QStringLiteral(R"(\b[0-9]{1,3}(\.[0-9]{1,3}){3}\b)"));
    message.replace(url, QStringLiteral("the upstream"));
    message.replace(hostPort, QStringLiteral("the upstream"));
    message.replace(ipv4, QStringLiteral("the upstream"));
    return message;
}

} // namespace

ChatExchange::ChatExchange(const Clock &clock, std::shared_ptr<HttpResponder> responder,
                           std::unique_ptr<ChatRenderer> renderer, RequestRecord record, qint64 startedNs,
                           int timeoutS, FinishedCallback finished)
    : m_clock(clock)
    , m_responder(std::move(responder))
    , m_renderer(std::move(renderer))
    , m_record(std::move(record))
    , m_finished(std::move(finished))
    , m_timeoutMs(int(std::min<qint64>(qint64(timeoutS) * 1000, std::numeric_limits<int>::max())))
    , m_startedNs(startedNs)
{
    if (QTcpSocket *s = m_responder->socket())
        m_disconnect = connect(s, &QAbstractSocket::disconnected, this, &ChatExchange::onClientGone);
}

ChatExchange::~ChatExchange()
{
    disconnect(m_disconnect);
    // Cancel first: the call must not outlive the sink it reports to.
    m_call.reset();
}

void ChatExchange::start(Provider &provider, const ChatRequest &request, qint64 overheadNs)
{
    m_overheadNs = overheadNs;
    m_timeout.start(m_timeoutMs, this);
    m_upstreamStartNs = m_clock.monotonicNs();
    m_call = provider.start(request, this);
}

void ChatExchange::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timeout.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_timeout.stop(); // single-shot
    if (m_done) {
        // The release complete() scheduled: the provider's callback that ended the exchange has returned.
        delete this;
        return;
    }
    onTimeout();
}

void ChatExchange::firstOutput()
{
    if (m_record.ttftMs < 0)
        m_record.ttftMs = (m_clock.monotonicNs() - m_startedNs) / 1'000'000;
}

void ChatExchange::onStart(const ProviderStartInfo &info)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    m_record.accountId = info.accountId;
    if (info.trimmedMessages > 0) {
        // The client must know its oldest messages were not seen (docs/kiro.md#long-conversations).
        m_responder->addHeader(QByteArrayLiteral("x-drawbridge-trimmed-messages"),
                               QByteArray::number(info.trimmedMessages));
    }
    m_begun = true;
    m_renderer->begin();
}

void ChatExchange::onTextDelta(const QString &text)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    firstOutput();
    m_renderer->text(text);
}

void ChatExchange::onReasoningDelta(const QString &text)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    firstOutput();
    m_renderer->reasoning(text);
}

void ChatExchange::onReasoningSignature(const QString &signature)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    m_renderer->reasoningSignature(signature);
}

void ChatExchange::onRedactedReasoning(const QString &data)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    firstOutput();
    m_renderer->redactedReasoning(data);
}

void ChatExchange::onToolCallStart(int index, const QString &id, const QString &name)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    firstOutput();
    m_renderer->toolCallStart(index, id, name);
}

void ChatExchange::onToolCallArgumentsDelta(int index, const QString &fragment)
{
    if (m_done)
        return;
    OverheadScope scope(*this);
    m_renderer->toolCallArguments(index, fragment);
}

void ChatExchange::onUsage(const Usage &usage)
{
    m_record.usage = usage;
}

void ChatExchange::onKeepAlive()
{
    if (m_done)
        return;
    m_renderer->keepAlive();
}

void ChatExchange::onFinish(FinishReason reason)
{
    if (m_done)
        return;
    {
        OverheadScope scope(*this);
        if (!m_begun) {
            m_begun = true;
            m_renderer->begin();
        }
        m_renderer->finish(reason, m_record.usage);
    }
    complete(QStringLiteral("success"), 200);
}

ApiError ChatExchange::toApiError(const ProviderError &error)
{
    ApiErrorKind kind = ApiErrorKind::Internal;
    switch (error.kind) {
    case ProviderErrorKind::InvalidRequest:
        kind = ApiErrorKind::InvalidRequest;
        break;
    case ProviderErrorKind::ContextTooLong:
        kind = ApiErrorKind::ContextTooLong;
        break;
    case ProviderErrorKind::ModelUnavailable:
        kind = ApiErrorKind::ModelNotFound;
        break;
    case ProviderErrorKind::PoolBusy:
        kind = ApiErrorKind::PoolBusy;
        break;
    case ProviderErrorKind::NoUpstream:
        kind = ApiErrorKind::NoUpstream;
        break;
    case ProviderErrorKind::Draining:
        kind = ApiErrorKind::Draining;
        break;
    case ProviderErrorKind::UpstreamError:
        kind = ApiErrorKind::UpstreamError;
        break;
    case ProviderErrorKind::UpstreamTimeout:
        kind = ApiErrorKind::UpstreamTimeout;
        break;
    case ProviderErrorKind::Internal:
        kind = ApiErrorKind::Internal;
        break;
    }
    return ApiError { kind, clientSafeMessage(error.message), {}, error.retryAfterS };
}

void ChatExchange::onError(const ProviderError &error)
{
    if (m_done)
        return;
    const ApiError api = toApiError(error);
    {
        OverheadScope scope(*this);
        m_renderer->fail(api, m_begun);
    }
    QString status = QStringLiteral("error");
    if (error.kind == ProviderErrorKind::PoolBusy)
        status = QStringLiteral("pool_busy");
    else if (error.kind == ProviderErrorKind::UpstreamError
             || error.kind == ProviderErrorKind::UpstreamTimeout)
        status = QStringLiteral("upstream_error");
    else if (error.kind == ProviderErrorKind::NoUpstream || error.kind == ProviderErrorKind::Draining)
        status = QStringLiteral("unavailable");
    // The renderer picked the status of its front end's error shape (OpenAI and Anthropic differ, e.g. 429 vs
    // 529).
    int httpStatus = 200;
    if (!m_begun)
        httpStatus = m_responder->hasResponded() ? m_responder->status() : apiErrorInfo(api.kind).status;
    complete(status, httpStatus, error.message);
}

void ChatExchange::refuseWaiting(const ApiError &error)
{
    if (!isWaiting())
        return;
    // Cancel first: the provider must not call back into an exchange that has answered.
    m_call.reset();
    {
        OverheadScope scope(*this);
        m_renderer->fail(error, false);
    }
    const int httpStatus
        = m_responder->hasResponded() ? m_responder->status() : apiErrorInfo(error.kind).status;
    complete(error.kind == ApiErrorKind::ModelNotAllowed ? QStringLiteral("forbidden")
                                                         : QStringLiteral("unauthorized"),
             httpStatus, error.message);
}

void ChatExchange::onClientGone()
{
    if (m_done)
        return;
    qCDebug(lcGateway) << "client closed the connection; cancelling request of key" << m_record.keyId;
    m_call.reset();
    complete(QStringLiteral("client_closed"), 499, QStringLiteral("client closed the connection"));
}

void ChatExchange::onTimeout()
{
    if (m_done)
        return;
    m_call.reset();
    const ApiError err { ApiErrorKind::UpstreamTimeout,
                         QStringLiteral("The upstream did not finish within the request timeout.") };
    m_renderer->fail(err, m_begun);
    complete(QStringLiteral("upstream_error"), m_begun ? 200 : 504, err.message);
}

void ChatExchange::complete(const QString &status, int httpStatus, const QString &message)
{
    m_done = true;
    m_timeout.stop();
    disconnect(m_disconnect);
    const qint64 now = m_clock.monotonicNs();
    m_record.status = status;
    m_record.httpStatus = httpStatus;
    m_record.errorMessage = message;
    m_record.latencyMs = (now - m_startedNs) / 1'000'000;
    m_record.overheadSeconds = double(m_overheadNs) / 1e9;
    m_record.upstreamSeconds = double(now - m_upstreamStartNs) / 1e9;
    if (m_finished)
        m_finished(m_record);
    // The provider may be inside a callback into us: release the call and ourselves once it has returned, on
    // the request timer restarted at zero (timerEvent()). Not deleteLater(): a posted event makes the event
    // dispatcher wake itself through its eventfd (a write and two reads per request), while a due timer runs
    // in the same pass of the event loop, right after the socket event that brought the end.
    m_timeout.start(0, this);
}

} // namespace Drawbridge
