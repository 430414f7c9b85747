// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include "httperror.h"
#include "httpheaders.h"

namespace Drawbridge {

/**
 * @brief Receives one response as it arrives.
 *
 * Order: onHeaders at most once, then onData any number of times, then exactly one of onFinished or
 * onFailed (onFailed may come without onHeaders, or after some data). Nothing is called from inside
 * HttpClient::send(), and nothing after the HttpCall handle is destroyed. A sink may destroy the handle,
 * or start new requests on the same client, from inside any callback.
 */
class HttpResponseSink
{
public:
    virtual ~HttpResponseSink() = default;
    /** Status and headers of the final response; 1xx interim responses are skipped. */
    virtual void onHeaders(int status, const HttpHeaders &headers) = 0;
    /** A piece of the de-chunked body; the bytes are only valid during the call. */
    virtual void onData(const char *data, qsizetype size) = 0;
    virtual void onFinished() = 0;
    virtual void onFailed(const HttpError &error) = 0;
};

} // namespace Drawbridge
