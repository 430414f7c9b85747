// SPDX-License-Identifier: MIT
#pragma once

#include <functional>

#include "httpresponse.h"
#include "httpresponsesink.h"

namespace Drawbridge {

class HttpCall;

/** Internal to HttpClient::fetch(): gathers a bounded body and reports the whole response once. */
class HttpBodyCollector final : public HttpResponseSink
{
public:
    HttpBodyCollector(qsizetype maxBodyBytes, std::function<void(HttpResponse)> done);
    Q_DISABLE_COPY_MOVE(HttpBodyCollector)

    void setCall(HttpCall *call) { m_call = call; }

    void onHeaders(int status, const HttpHeaders &headers) override;
    void onData(const char *data, qsizetype size) override;
    void onFinished() override;
    void onFailed(const HttpError &error) override;

private:
    void deliver();

    HttpCall *m_call = nullptr;
    qsizetype m_maxBodyBytes;
    std::function<void(HttpResponse)> m_done;
    HttpResponse m_response;
};

} // namespace Drawbridge
