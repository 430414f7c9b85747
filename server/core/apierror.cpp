// SPDX-License-Identifier: MIT
#include "apierror.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "jsonescape.h"

namespace Drawbridge {

ApiErrorInfo apiErrorInfo(ApiErrorKind kind)
{
    switch (kind) {
    case ApiErrorKind::InvalidApiKey:
        return { 401, "authentication_error", "invalid_api_key" };
    case ApiErrorKind::KeyRevoked:
        return { 401, "authentication_error", "key_revoked" };
    case ApiErrorKind::KeyExpired:
        return { 401, "authentication_error", "key_expired" };
    case ApiErrorKind::InvalidAdminToken:
        return { 401, "authentication_error", "invalid_admin_token" };
    case ApiErrorKind::ModelNotAllowed:
        return { 403, "permission_error", "model_not_allowed" };
    case ApiErrorKind::OriginNotAllowed:
        return { 403, "permission_error", "origin_not_allowed" };
    case ApiErrorKind::HostNotAllowed:
        return { 403, "permission_error", "host_not_allowed" };
    case ApiErrorKind::RouteNotFound:
        return { 404, "not_found_error", "not_found" };
    case ApiErrorKind::ModelNotFound:
        return { 404, "not_found_error", "model_not_found" };
    case ApiErrorKind::ResourceNotFound:
        return { 404, "not_found_error", "not_found" };
    case ApiErrorKind::MethodNotAllowed:
        return { 405, "invalid_request_error", "method_not_allowed" };
    case ApiErrorKind::PayloadTooLarge:
        return { 413, "invalid_request_error", "request_too_large" };
    case ApiErrorKind::InvalidJson:
        return { 400, "invalid_request_error", "invalid_json" };
    case ApiErrorKind::InvalidRequest:
        return { 400, "invalid_request_error", nullptr };
    case ApiErrorKind::UnsupportedParameter:
        return { 400, "invalid_request_error", "unsupported_parameter" };
    case ApiErrorKind::InvalidRefreshToken:
        return { 400, "invalid_request_error", "invalid_refresh_token" };
    case ApiErrorKind::ImportFailed:
        return { 400, "invalid_request_error", "import_failed" };
    case ApiErrorKind::ContextTooLong:
        return { 400, "invalid_request_error", "context_length_exceeded" };
    case ApiErrorKind::RateLimited:
        return { 429, "rate_limit_error", "rate_limit_exceeded" };
    case ApiErrorKind::PoolBusy:
        return { 429, "rate_limit_error", "pool_busy" };
    case ApiErrorKind::UpstreamError:
        return { 502, "server_error", "upstream_error" };
    case ApiErrorKind::UpstreamTimeout:
        return { 504, "server_error", "upstream_timeout" };
    case ApiErrorKind::Draining:
        return { 503, "server_error", "draining" };
    case ApiErrorKind::NoUpstream:
        return { 503, "server_error", "no_upstream_available" };
    case ApiErrorKind::SecretStoreUnavailable:
        return { 503, "server_error", "secret_store_unavailable" };
    case ApiErrorKind::Internal:
        break;
    }
    return { 500, "server_error", "internal_error" };
}

QByteArray openAiErrorBody(const ApiError &error)
{
    const ApiErrorInfo info = apiErrorInfo(error.kind);
    QJsonObject e;
    e.insert(QLatin1String("message"), error.message);
    e.insert(QLatin1String("type"), QLatin1String(info.type));
    e.insert(QLatin1String("param"),
             error.param.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(error.param));
    e.insert(QLatin1String("code"),
             info.code ? QJsonValue(QLatin1String(info.code)) : QJsonValue(QJsonValue::Null));
    return QJsonDocument(QJsonObject { { QLatin1String("error"), e } }).toJson(QJsonDocument::Compact);
}

AnthropicErrorInfo anthropicErrorInfo(ApiErrorKind kind)
{
    switch (kind) {
    case ApiErrorKind::InvalidApiKey:
    case ApiErrorKind::KeyRevoked:
    case ApiErrorKind::KeyExpired:
    case ApiErrorKind::InvalidAdminToken:
        return { 401, "authentication_error" };
    case ApiErrorKind::ModelNotAllowed:
    case ApiErrorKind::OriginNotAllowed:
    case ApiErrorKind::HostNotAllowed:
        return { 403, "permission_error" };
    case ApiErrorKind::RouteNotFound:
    case ApiErrorKind::ModelNotFound:
    case ApiErrorKind::ResourceNotFound:
        return { 404, "not_found_error" };
    case ApiErrorKind::MethodNotAllowed:
        return { 405, "invalid_request_error" };
    case ApiErrorKind::PayloadTooLarge:
        return { 413, "request_too_large" };
    case ApiErrorKind::InvalidJson:
    case ApiErrorKind::InvalidRequest:
    case ApiErrorKind::UnsupportedParameter:
    case ApiErrorKind::InvalidRefreshToken:
    case ApiErrorKind::ImportFailed:
    case ApiErrorKind::ContextTooLong:
        return { 400, "invalid_request_error" };
    case ApiErrorKind::RateLimited:
        return { 429, "rate_limit_error" };
    case ApiErrorKind::PoolBusy:
    case ApiErrorKind::Draining:
    case ApiErrorKind::NoUpstream:
        return { 529, "overloaded_error" };
    case ApiErrorKind::UpstreamError:
        return { 502, "api_error" };
    case ApiErrorKind::UpstreamTimeout:
        return { 504, "api_error" };
    case ApiErrorKind::SecretStoreUnavailable:
        return { 503, "api_error" };
    case ApiErrorKind::Internal:
        break;
    }
    return { 500, "api_error" };
}

QByteArray anthropicErrorBody(const ApiError &error)
{
    // Built by hand to keep Anthropic's key order (type first); also sent in-band as a stream's error event.
    QByteArray out("{\"type\":\"error\",\"error\":{\"type\":\"");
    out += anthropicErrorInfo(error.kind).type;
    out += "\",\"message\":";
    appendJsonString(out, QStringView(error.message));
    out += "}}";
    return out;
}

} // namespace Drawbridge
