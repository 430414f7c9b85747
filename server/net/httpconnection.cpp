// SPDX-License-Identifier: MIT
#include "httpconnection.h"

#include <QNetworkProxy>
#include <QTcpSocket>
#include <QTimerEvent>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <sys/socket.h>
#include <sys/uio.h>

#include "httpcall.h"
#include "httpclient.h"
#include "httpclientoptions.h"
#include "httphostpool.h"
#include "httpresponsesink.h"
#include "httpupstreamconfig.h"
#include "netlogging.h"
#include "tlschannel.h"

namespace Drawbridge {

namespace {

constexpr qint64 noDeadline = std::numeric_limits<qint64>::max();
constexpr qsizetype initialBufferBytes = 16 * 1024;
// Below this much free tail space, unparsed bytes are moved to the front before the next read.
constexpr qsizetype minReadBytes = 4 * 1024;
// Request bodies up to this size are appended to the head so both leave in one send().
constexpr qsizetype coalesceBodyBytes = 16 * 1024;

bool isSslError(QAbstractSocket::SocketError error)
{
    return error == QAbstractSocket::SslHandshakeFailedError || error == QAbstractSocket::SslInternalError
        || error == QAbstractSocket::SslInvalidUserDataError;
}

bool methodAllowsBody(const QByteArray &method)
{
    return method == "POST" || method == "PUT" || method == "PATCH";
}

/** Copies @p piece to @p out and returns where it ends. */
char *put(char *out, QByteArrayView piece)
{
    if (!piece.isEmpty())
        std::memcpy(out, piece.data(), size_t(piece.size()));
    return out + piece.size();
}

} // namespace

HttpConnection::HttpConnection(HttpClient *client, HttpHostPool *pool, const HttpClientOptions &options)
    : QObject(client)
    , m_client(client)
    , m_pool(pool)
    , m_options(options)
    , m_parser(options.maxHeaderBytes)
    , m_buffer(initialBufferBytes, Qt::Uninitialized)
{
    // TLS runs over the plain socket once it is connected (TlsChannel), not in a QSslSocket.
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QAbstractSocket::connected, this, &HttpConnection::onConnected);
    // Explicit, so Qt's application-wide proxy never applies behind the configuration's back.
    const QNetworkProxy proxy
        = HttpUpstreamConfig::proxyFor(options, pool->key.host, pool->key.port, pool->key.tls);
    m_directIo = proxy.type() == QNetworkProxy::NoProxy;
    m_socket->setProxy(proxy);
    connect(m_socket, &QIODevice::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &HttpConnection::onSocketError);
    connect(m_socket, &QAbstractSocket::disconnected, this, &HttpConnection::onDisconnected);
}

HttpConnection::~HttpConnection()
{
    // The socket dies with us as a child; its destructor aborts and must not reach our handlers.
    disconnect(m_socket, nullptr, this, nullptr);
}

void HttpConnection::connectToHost(qint64 connectDeadlineNs)
{
    m_connectDeadlineNs = connectDeadlineNs;
    m_phase = Phase::Connecting;
    updateTimer();
    qCDebug(lcNet) << "connecting to" << peerName();
    ++m_socketCallDepth;
    m_socket->connectToHost(m_pool->key.host, quint16(m_pool->key.port));
    --m_socketCallDepth;
}

void HttpConnection::start(HttpCall *call)
{
    Q_ASSERT(!m_call);
    m_call = call;
    call->m_connection = this;
    ++m_generation;
    m_receivedAny = false;
    m_parser.reset(call->m_headRequest);
    m_begin = m_end = 0;
    if (m_phase == Phase::Idle)
        sendRequest();
    else
        updateTimer(); // still connecting: the call's total deadline may be the nearer one
}

void HttpConnection::abandonCall()
{
    const bool sent = m_phase != Phase::Connecting;
    detachCall();
    // An unsent request leaves the connection clean and worth keeping; a sent one leaves an unknown
    // amount of response in flight, so only closing makes the connection safe again.
    if (sent)
        m_client->dropConnection(this);
    else
        updateTimer();
}

void HttpConnection::enterIdle()
{
    m_phase = Phase::Idle;
    m_idleSinceNs = HttpClient::nowNs();
    updateTimer();
}

