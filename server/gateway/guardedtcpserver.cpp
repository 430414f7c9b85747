// SPDX-License-Identifier: MIT
#include "guardedtcpserver.h"

#include <QSocketNotifier>
#include <QTcpSocket>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include "server/core/logging.h"

namespace Drawbridge {

namespace {

// Accept at most this many per wake-up, so a connection storm cannot starve the event loop.
constexpr int acceptBatch = 64;

} // namespace

GuardedTcpServer::GuardedTcpServer(int maxConnections, QObject *parent)
    : QTcpServer(parent), m_maxConnections(maxConnections)
{
    m_resumeTimer.setSingleShot(true);
    m_resumeTimer.setInterval(resumeDelayMs);
    connect(&m_resumeTimer, &QTimer::timeout, this, &GuardedTcpServer::resume);
}

GuardedTcpServer::~GuardedTcpServer()
{
    stop();
}

bool GuardedTcpServer::start(const QHostAddress &address, quint16 port)
{
    if (!listen(address, port))
        return false;
    // QTcpServer's own notifier stays off; ours handles accept errors properly.
    pauseAccepting();
    m_notifier = new QSocketNotifier(socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &GuardedTcpServer::onReadable);
    return true;
}

void GuardedTcpServer::stop()
{
    m_resumeTimer.stop();
    delete m_notifier;
    if (isListening())
        close();
}

void GuardedTcpServer::onReadable()
{
    const int listenFd = int(socketDescriptor());
    for (int i = 0; i < acceptBatch; ++i) {
        const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            accepted(fd);
            continue;
        }
        const int err = errno;
        if (err == EINTR || err == ECONNABORTED || err == EPROTO)
            continue;
        if (err == EAGAIN || err == EWOULDBLOCK)
            return;
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: nothing can be accepted until something is freed.
        m_notifier->setEnabled(false);
        if (!m_paused) {
            m_paused = true;
            qCWarning(lcGateway).nospace()
                << "cannot accept connections: " << strerror(err) << "; pausing, retrying every "
                << resumeDelayMs << " ms and whenever a connection closes";
        }
        m_resumeTimer.start();
        return;
    }
}

void GuardedTcpServer::accepted(int fd)
{
    if (m_paused) {
        m_paused = false;
        qCInfo(lcGateway) << "accepting connections again";
    }
    if (m_open >= m_maxConnections) {
        refuse(fd);
        return;
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(fd)) {
        delete socket;
        ::close(fd);
        return;
    }
    ++m_open;
    Q_EMIT connectionAccepted(socket);
}

void GuardedTcpServer::refuse(int fd)
{
    ++m_refused;
    if (!m_refusing) {
        m_refusing = true;
        qCWarning(lcGateway).nospace() << "server.max_connections (" << m_maxConnections
                                       << ") reached; refusing new connections until some close";
    }
    static constexpr char body[]
        = R"({"error":{"message":"Too many open connections (server.max_connections).",)"
          R"("type":"server_error","param":null,"code":"too_many_connections"}})";
    static const QByteArray refusal
        = QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                     "Connection: close\r\nRetry-After: 1\r\nContent-Length: ")
        + QByteArray::number(qsizetype(sizeof(body) - 1)) + "\r\n\r\n" + QByteArray(body);
    // Best effort: the socket is fresh, so the answer fits in its send buffer.
    (void)::send(fd, refusal.constData(), size_t(refusal.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

void GuardedTcpServer::connectionClosed()
{
    --m_open;
    if (m_refusing && m_open < m_maxConnections) {
        m_refusing = false;
        qCInfo(lcGateway) << "below server.max_connections again";
    }
    if (m_paused)
        resume();
}

void GuardedTcpServer::resume()
{
    m_resumeTimer.stop();
    if (m_notifier)
        m_notifier->setEnabled(true);
}

} // namespace Drawbridge
