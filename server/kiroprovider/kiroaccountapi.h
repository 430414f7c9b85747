// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <functional>
#include <memory>

#include "server/kiroprovider/kiroaccountupstream.h"
#include "server/net/httprequest.h"
#include "server/net/httpresponse.h"

namespace Drawbridge {

class HttpCall;
class HttpClient;

/**
 * @brief The small JSON calls one Kiro account makes besides chat: token refresh (social and IdC) and
 * getUsageLimits (protocol §1.2, §1.3, §5.1).
 *
 * Stateless apart from the HTTP client; request building and response reading are static so they can be
 * checked without a network. Nothing here logs, because every request and most responses carry secrets.
 */
class KiroAccountApi final : public KiroAccountUpstream
{
public:
    /** Bodies of these calls are small; anything larger is not a real answer. */
    static constexpr qsizetype maxResponseBytes = 256 * 1024;

    explicit KiroAccountApi(HttpClient &http);

    /** Starts a refresh; @p done runs once, never from inside this call. Destroying the handle cancels it. */
    std::unique_ptr<KiroPendingCall> refresh(const RefreshInput &input,
                                             std::function<void(RefreshResult)> done) override;
    std::unique_ptr<KiroPendingCall> usageLimits(const UsageInput &input,
                                                 std::function<void(UsageResult)> done) override;
    std::unique_ptr<KiroPendingCall> listAvailableModels(const ModelsInput &input,
                                                         std::function<void(ModelsResult)> done) override;

    static HttpRequest refreshRequest(const RefreshInput &input);
    static RefreshResult readRefreshResponse(const HttpResponse &response);
    static HttpRequest usageLimitsRequest(const UsageInput &input);
    static UsageResult readUsageLimitsResponse(const HttpResponse &response);
    static HttpRequest listAvailableModelsRequest(const ModelsInput &input);
    static ModelsResult readListAvailableModelsResponse(const HttpResponse &response);

private:
    HttpClient &m_http;
};

} // namespace Drawbridge
