// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <functional>
#include <memory>
#include <optional>

#include "server/kiro/kiroerrorclassifier.h"
#include "server/kiro/kirofingerprint.h"
#include "server/kiroprovider/kirousagelimits.h"
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
class KiroAccountApi final
{
public:
    struct RefreshInput
    {
        QString authMethod; ///< "social" | "idc"
        QString refreshToken;
        QString clientId; ///< idc
        QString clientSecret; ///< idc
        QString authBaseUrl; ///< {social_auth_base_url} or {oidc_base_url}, already resolved for the account
        KiroFingerprint fingerprint;
    };

    struct Tokens
    {
        QString accessToken;
        QString refreshToken; ///< empty = not rotated; keep the old one
        QString profileArn; ///< empty = not returned
        qint64 expiresInS = 3600;
    };

    enum class Failure {
        None,
        Rejected, ///< the auth service refused the refresh token or client: the user must log in again
        Transient, ///< network trouble, 5xx, CloudFront 403, a garbled answer: try again later
    };

    struct RefreshResult
    {
        Failure failure = Failure::None;
        Tokens tokens; ///< when failure == None
        QString message; ///< why it failed; never contains secrets
        int httpStatus = 0;
    };

    struct UsageInput
    {
        QString apiBaseUrl;
        QString accessToken;
        QString profileArn; ///< sent only when non-empty (social accounts)
        KiroFingerprint fingerprint;
    };

    struct UsageResult
    {
        std::optional<KiroUsageLimits> limits; ///< set on success
        std::optional<KiroErrorClassification> httpError; ///< set when the upstream answered an error status
        QString message; ///< why it failed
    };

    /** Bodies of these calls are small; anything larger is not a real answer. */
    static constexpr qsizetype maxResponseBytes = 256 * 1024;

    explicit KiroAccountApi(HttpClient &http);

    /** Starts a refresh; @p done runs once, never from inside this call. Destroying the handle cancels it. */
    std::unique_ptr<HttpCall> refresh(const RefreshInput &input, std::function<void(RefreshResult)> done);
    std::unique_ptr<HttpCall> usageLimits(const UsageInput &input, std::function<void(UsageResult)> done);

    static HttpRequest refreshRequest(const RefreshInput &input);
    static RefreshResult readRefreshResponse(const HttpResponse &response);
    static HttpRequest usageLimitsRequest(const UsageInput &input);
    static UsageResult readUsageLimitsResponse(const HttpResponse &response);

private:
    HttpClient &m_http;
};

} // namespace Drawbridge
