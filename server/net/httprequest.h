// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QUrl>

#include "httpheaders.h"

namespace Drawbridge {

/** Deadlines of one call, in milliseconds; 0 disables one. */
struct HttpTimeouts
{
    int connectMs = 10'000; ///< waiting for a pool slot, TCP connect and TLS handshake
    int headersMs = 60'000; ///< from the request being sent to the complete response headers
    int idleReadMs = 60'000; ///< longest silence between two pieces of the body
    int totalMs = 0; ///< the whole call, from send() to the last body byte
};

/** One request; moved into HttpClient::send(), so the body is never copied. */
struct HttpRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url; ///< http or https
    /**
     * Sent as given, in order. Host is added unless present; Content-Length is always computed from body,
     * so neither it nor Transfer-Encoding may be set. "Connection: close" is honoured.
     */
    HttpHeaders headers;
    QByteArray body;
    HttpTimeouts timeouts;
    /**
     * Requests share connections and TLS sessions only within one partition (and origin). A server can link
     * the requests a connection carries, and the connections that resume one TLS session; callers that must
     * not be linked to each other give each its own partition (Kiro: one per account, its machine id).
     * Empty is a partition too.
     */
    QByteArray partition;
};

} // namespace Drawbridge
