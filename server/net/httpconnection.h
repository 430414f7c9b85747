// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractSocket>
#include <QBasicTimer>
#include <QByteArray>
#include <QObject>
#include <QTcpSocket>

#include "httperror.h"
#include "httpresponseparser.h"

#include <memory>

namespace Drawbridge {

class HttpCall;
class HttpClient;
struct HttpClientOptions;
struct HttpHostPool;
class TlsChannel;

/**
 * @brief Internal to HttpClient: one keep-alive socket that carries one call at a time.
 *
 * Lives as long as the socket, across many calls, so the per-request path creates no QObject. It runs the
 * socket, the response parser and the sink callbacks; the client decides pooling. After handing control to
 * a sink it re-checks a generation counter, because the sink may have destroyed its call, and with it
 * possibly this connection's reason to exist (the connection itself is only ever deleted later).
 */
class HttpConnection final : public QObject
{
public:
    HttpConnection(HttpClient *client, HttpHostPool *pool, const HttpClientOptions &options);
    ~HttpConnection() override;
    Q_DISABLE_COPY_MOVE(HttpConnection)

    void connectToHost(qint64 connectDeadlineNs);
    /** Takes @p call and sends it now when idle, or as soon as the connection is established. */
    void start(HttpCall *call);
    /** The call's handle was destroyed: forget it; close unless the request has not been sent yet. */
    void abandonCall();
    /** Forgets the call without any other effect; for the client's destructor. */
    void detachCall();
    /** Parks an established connection in the pool. */
    void enterIdle();
    /** Closes the socket for good and schedules deletion; idempotent. The client does the bookkeeping. */
    void shutdown();

    HttpHostPool *pool() const { return m_pool; }
    /** When enterIdle() last parked it (HttpClient::nowNs()). */
    qint64 idleSinceNs() const { return m_idleSinceNs; }
    HttpCall *call() const { return m_call; }
    bool isReusable() const;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class Phase { Connecting, Idle, AwaitingHeaders, ReadingBody, Closed };

    void onConnected();
    /** Advances the TLS handshake; once done, the connection is established. */
    void continueHandshake();
    /** Connected (and TLS established): sends the waiting call, or parks the connection. */
    void established();
    /** Handles the end of the socket from the event loop (never inside a socket call or a sink callback). */
    void deferClose(QAbstractSocket::SocketError error, const QString &errorString);
    /** The TLS stream ended or failed: deferClose() with what kind of end it was. */
    void deferTlsEnd();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void onSocketClosed(QAbstractSocket::SocketError error, const QString &errorString);
    void handlePendingClose();
    void sendRequest();
    /** Plain HTTP: writes a head and a large body in one system call where the kernel takes them. */
    void writeHeadAndBody(const QByteArray &head, const QByteArray &body);
    void processInput();
    bool readMore();
    /** No decrypted data waits behind the response (taking in handshake records, such as late tickets). */
    bool tlsInputIsHandshakeOnly();
    void finishCall();
    void failCall(HttpErrorKind kind, const QString &message);
    void onTimeout();
    qint64 deadlineNs() const;
    void updateTimer();
    void armTimer(qint64 deadlineNs);
    QString peerName() const;

    HttpClient *m_client;
    HttpHostPool *m_pool;
    const HttpClientOptions &m_options;
    QTcpSocket *m_socket = nullptr;
    std::unique_ptr<TlsChannel> m_tls; ///< for an https origin, once TCP is connected
    bool m_tlsEstablished = false;
    bool m_directIo = true; ///< no proxy: TLS reads and writes the socket's descriptor itself
    HttpCall *m_call = nullptr;
    HttpResponseParser m_parser;
    Phase m_phase = Phase::Connecting;
    // Bumped whenever m_call changes, so code that ran a sink callback can tell the call is gone.
    quint64 m_generation = 0;
    bool m_used = false; ///< has completed a response: a failure may be a stale keep-alive
    bool m_receivedAny = false; ///< bytes of the current call's response have arrived
    // Qt emits socket errors synchronously from connectToHost() and flush(); those can run inside
    // HttpClient::send(), where callbacks are not allowed, so they are handled from the event loop instead.
    int m_socketCallDepth = 0;
    bool m_closePending = false;
    bool m_readPending = false;
    QAbstractSocket::SocketError m_pendingError = QAbstractSocket::UnknownSocketError;
    QString m_pendingErrorString;
    // Unparsed bytes live in m_buffer[m_begin, m_end); body bytes are handed to the sink from here.
    QByteArray m_buffer;
    qsizetype m_begin = 0;
    qsizetype m_end = 0;
    QBasicTimer m_timer;
    qint64 m_armedNs = 0;
    qint64 m_connectDeadlineNs = 0;
    qint64 m_sentNs = 0;
    qint64 m_lastReadNs = 0;
    qint64 m_idleSinceNs = 0;
};

} // namespace Drawbridge
