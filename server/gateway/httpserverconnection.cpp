// SPDX-License-Identifier: MIT
#include "httpserverconnection.h"

#include <QTcpSocket>
#include <QTimerEvent>

#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

#include "httprequesthandler.h"
#include "httpresponder.h"
#include "server/core/clock.h"
#include "server/core/logging.h"

namespace Drawbridge {

namespace {

// What Qt reads from the kernel per readiness event, and the most taken from it at once. Small enough that
// little of a large body passes through Qt's buffer (the rest is read straight into the request), large
// enough for the head of almost any request in one read.
constexpr qint64 readChunkBytes = 16 * 1024;
// Past this much unsent response data, the next pipelined request waits for the client to read.
constexpr qint64 writeHighWater = 1024 * 1024;

} // namespace

HttpServerConnection::HttpServerConnection(QTcpSocket *socket, const Options &options, const Clock &clock,
                                           HttpRequestHandler &handler, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_options(options)
    , m_clock(clock)
    , m_handler(handler)
    , m_parser(options.limits)
{
    m_socket->setParent(this);
    // Qt must not pull more from the kernel than one chunk while a request is being handled.
    m_socket->setReadBufferSize(readChunkBytes);
    // A TLS socket's descriptor carries records, not the request: its input must go through Qt.
    m_directReads = !m_socket->inherits("QSslSocket");
    m_idleSinceNs = m_clock.monotonicNs();
    connect(m_socket, &QIODevice::readyRead, this, &HttpServerConnection::onReadyRead);
    connect(m_socket, &QIODevice::bytesWritten, this, &HttpServerConnection::onBytesWritten);
    connect(m_socket, &QAbstractSocket::disconnected, this, &HttpServerConnection::onDisconnected);
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        QMetaObject::invokeMethod(this, &HttpServerConnection::onDisconnected, Qt::QueuedConnection);
        return;
    }
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpServerConnection::processInput, Qt::QueuedConnection);
}

HttpServerConnection::~HttpServerConnection() = default;

void HttpServerConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_closeTimer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_closeTimer.stop();
    m_socket->abort();
}

void HttpServerConnection::onReadyRead()
{
    // Qt reads what the kernel reports, up to its buffer's limit: short of the limit, it took everything.
    m_kernelDrained = m_socket->bytesAvailable() < readChunkBytes;
    if (m_state == State::Lingering || m_state == State::Closing) {
        discardInput();
        return;
    }
    processInput();
}

void HttpServerConnection::discardInput()
{
    char sink[16 * 1024];
    while (m_socket->read(sink, sizeof sink) > 0) { }
}

void HttpServerConnection::processInput()
{
    if (m_state != State::Reading)
        return;
    for (;;) {
        if (m_socket->bytesToWrite() > writeHighWater)
            return; // onBytesWritten() resumes
        switch (m_parser.parse()) {
        case HttpRequestParser::Status::NeedMore: {
            qsizetype room = 0;
            if (char *space = m_parser.bodySpace(room)) {
                // The rest of a Content-Length body goes straight into the request's body.
                const qint64 got = readBody(space, room);
                m_parser.bodyWritten(got);
                if (got <= 0)
                    return;
                m_lastInputNs = m_clock.monotonicNs();
                continue;
            }
            const qint64 available = m_socket->bytesAvailable();
            if (available <= 0)
                return;
            // Qt hands over its buffered block itself when all of it is asked for, and the parser keeps it:
            // no copy before the body's.
            QByteArray chunk = m_socket->read(std::min(available, readChunkBytes));
            const qint64 now = m_clock.monotonicNs();
            if (!m_parser.readingBody() && m_headStartedNs < 0)
                m_headStartedNs = now;
            m_lastInputNs = now;
            m_parser.adopt(std::move(chunk));
            continue;
        }
        case HttpRequestParser::Status::HeadComplete:
            m_lastInputNs = m_clock.monotonicNs();
            if (m_parser.request().expectContinue) {
                // 100 only for a request that will be served; otherwise the final answer, and no body.
                if (const auto refusal = m_handler.refuseHead(m_parser.request())) {
                    sendFinalError(refusal->status, refusal->json);
                    return;
                }
                m_socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
            }
            continue;
        case HttpRequestParser::Status::MessageComplete:
            dispatch();
            return;
        case HttpRequestParser::Status::Error:
            sendProtocolError(m_parser.errorStatus(), m_parser.errorMessage());
            return;
        }
    }
}

