// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QTcpSocket>

#include <functional>

namespace Drawbridge::Test {

/** A parsed HTTP/1.1 response as a test sees it. */
struct RawResponse
{
    int status = 0;
    QMap<QByteArray, QByteArray> headers; ///< lower-case names
    QByteArray body; ///< de-chunked
    bool chunked = false;
    bool complete = false;
    QByteArray header(const char *name) const { return headers.value(QByteArray(name)); }
};

/**
 * @brief A byte-exact HTTP/1.1 client for tests: sends whatever headers a test wants (Host, Origin, …) over a
 * real socket and waits for the answer while the event loop (and the server under test) keeps running.
 */
class RawHttpClient final
{
public:
    explicit RawHttpClient(quint16 port);

    /** Builds and sends a request; Host defaults to 127.0.0.1:port, Content-Length is added for a body. */
    RawResponse request(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                        const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 10'000);
    /** Sends raw bytes on the connection and waits for one response. */
    RawResponse send(const QByteArray &raw, int timeoutMs = 10'000);
    /** Starts a request and returns once @p until says the partial response is far enough (for streams). */
    RawResponse startAndWait(const QByteArray &raw, const std::function<bool(const RawResponse &)> &until,
                             int timeoutMs = 10'000);
    /** Continues reading the response begun by startAndWait(). */
    RawResponse waitFor(const std::function<bool(const RawResponse &)> &until, int timeoutMs = 10'000);
    void close();
    bool isConnected() const;
    QTcpSocket &socket() { return m_socket; }

    static QByteArray build(const QByteArray &method, const QByteArray &path, quint16 port,
                            const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers);
    static bool parse(const QByteArray &data, RawResponse &out);

private:
    bool ensureConnected();
    quint16 m_port;
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

} // namespace Drawbridge::Test