void HttpConnection::shutdown()
{
    if (m_phase == Phase::Closed)
        return;
    Q_ASSERT(!m_call);
    qCDebug(lcNet) << "closing connection to" << peerName();
    m_phase = Phase::Closed;
    m_timer.stop();
    disconnect(m_socket, nullptr, this, nullptr);
    m_socket->abort();
    // We may be deep inside one of the socket's signal emissions.
    deleteLater();
}

bool HttpConnection::isReusable() const
{
    return m_phase == Phase::Idle && m_socket->state() == QAbstractSocket::ConnectedState
        && m_socket->bytesAvailable() == 0 && !(m_tls && m_tls->hasBufferedInput());
}

void HttpConnection::detachCall()
{
    if (!m_call)
        return;
    m_call->m_connection = nullptr;
    m_call = nullptr;
    ++m_generation;
}

void HttpConnection::onConnected()
{
    if (m_phase != Phase::Connecting)
        return;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (!m_pool->key.tls) {
        established();
        return;
    }
    if (!m_tls) {
        QString error;
        const TlsContext *context = m_client->tlsContext(error);
        if (!context) {
            deferClose(QAbstractSocket::SslInternalError, error);
            return;
        }
        m_tls = std::make_unique<TlsChannel>(m_socket, *context, m_pool->key.host, m_pool->tlsSession,
                                             m_directIo);
        // Every new connection of the origin offers the newest session (HttpHostPool::tlsSession).
        m_tls->sessionIssued = [pool = m_pool](QByteArray session) { pool->tlsSession = std::move(session); };
    }
    continueHandshake();
}

void HttpConnection::continueHandshake()
{
    switch (m_tls->handshake()) {
    case TlsChannel::Step::Pending:
        return;
    case TlsChannel::Step::Failed:
        deferClose(QAbstractSocket::SslHandshakeFailedError, m_tls->errorString());
        return;
    case TlsChannel::Step::Done:
        m_tlsEstablished = true;
        established();
        return;
    }
}

void HttpConnection::established()
{
    if (m_call) {
        sendRequest();
    } else {
        m_phase = Phase::Idle; // the call that opened us went away while we connected
        m_client->connectionIdle(this);
    }
}

void HttpConnection::deferClose(QAbstractSocket::SocketError error, const QString &errorString)
{
    if (m_closePending || m_phase == Phase::Closed)
        return;
    m_closePending = true;
    m_pendingError = error;
    m_pendingErrorString = errorString;
    QMetaObject::invokeMethod(this, &HttpConnection::handlePendingClose, Qt::QueuedConnection);
}

void HttpConnection::deferTlsEnd()
{
    // A TLS failure fails the call as one; the transport ending under TLS (a reset or closed keep-alive
    // connection) is a closed connection, which a reused connection's unanswered call is retried after.
    const QString error = m_tls->errorString();
    deferClose(m_tls->failedInTls() ? QAbstractSocket::SslInternalError
                                    : QAbstractSocket::RemoteHostClosedError,
               error.isEmpty() ? m_socket->errorString() : error);
}

void HttpConnection::sendRequest()
{
    HttpCall *call = m_call;
    HttpRequest &request = call->m_request;
    // The head (and a small body) is sized once and filled with plain copies: an append per piece went
    // through QByteArray's general insert() some forty times per request.
    const bool hostField = !request.headers.contains("host");
    char length[24];
    qsizetype lengthSize = -1;
    if (!request.body.isEmpty() || methodAllowsBody(request.method))
        lengthSize = std::to_chars(length, length + sizeof length, request.body.size()).ptr - length;
    const bool coalesce = request.body.size() <= coalesceBodyBytes;
    qsizetype size = request.method.size() + 1 + call->m_target.size() + 11 + 2;
    if (hostField)
        size += 6 + m_pool->hostHeader.size() + 2;
    for (qsizetype i = 0; i < request.headers.size(); ++i) {
        const HttpHeaders::Field f = request.headers.at(i);
        size += f.name.size() + 2 + f.value.size() + 2;
    }
    if (lengthSize >= 0)
        size += 16 + lengthSize + 2;
    if (coalesce)
        size += request.body.size();
    QByteArray head(size, Qt::Uninitialized);
    char *out = put(head.data(), request.method);
    *out++ = ' ';
    out = put(out, call->m_target);
    out = put(out, " HTTP/1.1\r\n");
    if (hostField) {
        out = put(out, "Host: ");
        out = put(out, m_pool->hostHeader);
        out = put(out, "\r\n");
    }
    for (qsizetype i = 0; i < request.headers.size(); ++i) {
        const HttpHeaders::Field f = request.headers.at(i);
        out = put(out, f.name);
        out = put(out, ": ");
        out = put(out, f.value);
        out = put(out, "\r\n");
    }
    if (lengthSize >= 0) {
        out = put(out, "Content-Length: ");
        out = put(out, QByteArrayView(length, lengthSize));
        out = put(out, "\r\n");
    }
    out = put(out, "\r\n");
    if (coalesce)
        out = put(out, request.body);
    Q_ASSERT(out == head.constData() + head.size());

    m_phase = Phase::AwaitingHeaders;
    m_sentNs = HttpClient::nowNs();
    updateTimer();

    ++m_socketCallDepth;
    if (m_tls) {
        // Encrypted straight from the head and the body into records, which leave together.
        if (!m_tls->write({ head, coalesce ? QByteArrayView() : QByteArrayView(request.body) }))
            deferTlsEnd();
    } else if (coalesce) {
        m_socket->write(head);
    } else {
        writeHeadAndBody(head, request.body);
    }
    // Writing now rather than on the next write notification saves an event-loop round and a poll.
    if (m_socket->bytesToWrite() > 0)
        m_socket->flush();
    --m_socketCallDepth;
}

