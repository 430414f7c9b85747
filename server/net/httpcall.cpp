// SPDX-License-Identifier: MIT
#include "httpcall.h"

#include "httpclient.h"
#include "httpresponsesink.h"

namespace Drawbridge {

HttpCall::HttpCall(HttpClient *client, HttpRequest &&request, HttpResponseSink *sink)
    : m_client(client), m_sink(sink), m_request(std::move(request))
{
}

HttpCall::~HttpCall()
{
    if (m_client)
        m_client->cancel(this);
}

void HttpCall::fail(HttpErrorKind kind, const QString &message)
{
    if (!m_client)
        return;
    m_client->cancel(this);
    m_client = nullptr;
    // Last statement: the sink may destroy this call.
    m_sink->onFailed(HttpError { kind, message });
}

} // namespace Drawbridge
