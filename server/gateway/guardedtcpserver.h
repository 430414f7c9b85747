// SPDX-License-Identifier: MIT
#pragma once

#include <QPointer>
#include <QTcpServer>
#include <QTimer>

class QSocketNotifier;
class QTcpSocket;

namespace Drawbridge {

/**
 * @brief The listening socket: a cap on open connections and recovery from running out of file descriptors.
 *
 * QTcpServer binds and listens (for its error reporting), but accepting is done here: Qt 6.4 leaves the
 * listening socket's notifier on when accept() fails with EMFILE, so the event loop spins at 100 % CPU while
 * the kernel queue stays full. Here a failing accept() disables the notifier, logs once, and re-enables it
 * after a short pause or as soon as a connection closes: no busy loop, and it always recovers.
 *
 * Past maxConnections a new connection is accepted, told 503 and closed at once, so clients fail fast instead
 * of hanging in the accept queue.
 */
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardedTcpServer)

public:
    GuardedTcpServer(int maxConnections, QObject *parent = nullptr);
    ~GuardedTcpServer() override;

    /** listen() plus the guarded accept loop. */
    bool start(const QHostAddress &address, quint16 port);
    void stop();

    /** The owner reports each accepted connection's end. */
    void connectionClosed();
    int openConnections() const { return m_open; }
    bool isPausedForResources() const { return m_paused; }
    qint64 refusedConnections() const { return m_refused; }

    static constexpr int resumeDelayMs = 250;

Q_SIGNALS:
    /** A new client; the receiver takes ownership of @p socket. */
    void connectionAccepted(QTcpSocket *socket);

private:
    void onReadable();
    void accepted(int fd);
    void refuse(int fd);
    void resume();

    QPointer<QSocketNotifier> m_notifier;
    int m_maxConnections;
    int m_open = 0;
    qint64 m_refused = 0;
    bool m_paused = false;
    bool m_refusing = false;
    QTimer m_resumeTimer;
};

} // namespace Drawbridge
