// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QUrl>

#include "server/net/httpheaders.h"

namespace Drawbridge {

/** One request as HttpRequestParser framed it (RFC 9112): the head, and the whole body once complete. */
struct HttpServerRequest
{
    QByteArray method;
    QByteArray target; ///< the request-target as sent
    QString path; ///< the target's path, percent-decoded where safe (as QUrl::path())
    /** The target's authority for an absolute-form target, else the Host field; syntax already checked. */
    QByteArray authority;
    int minorVersion = 1; ///< HTTP/1.minorVersion
    /**
     * The fields in order, names as sent (look-ups ignore case), values without surrounding OWS. One block
     * and its spans, not a pair of byte arrays per field: SDKs send 15 to 20 fields with every request.
     */
    HttpHeaders headers;
    QByteArray bodyBytes;
    bool keepAlive = true; ///< what the client asked for (Connection, version)
    bool expectContinue = false;
    bool chunked = false;
    qint64 contentLength = 0; ///< announced length; -1 for chunked

    /** The first value of @p name (case-insensitive); null when absent. A view into `headers`. */
    QByteArrayView value(QByteArrayView name) const { return headers.value(name); }
    const QByteArray &body() const { return bodyBytes; }
    QUrl url() const;
    bool isHead() const { return method == "HEAD"; }
};

} // namespace Drawbridge
