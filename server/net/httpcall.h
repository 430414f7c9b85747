// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <list>
#include <memory>

#include "httperror.h"
#include "httprequest.h"

namespace Drawbridge {

class HttpClient;
class HttpConnection;
class HttpResponseSink;
struct HttpHostPool;

/**
 * @brief Handle of one running request, returned by HttpClient::send() and fetch().
 *
 * Destroying it aborts the request at once: no callback follows, and a connection that was carrying the
 * request is closed rather than pooled (its state is unknown). Destroying it after the terminal callback
 * is free. It may be destroyed from inside any callback of its own sink. It must not outlive its client
 * unless the client has been destroyed first, in which case destroying it is a no-op.
 */
class HttpCall final
{
public:
    ~HttpCall();
    Q_DISABLE_COPY_MOVE(HttpCall)

private:
    friend class HttpClient;
    friend class HttpConnection;
    friend class HttpBodyCollector;

    HttpCall(HttpClient *client, HttpRequest &&request, HttpResponseSink *sink);

    /** Ends the call now with @p error, delivered synchronously; for sinks that give up on a response. */
    void fail(HttpErrorKind kind, const QString &message);

    HttpClient *m_client;
    HttpResponseSink *m_sink;
    std::unique_ptr<HttpResponseSink> m_ownedSink; ///< fetch()'s collector
    HttpRequest m_request; ///< body is dropped once response bytes arrive
    QByteArray m_target; ///< request-target: path and query, encoded
    HttpHostPool *m_pool = nullptr;
    HttpConnection *m_connection = nullptr;
    std::list<HttpCall *>::iterator m_waitPosition;
    bool m_waiting = false;
    bool m_deferred = false; ///< queued to fail from the event loop with m_deferredError
    bool m_retried = false;
    bool m_headRequest = false;
    bool m_wantsClose = false;
    HttpError m_deferredError;
    quint64 m_sequence = 0;
    qint64 m_startNs = 0;
    qint64 m_totalDeadlineNs = 0; ///< absolute; INT64_MAX when there is none
};

} // namespace Drawbridge
