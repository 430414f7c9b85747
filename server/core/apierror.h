// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace Drawbridge {

/** Every failure the gateway answers with; mapped to HTTP once (OpenAI shape here, Anthropic shape
 * elsewhere). */
enum class ApiErrorKind {
    InvalidApiKey,
    KeyRevoked,
    KeyExpired,
    InvalidAdminToken,
    ModelNotAllowed,
    OriginNotAllowed,
    HostNotAllowed,
    RouteNotFound,
    ModelNotFound,
    ResourceNotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    InvalidJson,
    InvalidRequest,
    UnsupportedParameter, ///< a parameter the gateway cannot honour (e.g. state it does not keep)
    InvalidRefreshToken, ///< admin: the auth service refused an account's credentials
    ImportFailed, ///< admin: the Kiro IDE token file is missing, unreadable or incomplete
    ContextTooLong,
    RateLimited,
    PoolBusy,
    UpstreamError,
    UpstreamTimeout,
    Draining,
    NoUpstream,
    SecretStoreUnavailable, ///< admin: the OS keychain refused to store secrets
    Internal,
};

struct ApiError
{
    ApiErrorKind kind = ApiErrorKind::Internal;
    QString message;
    QString param; ///< the offending request field, when there is one
    int retryAfterS = 0; ///< adds Retry-After when > 0
};

/** Status, OpenAI `type` and `code` of an error kind (docs/api.md#errors). */
struct ApiErrorInfo
{
    int status;
    const char *type;
    const char *code; ///< nullptr = JSON null
};

ApiErrorInfo apiErrorInfo(ApiErrorKind kind);

/** `{"error":{"message","type","param","code"}}` */
QByteArray openAiErrorBody(const ApiError &error);

/** Status and `error.type` of an error kind in the Anthropic Messages API (docs/api.md#errors). */
struct AnthropicErrorInfo
{
    int status;
    const char *type;
};

/** As apiErrorInfo(), but a busy or unusable pool and draining are 529 `overloaded_error`. */
AnthropicErrorInfo anthropicErrorInfo(ApiErrorKind kind);

/** `{"type":"error","error":{"type","message"}}` */
QByteArray anthropicErrorBody(const ApiError &error);

} // namespace Drawbridge