void HttpConnection::writeHeadAndBody(const QByteArray &head, const QByteArray &body)
{
    // Written one after the other, the head and the body took two system calls, and the upstream woke for a
    // head whose body was not there yet. One sendmsg() sends both, from where they are; what the kernel does
    // not take at once goes to Qt's write buffer (the body shared when none of it went), which Qt drains as
    // the socket allows and whose errors it reports. Through a proxy, Qt's engine owns the descriptor.
    qsizetype sent = 0;
    const qintptr fd = m_socket->socketDescriptor();
    if (m_directIo && fd >= 0 && m_socket->bytesToWrite() == 0
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        iovec parts[2] = { { const_cast<char *>(head.constData()), size_t(head.size()) },
                           { const_cast<char *>(body.constData()), size_t(body.size()) } };
        msghdr message {};
        message.msg_iov = parts;
        message.msg_iovlen = 2;
        ssize_t n;
        do {
            n = ::sendmsg(int(fd), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        sent = n > 0 ? qsizetype(n) : 0;
    }
    if (sent < head.size()) {
        m_socket->write(head.constData() + sent, head.size() - sent);
        m_socket->write(body);
    } else if (sent == head.size()) {
        m_socket->write(body);
    } else if (sent < head.size() + body.size()) {
        const qsizetype at = sent - head.size();
        m_socket->write(body.constData() + at, body.size() - at);
    }
}

void HttpConnection::onReadyRead()
{
    if (m_phase == Phase::Closed)
        return;
    if (m_socketCallDepth > 0) {
        // A socket can report bytes from inside a call such as flush(); take them from the event loop.
        if (!m_readPending) {
            m_readPending = true;
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_readPending = false;
                    onReadyRead();
                },
                Qt::QueuedConnection);
        }
        return;
    }
    if (m_tls && !m_tlsEstablished) {
        if (m_phase == Phase::Connecting)
            continueHandshake();
        return;
    }
    if (!m_call) {
        // TLS 1.3 servers send session tickets after the handshake, which may find the connection idle.
        if (m_phase == Phase::Idle && m_tls) {
            char scratch[256];
            const qint64 got = m_tls->read(scratch, sizeof scratch);
            if (got == 0)
                return;
            if (got < 0) {
                m_client->dropConnection(this);
                return;
            }
        }
        // Bytes on a connection nobody is using: the server is closing it or misbehaving. Never reuse.
        if (m_phase == Phase::Idle) {
            qCDebug(lcNet) << "unsolicited" << m_socket->bytesAvailable() << "bytes from idle" << peerName();
            m_client->dropConnection(this);
        }
        return;
    }
    if (m_phase == Phase::AwaitingHeaders || m_phase == Phase::ReadingBody)
        processInput();
}

