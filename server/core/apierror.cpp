// SPDX-License-Identifier: MIT
#include "apierror.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Drawbridge {

ApiErrorInfo apiErrorInfo(ApiErrorKind kind)
{
    switch (kind) {
    case ApiErrorKind::InvalidApiKey:
        return {401, "authentication_error", "invalid_api_key"};
    case ApiErrorKind::KeyRevoked:
        return {401, "authentication_error", "key_revoked"};
    case ApiErrorKind::KeyExpired:
        return {401, "authentication_error", "key_expired"};
    case ApiErrorKind::InvalidAdminToken:
        return {401, "authentication_error", "invalid_admin_token"};
    case ApiErrorKind::ModelNotAllowed:
        return {403, "permission_error", "model_not_allowed"};
    case ApiErrorKind::OriginNotAllowed:
        return {403, "permission_error", "origin_not_allowed"};
    case ApiErrorKind::HostNotAllowed:
        return {403, "permission_error", "host_not_allowed"};
    case ApiErrorKind::RouteNotFound:
        return {404, "not_found_error", "not_found"};
    case ApiErrorKind::ModelNotFound:
        return {404, "not_found_error", "model_not_found"};
    case ApiErrorKind::ResourceNotFound:
        return {404, "not_found_error", "not_found"};
    case ApiErrorKind::MethodNotAllowed:
        return {405, "invalid_request_error", "method_not_allowed"};
    case ApiErrorKind::PayloadTooLarge:
        return {413, "invalid_request_error", "request_too_large"};
    case ApiErrorKind::InvalidJson:
        return {400, "invalid_request_error", "invalid_json"};
    case ApiErrorKind::InvalidRequest:
        return {400, "invalid_request_error", nullptr};
    case ApiErrorKind::ContextTooLong:
        return {400, "invalid_request_error", "context_length_exceeded"};
    case ApiErrorKind::RateLimited:
        return {429, "rate_limit_error", "rate_limit_exceeded"};
    case ApiErrorKind::PoolBusy:
        return {429, "rate_limit_error", "pool_busy"};
    case ApiErrorKind::UpstreamError:
        return {502, "server_error", "upstream_error"};
    case ApiErrorKind::UpstreamTimeout:
        return {504, "server_error", "upstream_timeout"};
    case ApiErrorKind::Draining:
        return {503, "server_error", "draining"};
    case ApiErrorKind::NoUpstream:
        return {503, "server_error", "no_upstream_available"};
    case ApiErrorKind::Internal:
        break;
    }
    return {500, "server_error", "internal_error"};
}

QByteArray openAiErrorBody(const ApiError &error)
{
    const ApiErrorInfo info = apiErrorInfo(error.kind);
    QJsonObject e;
    e.insert(QLatin1String("message"), error.message);
    e.insert(QLatin1String("type"), QLatin1String(info.type));
    e.insert(QLatin1String("param"), error.param.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(error.param));
    e.insert(QLatin1String("code"), info.code ? QJsonValue(QLatin1String(info.code)) : QJsonValue(QJsonValue::Null));
    return QJsonDocument(QJsonObject{{QLatin1String("error"), e}}).toJson(QJsonDocument::Compact);
}

} // namespace Drawbridge
