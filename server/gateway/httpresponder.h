// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QPointer>
#include <QTcpSocket>

#include <utility>

namespace Drawbridge {

using ResponseHeaders = QList<std::pair<QByteArray, QByteArray>>;

/**
 * @brief Writes one HTTP/1.1 response straight to the client socket.
 *
 * Qt 6.4's QHttpServerResponder does no chunking and little else, so responses are serialized here: one write
 * for a complete response, or a chunked stream for SSE. The socket is held weakly: a client that went away
 * turns every later write into a no-op.
 */
class HttpResponder final
{
public:
    HttpResponder(QTcpSocket *socket, bool keepAlive);
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;

    /** Headers added to whatever is sent later (CORS, rate-limit headers). */
    void addHeader(const QByteArray &name, const QByteArray &value);

    void send(int status, const QByteArray &contentType, const QByteArray &body,
              const ResponseHeaders &headers = {});
    void sendJson(int status, const QByteArray &json, const ResponseHeaders &headers = {});

    /** Starts a chunked response. */
    void beginStream(int status, const QByteArray &contentType, const ResponseHeaders &headers = {});
    /** Writes one chunk; false when the client is gone or hopelessly behind (then the stream is aborted). */
    bool writeChunk(const QByteArray &data);
    void endStream();

    bool isConnected() const;
    bool hasResponded() const { return m_state != State::Idle; }
    bool isStreaming() const { return m_state == State::Streaming; }
    int status() const { return m_status; }
    QTcpSocket *socket() const { return m_socket.data(); }

    static QByteArray reasonPhrase(int status);

private:
    enum class State { Idle, Streaming, Done };
    void appendHead(QByteArray &out, int status, const QByteArray &contentType,
                    const ResponseHeaders &headers) const;
    void finishConnection();

    QPointer<QTcpSocket> m_socket;
    bool m_keepAlive;
    State m_state = State::Idle;
    int m_status = 0;
    ResponseHeaders m_extraHeaders;
};

} // namespace Drawbridge
