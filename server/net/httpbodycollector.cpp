// SPDX-License-Identifier: MIT
#include "httpbodycollector.h"

#include "httpcall.h"

namespace Drawbridge {

HttpBodyCollector::HttpBodyCollector(qsizetype maxBodyBytes, std::function<void(HttpResponse)> done)
    : m_maxBodyBytes(maxBodyBytes), m_done(std::move(done))
{
}

void HttpBodyCollector::onHeaders(int status, const HttpHeaders &headers)
{
    m_response.status = status;
    m_response.headers = headers;
    // Size the body once when the length is announced and allowed, instead of growing it piece by piece.
    bool ok = false;
    const qlonglong length = headers.value("content-length").toByteArray().toLongLong(&ok);
    if (ok && length > 0 && length <= m_maxBodyBytes)
        m_response.body.reserve(qsizetype(length));
}

void HttpBodyCollector::onData(const char *data, qsizetype size)
{
    if (size > m_maxBodyBytes - m_response.body.size()) {
        // Last statement: failing delivers to us, and the callback may destroy the call and us with it.
        m_call->fail(HttpErrorKind::ResponseTooLarge,
                     QStringLiteral("response body exceeds %1 bytes").arg(m_maxBodyBytes));
        return;
    }
    m_response.body.append(data, size);
}

void HttpBodyCollector::onFinished()
{
    deliver();
}

void HttpBodyCollector::onFailed(const HttpError &error)
{
    m_response.error = error;
    deliver();
}

void HttpBodyCollector::deliver()
{
    // Move everything out first: the callback may destroy the call, which owns this collector.
    std::function<void(HttpResponse)> done = std::move(m_done);
    HttpResponse response = std::move(m_response);
    done(std::move(response));
}

} // namespace Drawbridge