qint64 HttpServerConnection::readBody(char *space, qsizetype room)
{
    const qint64 buffered = m_socket->bytesAvailable();
    if (buffered > 0)
        return m_socket->read(space, std::min<qint64>(room, buffered));
    // Nothing in Qt's buffer: take what the kernel holds straight into the body, one copy instead of two
    // (Qt would read it into its buffer at the next readiness event, then copy it here). Qt's socket is
    // not told: it keeps no count of the descriptor's input, and its read notifier stays on, so the next
    // bytes, an end of stream or an error still reach it. When Qt's last read or ours came back short, the
    // kernel had no more: the next attempt waits for readyRead instead of paying a recv() that finds nothing.
    const qintptr fd = m_socket->socketDescriptor();
    if (!m_directReads || m_kernelDrained || fd < 0 || m_socket->state() != QAbstractSocket::ConnectedState)
        return 0;
    ssize_t n;
    do {
        n = ::recv(int(fd), space, size_t(room), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < qint64(room))
        m_kernelDrained = true;
    return n > 0 ? qint64(n) : 0;
}

void HttpServerConnection::dispatch()
{
    m_current = m_parser.takeRequest();
    m_state = State::Dispatched;
    m_responseInFlight = true;
    m_responseDone = false;
    m_headStartedNs = -1;
    const HttpResponder::Mode mode { m_current.keepAlive, m_current.minorVersion == 0, m_current.isHead() };
    auto responder = std::make_shared<HttpResponder>(this, m_socket, mode);
    m_responder = responder;
    m_inDispatch = true;
    m_handler.handleRequest(m_current, responder);
    m_inDispatch = false;
}

qsizetype HttpServerConnection::sendDirect(const QByteArrayView *parts, int count)
{
    // With nothing queued in Qt, hand the bytes to the kernel at once. QTcpSocket::write() would queue them,
    // switch the write notifier on and off again one event-loop round later; each switch is a linear-time
    // (un)registration with the event dispatcher, which holds a notifier per open socket, and a stream
    // writes once per frame. Qt only gets what the kernel does not take (and errors, which it reports).
    const qintptr fd = m_socket->socketDescriptor();
    if (fd < 0 || m_socket->bytesToWrite() > 0 || m_socket->state() != QAbstractSocket::ConnectedState)
        return 0;
    iovec iov[3];
    qsizetype total = 0;
    for (int i = 0; i < count; ++i) {
        iov[i].iov_base = const_cast<char *>(parts[i].data());
        iov[i].iov_len = size_t(parts[i].size());
        total += parts[i].size();
    }
    qsizetype sent = 0;
    int first = 0;
    while (sent < total) {
        msghdr msg {};
        msg.msg_iov = iov + first;
        msg.msg_iovlen = size_t(count - first);
        const ssize_t n = ::sendmsg(int(fd), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sent += qsizetype(n);
        size_t left = size_t(n);
        while (first < count && left >= iov[first].iov_len) {
            left -= iov[first].iov_len;
            ++first;
        }
        if (first < count) {
            iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
    return sent;
}

void HttpServerConnection::writeResponseBytes(const QByteArray &bytes)
{
    if (m_state != State::Dispatched)
        return;
    const QByteArrayView view(bytes);
    const qsizetype sent = sendDirect(&view, 1);
    if (sent == bytes.size())
        return;
    m_socket->write(sent == 0 ? bytes : bytes.sliced(sent));
}

void HttpServerConnection::writeResponseParts(QByteArrayView a, QByteArrayView b, QByteArrayView c)
{
    if (m_state != State::Dispatched)
        return;
    const QByteArrayView parts[3] = { a, b, c };
    qsizetype skip = sendDirect(parts, 3);
    if (skip == a.size() + b.size() + c.size())
        return;
    QByteArray rest;
    rest.reserve(a.size() + b.size() + c.size() - skip);
    for (const QByteArrayView part : parts) {
        const qsizetype from = std::min(skip, part.size());
        rest.append(part.sliced(from));
        skip -= from;
    }
    m_socket->write(rest);
}

void HttpServerConnection::responseComplete(bool keepAlive)
{
    if (m_state != State::Dispatched || m_responseDone)
        return;
    m_responseDone = true;
    if (!m_inDispatch && keepAlive && m_parser.bufferedBytes() == 0 && m_socket->bytesAvailable() == 0) {
        // Answered from a later event (the upstream's), and nothing of a next request is here: the handler
        // has returned, nothing holds the request any more, and reading on would find nothing to start from
        // inside the provider's callback. So go back to reading now; a round of the event loop for it would
        // cost the dispatcher a wake-up (an eventfd write and two reads) per request. Before checkFlushed():
        // a slot of responseFlushed() may end the server.
        continueAfterResponse(true);
        checkFlushed();
        return;
    }
    // The handler may still be on the stack and reading the request, or the next request would start from
    // inside the caller: move on once it has returned.
    QMetaObject::invokeMethod(
        this, [this, keepAlive] { continueAfterResponse(keepAlive); }, Qt::QueuedConnection);
    checkFlushed();
}

void HttpServerConnection::responseAbandoned(bool streaming)
{
    if (m_state != State::Dispatched || m_responseDone)
        return;
    if (streaming) {
        // Half a response cannot be finished honestly; the client must see it cut.
        qCWarning(lcGateway) << "response stream dropped unfinished; closing the connection";
        m_socket->abort();
        return;
    }
    qCWarning(lcGateway) << "request" << m_current.method << m_current.path << "got no response";
    HttpResponder fallback(this, m_socket, HttpResponder::Mode { false, m_current.minorVersion == 0, false });
    fallback.sendJson(500, m_handler.protocolErrorBody(m_current.path, 500, QStringLiteral("No response.")));
}

void HttpServerConnection::continueAfterResponse(bool keepAlive)
{
    if (m_state != State::Dispatched)
        return;
    m_current = HttpServerRequest();
    if (!keepAlive) {
        beginClose();
        return;
    }
    m_state = State::Reading;
    m_kernelDrained = false;
    const qint64 now = m_clock.monotonicNs();
    m_idleSinceNs = now;
    m_headStartedNs = m_parser.bufferedBytes() > 0 ? now : -1;
    processInput();
}

void HttpServerConnection::sendProtocolError(int status, const QString &message)
{
    qCDebug(lcGateway) << "refusing request:" << status << message;
    sendFinalError(status, m_handler.protocolErrorBody(m_parser.request().path, status, message));
}

void HttpServerConnection::sendFinalError(int status, const QByteArray &body)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpResponder::reasonPhrase(status)
        + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    m_socket->write(out);
    beginClose();
}

void HttpServerConnection::beginClose()
{
    m_state = State::Closing;
    discardInput();
    if (m_socket->bytesToWrite() == 0) {
        shutdownWrite();
        return;
    }
    // Flushing may take a while for a large answer; the timer restarts on every progress.
    m_closeTimer.start(m_options.lingerMs, this);
}

void HttpServerConnection::shutdownWrite()
{
    m_state = State::Lingering;
    // Closing with unread input would make the kernel reset the connection and the client could lose the
    // answer: send FIN, then read and discard whatever is still coming, for a bounded time.
    if (m_socket->socketDescriptor() >= 0)
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_closeTimer.start(m_options.lingerMs, this);
    discardInput();
}

void HttpServerConnection::onBytesWritten()
{
    checkFlushed();
    if (m_state == State::Closing) {
        if (m_socket->bytesToWrite() == 0)
            shutdownWrite();
        else
            m_closeTimer.start(m_options.lingerMs, this);
        return;
    }
    if (m_state == State::Reading && m_socket->bytesToWrite() <= writeHighWater)
        processInput();
}

void HttpServerConnection::checkFlushed()
{
    if (m_responseInFlight && m_responseDone && m_socket->bytesToWrite() == 0) {
        m_responseInFlight = false;
        Q_EMIT responseFlushed();
    }
}

void HttpServerConnection::onDisconnected()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_closeTimer.stop();
    if (m_responseInFlight) {
        m_responseInFlight = false;
        Q_EMIT responseFlushed();
    }
    Q_EMIT closed();
    deleteLater();
}

void HttpServerConnection::checkTimeouts(qint64 nowNs)
{
    if (m_state != State::Reading)
        return;
    const qint64 idleNs = m_options.idleTimeoutMs * 1'000'000;
    if (m_parser.readingBody()) {
        if (nowNs - m_lastInputNs > idleNs)
            sendProtocolError(408, QStringLiteral("The request body did not arrive in time."));
        return;
    }
    if (m_headStartedNs >= 0) {
        if (nowNs - m_headStartedNs > m_options.headerTimeoutMs * 1'000'000)
            sendProtocolError(408, QStringLiteral("The request head did not arrive in time."));
        return;
    }
    if (nowNs - m_idleSinceNs > idleNs) {
        qCDebug(lcGateway) << "closing an idle connection";
        beginClose();
    }
}

} // namespace Drawbridge