void HttpConnection::processInput()
{
    const quint64 generation = m_generation;
    for (;;) {
        for (;;) {
            qsizetype consumed = 0;
            const HttpResponseParser::Event event
                = m_parser.parse(m_buffer.constData() + m_begin, m_end - m_begin, &consumed);
            m_begin += consumed;
            switch (event) {
            case HttpResponseParser::Event::NeedMore:
                break;
            case HttpResponseParser::Event::Headers:
                m_phase = Phase::ReadingBody;
                m_lastReadNs = HttpClient::nowNs();
                updateTimer();
                m_call->m_sink->onHeaders(m_parser.statusCode(), m_parser.headers());
                if (m_generation != generation)
                    return;
                continue;
            case HttpResponseParser::Event::Data:
                m_call->m_sink->onData(m_parser.data(), m_parser.dataSize());
                if (m_generation != generation)
                    return;
                continue;
            case HttpResponseParser::Event::Complete:
                finishCall();
                return;
            case HttpResponseParser::Event::Error:
                failCall(HttpErrorKind::Protocol, m_parser.errorString());
                return;
            }
            break;
        }
        if (!readMore())
            return;
    }
}

bool HttpConnection::readMore()
{
    if (m_begin == m_end) {
        m_begin = m_end = 0;
    } else if (m_begin > 0 && m_buffer.size() - m_end < minReadBytes) {
        std::memmove(m_buffer.data(), m_buffer.constData() + m_begin, size_t(m_end - m_begin));
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_end == m_buffer.size()) {
        // The parser bounds what it leaves unconsumed, so this only grows for a large header block.
        const qsizetype limit
            = m_options.maxHeaderBytes + HttpResponseParser::maxLineBytes + initialBufferBytes;
        if (m_buffer.size() >= limit) {
            failCall(HttpErrorKind::Protocol, QStringLiteral("response framing exceeds buffer bounds"));
            return false;
        }
        m_buffer.resize(qMin(m_buffer.size() * 2, limit));
    }
    const qint64 n = m_tls ? m_tls->read(m_buffer.data() + m_end, m_buffer.size() - m_end)
                           : m_socket->read(m_buffer.data() + m_end, m_buffer.size() - m_end);
    if (n <= 0) {
        if (n < 0 && m_tls)
            deferTlsEnd();
        return false;
    }
    m_end += qsizetype(n);
    ++m_client->m_responseReads;
    m_lastReadNs = HttpClient::nowNs();
    if (!m_receivedAny) {
        m_receivedAny = true;
        // Past the point where a retry could resend it: release what may be a large body now.
        m_call->m_request.body = QByteArray();
    }
    return true;
}

bool HttpConnection::tlsInputIsHandshakeOnly()
{
    if (!m_tls || !m_tls->hasBufferedInput())
        return true;
    // Records behind the response, such as a TLS 1.3 session ticket sent late: OpenSSL takes those in
    // without returning data. Application data here would be a response nobody asked for.
    char scratch[256];
    return m_tls->read(scratch, sizeof scratch) == 0 && !m_tls->hasBufferedInput();
}

void HttpConnection::finishCall()
{
    HttpCall *call = m_call;
    const bool reusable = m_parser.keepAlive() && !call->m_wantsClose && m_begin == m_end
        && m_socket->bytesAvailable() == 0 && tlsInputIsHandshakeOnly()
        && m_socket->state() == QAbstractSocket::ConnectedState;
    detachCall();
    call->m_client = nullptr;
    m_used = true;
    if (reusable)
        m_client->connectionIdle(this);
    else
        m_client->dropConnection(this);
    call->m_sink->onFinished();
}

void HttpConnection::failCall(HttpErrorKind kind, const QString &message)
{
    HttpCall *call = m_call;
    detachCall();
    if (kind == HttpErrorKind::ConnectionClosed && m_used && !m_receivedAny && !call->m_retried) {
        qCDebug(lcNet) << "reused connection to" << peerName() << "closed before responding; retrying";
        call->m_retried = true;
        m_client->retryOnFreshConnection(call, this);
        return;
    }
    call->m_client = nullptr;
    m_client->dropConnection(this);
    call->m_sink->onFailed(HttpError { kind, message });
}

void HttpConnection::onSocketError(QAbstractSocket::SocketError error)
{
    onSocketClosed(error, m_socket->errorString());
}

void HttpConnection::onDisconnected()
{
    onSocketClosed(QAbstractSocket::RemoteHostClosedError, m_socket->errorString());
}

