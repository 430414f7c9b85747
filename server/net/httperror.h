// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Drawbridge {

/** Closed set of ways an upstream HTTP call can fail. */
enum class HttpErrorKind {
    ConnectFailed, ///< name lookup, refused or unreachable: the request was not sent
    Timeout, ///< a connect, headers, idle-read or total deadline passed
    ConnectionClosed, ///< the peer closed or reset the connection before the response was complete
    Protocol, ///< the response is not valid HTTP/1.x or exceeds a size bound
    Ssl, ///< TLS handshake or certificate verification failed
    Aborted, ///< HttpClient::abortAll() ended the call
    InvalidRequest, ///< unusable URL, method or header bytes: nothing was sent
    QueueFull, ///< the per-host connection cap is reached and the wait list is full
    ResponseTooLarge, ///< HttpClient::fetch(): the body exceeded the caller's bound
};

struct HttpError
{
    HttpErrorKind kind = HttpErrorKind::Protocol;
    QString message;
};

/** Stable English name of @p kind ("Timeout"), for logs and test output. */
QString httpErrorKindName(HttpErrorKind kind);

} // namespace Drawbridge
