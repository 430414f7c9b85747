// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

namespace Drawbridge {

class HttpResponder;
struct HttpServerRequest;

/** What an HttpServerConnection hands complete requests to (the gateway). */
class HttpRequestHandler
{
public:
    virtual ~HttpRequestHandler() = default;

    /**
     * One complete request; answer it through @p responder, now or later. @p request lives until this
     * returns; the connection reads nothing more until the response is complete.
     */
    virtual void handleRequest(const HttpServerRequest &request,
                               const std::shared_ptr<HttpResponder> &responder)
        = 0;

    struct Refusal
    {
        int status;
        QByteArray json;
    };
    /**
     * Asked before answering `Expect: 100-continue`: a refusal is sent instead of 100 and the body is never
     * read (the connection then closes).
     */
    virtual std::optional<Refusal> refuseHead(const HttpServerRequest &head) const = 0;

    /** The JSON body of an error the connection answers itself (framing, limits, timeouts). */
    virtual QByteArray protocolErrorBody(const QString &path, int status, const QString &message) const = 0;
};

} // namespace Drawbridge
