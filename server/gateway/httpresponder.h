// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QPointer>
#include <QTcpSocket>

#include <utility>

namespace Drawbridge {

class HttpServerConnection;

using ResponseHeaders = QList<std::pair<QByteArray, QByteArray>>;

/**
 * @brief Writes the one response to one request on an HttpServerConnection.
 *
 * A complete response goes out in one write; a stream is chunked for HTTP/1.1 and close-delimited for
 * HTTP/1.0 (which has no chunked coding). A HEAD request gets the head only. The connection is held weakly: a
 * client that went away turns every later write into a no-op. When the response is complete the connection
 * moves on to the next pipelined request or closes; a responder dropped without answering makes it answer 500
 * and close.
 */
class HttpResponder final
{
public:
    struct Mode
    {
        bool keepAlive = true; ///< what the request allows
        bool http10 = false;
        bool headOnly = false;
    };

    HttpResponder(HttpServerConnection *connection, QTcpSocket *socket, Mode mode);
    ~HttpResponder();
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;

    /** Headers added to whatever is sent later (CORS, rate-limit headers). */
    void addHeader(const QByteArray &name, const QByteArray &value);

    void send(int status, const QByteArray &contentType, const QByteArray &body,
              const ResponseHeaders &headers = {});
    void sendJson(int status, const QByteArray &json, const ResponseHeaders &headers = {});

    /**
     * Starts a streamed response (chunked, or close-delimited for HTTP/1.0). A @p firstChunk leaves with the
     * head in one write: one segment and one wake-up of the client fewer per stream.
     */
    void beginStream(int status, const QByteArray &contentType, const ResponseHeaders &headers = {},
                     QByteArrayView firstChunk = {});
    /** Writes one chunk; false when the client is gone or hopelessly behind (then the stream is aborted). */
    bool writeChunk(QByteArrayView data);
    /** Ends the stream; a @p lastChunk leaves with the chunked terminator in one write. */
    void endStream(QByteArrayView lastChunk = {});

    bool isConnected() const;
    bool hasResponded() const { return m_state != State::Idle; }
    bool isStreaming() const { return m_state == State::Streaming; }
    int status() const { return m_status; }
    QTcpSocket *socket() const { return m_socket.data(); }

    static QByteArray reasonPhrase(int status);

private:
    enum class State { Idle, Streaming, Done };
    void appendHead(QByteArray &out, int status, const QByteArray &contentType,
                    const ResponseHeaders &headers, bool keepAlive) const;
    void write(const QByteArray &bytes);
    /** One chunk and @p trailer (its CRLF, and the terminator after the last one) in one sendmsg(). */
    bool writeChunkParts(QByteArrayView data, QByteArrayView trailer);
    void finish(bool keepAlive);

    QPointer<HttpServerConnection> m_connection;
    QPointer<QTcpSocket> m_socket;
    Mode m_mode;
    bool m_streamKeepAlive = true;
    State m_state = State::Idle;
    int m_status = 0;
    ResponseHeaders m_extraHeaders;
};

} // namespace Drawbridge
