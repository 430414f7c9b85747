// SPDX-License-Identifier: MIT
#include "guardedtcpserver.h"

#include <QTcpSocket>

#include <sys/socket.h>
#include <unistd.h>

#include "server/core/logging.h"

namespace Drawbridge {

GuardedTcpServer::GuardedTcpServer(int maxConnections, QObject *parent)
    : QTcpServer(parent), m_maxConnections(maxConnections)
{
    m_resumeTimer.setSingleShot(true);
    m_resumeTimer.setInterval(resumeDelayMs);
    connect(&m_resumeTimer, &QTimer::timeout, this, &GuardedTcpServer::resume);
    connect(this, &QTcpServer::acceptError, this, &GuardedTcpServer::onAcceptError);
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    if (m_paused) {
        m_paused = false;
        qCInfo(lcGateway) << "accepting connections again";
    }
    if (m_open >= m_maxConnections) {
        ++m_refused;
        if (!m_refusing) {
            m_refusing = true;
            qCWarning(lcGateway) << "server.max_connections (" << m_maxConnections
                                 << ") reached; refusing new connections until some close";
        }
        static constexpr char body[]
            = R"({"error":{"message":"Too many open connections (server.max_connections).",)"
              R"("type":"server_error","param":null,"code":"too_many_connections"}})";
        static const QByteArray refusal
            = QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                         "Connection: close\r\nRetry-After: 1\r\nContent-Length: ")
            + QByteArray::number(qsizetype(sizeof(body) - 1)) + "\r\n\r\n" + QByteArray(body);
        const int fd = int(socketDescriptor);
        // Best effort: the socket is fresh, so the answer fits in its send buffer.
        (void)::send(fd, refusal.constData(), size_t(refusal.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
        ::close(fd);
        return;
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        ::close(int(socketDescriptor));
        return;
    }
    ++m_open;
    Q_EMIT connectionAccepted(socket);
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

void GuardedTcpServer::onAcceptError(QAbstractSocket::SocketError error)
{
    // QTcpServer has already paused accepting. Log once per episode, retry a little later.
    if (!m_paused) {
        m_paused = true;
        qCWarning(lcGateway).nospace() << "cannot accept connections (" << error << ": " << errorString()
                                       << "); out of file descriptors? Pausing, will retry.";
    }
    m_resumeTimer.start();
}

void GuardedTcpServer::resume()
{
    m_resumeTimer.stop();
    if (isListening())
        resumeAccepting();
}

} // namespace Drawbridge
