// SPDX-License-Identifier: MIT
#pragma once

#include <QTcpServer>
#include <QTimer>

class QTcpSocket;

namespace Drawbridge {

/**
 * @brief The listening socket: a cap on open connections and recovery from running out of file descriptors.
 *
 * Past maxConnections a new connection is accepted, told 503 and closed at once, so clients fail fast instead
 * of hanging in the accept queue. When accept() fails (EMFILE/ENFILE and the like) QTcpServer stops listening
 * for new connections; this logs once, and resumes after a short pause or as soon as a connection closes, so
 * there is neither a busy loop nor a listener that stays paused for good.
 */
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardedTcpServer)

public:
    GuardedTcpServer(int maxConnections, QObject *parent = nullptr);

    /** The owner reports each accepted connection's end. */
    void connectionClosed();
    int openConnections() const { return m_open; }
    bool isPausedForResources() const { return m_paused; }
    qint64 refusedConnections() const { return m_refused; }

    static constexpr int resumeDelayMs = 250;

Q_SIGNALS:
    /** A new client; the receiver takes ownership of @p socket. */
    void connectionAccepted(QTcpSocket *socket);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void onAcceptError(QAbstractSocket::SocketError error);
    void resume();

    int m_maxConnections;
    int m_open = 0;
    qint64 m_refused = 0;
    bool m_paused = false;
    bool m_refusing = false;
    QTimer m_resumeTimer;
};

} // namespace Drawbridge
