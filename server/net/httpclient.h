// SPDX-License-Identifier: MIT
#pragma once

#include <QBasicTimer>
#include <QObject>

#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

#include "httpcall.h"
#include "httpclientoptions.h"
#include "httperror.h"
#include "httphostpool.h"
#include "httprequest.h"
#include "httpresponse.h"
#include "httpresponsesink.h"

namespace Drawbridge {

/**
 * @brief Pooled keep-alive HTTP/1.1 client on QTcpSocket (TLS through OpenSSL: TlsChannel), driven by the
 * caller's event loop.
 *
 * Connections are pooled per scheme+host+port and HttpRequest::partition, and reused most-recently-idle
 * first; TLS sessions are kept per pool too, so nothing links requests of different partitions. At most
 * maxConnectionsPerHost are open per pool; further calls wait in a bounded FIFO. At most maxIdlePerHost
 * connections of one origin stay idle, whatever their partitions. A call that fails on a
 * reused connection before any response byte arrived (the server closed an idle keep-alive connection as
 * the request went out) is retried once on a fresh connection.
 *
 * Typical use, from a class that implements HttpResponseSink and keeps the handle:
 * @code
 * HttpRequest request;
 * request.method = "POST";
 * request.url = QUrl(QStringLiteral("https://q.us-east-1.amazonaws.com/generateAssistantResponse"));
 * request.headers.append("Content-Type", "application/json");
 * request.body = std::move(json);              // moved, never copied
 * request.timeouts.idleReadMs = 120'000;
 * m_call = m_client.send(std::move(request), this); // m_call.reset() aborts
 * @endcode
 *
 * Everything happens in the thread that owns the client; no thread is started. The client must not be
 * destroyed from inside one of its callbacks (use deleteLater()). Destroying it ends every call silently.
 */
class TlsContext;

class HttpClient final : public QObject
{
public:
    explicit HttpClient(HttpClientOptions options = {}, QObject *parent = nullptr);
    ~HttpClient() override;
    Q_DISABLE_COPY_MOVE(HttpClient)

    /**
     * Starts @p request; events go to @p sink, which must outlive the returned handle or the terminal
     * callback, whichever comes first. Never calls the sink before returning.
     */
    std::unique_ptr<HttpCall> send(HttpRequest request, HttpResponseSink *sink);

    /**
     * Starts @p request and calls @p done once with the whole response. A body longer than
     * @p maxBodyBytes ends the call with ResponseTooLarge (and closes its connection).
     */
    std::unique_ptr<HttpCall> fetch(HttpRequest request, qsizetype maxBodyBytes,
                                    std::function<void(HttpResponse)> done);

    /** Fails every running or waiting call with Aborted, synchronously. Idle connections stay pooled. */
    void abortAll();
    /** Closes every pooled idle connection (e.g. after the upstream's address changed). */
    void closeIdleConnections();

    const HttpClientOptions &options() const { return m_options; }
    /** Open connections of all origins, including idle and connecting ones. */
    int openConnectionCount() const;
    int idleConnectionCount() const;
    int waitingCallCount() const;
    /** Socket reads that returned response bytes, over the client's life: a trickled answer takes many. */
    quint64 responseReadCount() const { return m_responseReads; }

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class HttpCall;
    friend class HttpConnection;

    struct PoolKeyHash
    {
        size_t operator()(const HttpPoolKey &key) const noexcept { return qHash(key); }
    };

    /** Monotonic clock shared by all deadlines of the client and its connections. */
    static qint64 nowNs();
    static qint64 deadlineAfter(qint64 fromNs, int ms);

    HttpHostPool *poolFor(const HttpPoolKey &key, const QUrl &url);
    void dispatch(HttpCall *call);
    void openConnection(HttpHostPool *pool, HttpCall *call, qint64 connectDeadlineNs);
    void cancel(HttpCall *call);
    void deferFailure(HttpCall *call, HttpErrorKind kind, const QString &message);
    void flushDeferred();
    void expireWaiters();
    void armWaitTimer(qint64 deadlineNs);
    void serveWaiters(HttpHostPool *pool);
    void removeConnection(HttpConnection *connection);

    // Called by HttpConnection.
    void connectionIdle(HttpConnection *connection);
    void dropConnection(HttpConnection *connection);
    void retryOnFreshConnection(HttpCall *call, HttpConnection *failed);
    /** The TLS context of this client's HTTPS connections, made at first use; null (@p error) if it fails. */
    const TlsContext *tlsContext(QString &error);

    HttpClientOptions m_options;
    std::unique_ptr<TlsContext> m_tlsContext;
    std::unordered_map<HttpPoolKey, std::unique_ptr<HttpHostPool>, PoolKeyHash> m_pools;
    std::deque<HttpCall *> m_deferred; ///< calls to fail from the event loop, never from inside send()
    QBasicTimer m_deferTimer;
    QBasicTimer m_waitTimer;
    qint64 m_waitTimerDeadlineNs = 0;
    quint64 m_sequence = 0;
    quint64 m_responseReads = 0;
    // The last URL sent to and what send() derived from it: calls mostly go to one URL, and comparing it
    // costs a fraction of taking it apart again (scheme, host, port, encoded target).
    QUrl m_lastUrl;
    HttpHostPool *m_lastPool = nullptr; ///< pools live as long as the client
    QByteArray m_lastTarget;
};

} // namespace Drawbridge
