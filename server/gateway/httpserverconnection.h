// SPDX-License-Identifier: MIT
#pragma once

#include <QBasicTimer>
#include <QObject>

#include <memory>

#include "httprequestparser.h"
#include "httpserverrequest.h"

class QTcpSocket;

namespace Drawbridge {

class Clock;
class HttpRequestHandler;
class HttpResponder;

/**
 * @brief One client connection of the gateway's HTTP/1.1 server.
 *
 * Requests are handled one at a time, in order: the next pipelined request is not even parsed before the
 * previous response is complete, so answers leave in request order and a `Connection: close` request closes
 * after its own answer. While a request is being handled nothing more is read, so the kernel's receive
 * window, not memory, absorbs a pipelining client; and while more than a little response data is unsent,
 * nothing new is started for a client that does not read. Memory per connection is bounded by the parser's
 * limits plus one read chunk.
 *
 * Deadlines (checked by the owner through checkTimeouts(), against the injected Clock): an idle keep-alive
 * connection closes after idleTimeoutMs; a request head must be complete headerTimeoutMs after its first byte
 * (slowloris) and a body may pause at most idleTimeoutMs (both get 408). Closing is graceful: the answer is
 * flushed, the write side shut down, and late client input read and discarded for a short while, so the
 * client sees the answer instead of a reset.
 */
class HttpServerConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServerConnection)

public:
    struct Options
    {
        HttpRequestParser::Limits limits;
        qint64 idleTimeoutMs = 60'000;
        qint64 headerTimeoutMs = 10'000;
        int lingerMs = 2'000;
    };

    /** Takes ownership of @p socket. */
    HttpServerConnection(QTcpSocket *socket, const Options &options, const Clock &clock,
                         HttpRequestHandler &handler, QObject *parent = nullptr);
    ~HttpServerConnection() override;

    /** A request was handed over and its response is not complete and flushed to the kernel yet. */
    bool hasResponseInFlight() const { return m_responseInFlight; }
    /** Applies the idle, header and body deadlines at @p nowNs (Clock::monotonicNs()). */
    void checkTimeouts(qint64 nowNs);
    QTcpSocket *socket() const { return m_socket; }

    // Used by HttpResponder.
    void writeResponseBytes(const QByteArray &bytes);
    /** The same for bytes in up to three pieces (one chunk's size line, data and CRLF): one sendmsg(). */
    void writeResponseParts(QByteArrayView a, QByteArrayView b, QByteArrayView c);
    void responseComplete(bool keepAlive);
    void responseAbandoned(bool streaming);

Q_SIGNALS:
    /** A response's last byte was handed to the kernel. */
    void responseFlushed();
    /** The socket is gone; the connection deletes itself. */
    void closed();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class State { Reading, Dispatched, Closing, Lingering, Closed };

    void onReadyRead();
    void onBytesWritten();
    void onDisconnected();
    void processInput();
    void dispatch();
    void continueAfterResponse(bool keepAlive);
    void sendProtocolError(int status, const QString &message);
    void sendFinalError(int status, const QByteArray &body);
    void beginClose();
    void shutdownWrite();
    void discardInput();
    /** Reads up to @p room body bytes into @p space: what Qt has buffered, else from the kernel directly. */
    qint64 readBody(char *space, qsizetype room);
    void checkFlushed();
    /** Hands @p parts to the kernel while Qt has nothing queued; returns how many bytes it took. */
    qsizetype sendDirect(const QByteArrayView *parts, int count);

    QTcpSocket *m_socket;
    Options m_options;
    const Clock &m_clock;
    HttpRequestHandler &m_handler;
    HttpRequestParser m_parser;
    HttpServerRequest m_current;
    std::weak_ptr<HttpResponder> m_responder;
    State m_state = State::Reading;
    bool m_responseInFlight = false;
    bool m_responseDone = false;
    bool m_directReads = true;
    bool m_inDispatch = false; ///< the handler is on the stack
    bool m_kernelDrained = false; ///< Qt's last read or a direct one came back short: the kernel had no more
    qint64 m_idleSinceNs = 0;
    qint64 m_headStartedNs = -1;
    qint64 m_lastInputNs = 0;
    // A QBasicTimer, not a QTimer: one QObject and one signal connection fewer per accepted connection.
    QBasicTimer m_closeTimer;
};

} // namespace Drawbridge