void HttpConnection::onSocketClosed(QAbstractSocket::SocketError error, const QString &errorString)
{
    if (m_phase == Phase::Closed)
        return;
    if (m_socketCallDepth > 0) {
        deferClose(error, errorString);
        return;
    }
    if (!m_call) {
        m_client->dropConnection(this);
        return;
    }
    if (m_phase == Phase::Connecting) {
        failCall(isSslError(error) ? HttpErrorKind::Ssl : HttpErrorKind::ConnectFailed,
                 QStringLiteral("connecting to %1 failed: %2").arg(peerName(), errorString));
        return;
    }
    // Whatever arrived before the close still belongs to the response.
    const quint64 generation = m_generation;
    if (m_socket->bytesAvailable() > 0 || (m_tls && m_tls->hasBufferedInput())) {
        processInput();
        if (m_generation != generation || m_phase == Phase::Closed)
            return;
    }
    if (isSslError(error)) {
        failCall(HttpErrorKind::Ssl, QStringLiteral("TLS failure with %1: %2").arg(peerName(), errorString));
        return;
    }
    if (m_parser.finish() == HttpResponseParser::Event::Complete) {
        finishCall();
        return;
    }
    failCall(HttpErrorKind::ConnectionClosed,
             QStringLiteral("%1 closed the connection before the response was complete").arg(peerName()));
}

void HttpConnection::handlePendingClose()
{
    m_closePending = false;
    if (m_phase == Phase::Closed)
        return;
    onSocketClosed(m_pendingError, m_pendingErrorString);
}

qint64 HttpConnection::deadlineNs() const
{
    qint64 deadline = noDeadline;
    switch (m_phase) {
    case Phase::Connecting:
        deadline = m_connectDeadlineNs;
        break;
    case Phase::Idle:
        deadline = HttpClient::deadlineAfter(m_idleSinceNs, m_options.idleTimeoutMs);
        break;
    case Phase::AwaitingHeaders:
        deadline = HttpClient::deadlineAfter(m_sentNs, m_call ? m_call->m_request.timeouts.headersMs : 0);
        break;
    case Phase::ReadingBody:
        deadline
            = HttpClient::deadlineAfter(m_lastReadNs, m_call ? m_call->m_request.timeouts.idleReadMs : 0);
        break;
    case Phase::Closed:
        return noDeadline;
    }
    if (m_call)
        deadline = qMin(deadline, m_call->m_totalDeadlineNs);
    return deadline;
}

void HttpConnection::updateTimer()
{
    const qint64 deadline = deadlineNs();
    if (deadline == noDeadline) {
        m_timer.stop();
        return;
    }
    // A timer that fires early just re-arms; only one that would fire late must be moved. This keeps the
    // per-read path free of timer calls: reading only moves the idle-read deadline later.
    if (!m_timer.isActive() || m_armedNs > deadline)
        armTimer(deadline);
}

void HttpConnection::armTimer(qint64 deadline)
{
    const qint64 remainingNs = deadline - HttpClient::nowNs();
    const qint64 ms = remainingNs <= 0 ? 0 : (remainingNs + 999'999) / 1'000'000;
    m_armedNs = deadline;
    m_timer.start(int(qMin<qint64>(ms, std::numeric_limits<int>::max())), Qt::PreciseTimer, this);
}

void HttpConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_timer.stop();
    const qint64 deadline = deadlineNs();
    if (deadline == noDeadline)
        return;
    if (HttpClient::nowNs() < deadline) {
        armTimer(deadline);
        return;
    }
    onTimeout();
}

void HttpConnection::onTimeout()
{
    if (!m_call) {
        m_client->dropConnection(this); // idle too long, or still connecting for nobody
        return;
    }
    const bool total = m_call->m_totalDeadlineNs <= HttpClient::nowNs();
    const HttpTimeouts &t = m_call->m_request.timeouts;
    QString message;
    if (total)
        message = QStringLiteral("request to %1 exceeded its total timeout of %2 ms")
                      .arg(peerName())
                      .arg(t.totalMs);
    else if (m_phase == Phase::Connecting)
        message = QStringLiteral("connecting to %1 timed out after %2 ms").arg(peerName()).arg(t.connectMs);
    else if (m_phase == Phase::AwaitingHeaders)
        message = QStringLiteral("no response headers from %1 within %2 ms").arg(peerName()).arg(t.headersMs);
    else
        message = QStringLiteral("no response data from %1 for %2 ms").arg(peerName()).arg(t.idleReadMs);
    failCall(HttpErrorKind::Timeout, message);
}

QString HttpConnection::peerName() const
{
    return m_pool->key.host + u':' + QString::number(m_pool->key.port);
}

} // namespace Drawbridge
