// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>

#include <optional>

#include "server/core/apierror.h"

namespace Drawbridge {

/**
 * @brief One answer of an admin route: a JSON document with its status, or an ApiError.
 *
 * Errors stay typed until the gateway renders them (docs/api.md#errors), so the libraries that serve admin
 * routes never write an error body of their own.
 */
struct AdminReply
{
    int status = 200;
    QByteArray json; ///< the document when there is no error
    std::optional<ApiError> error;

    static AdminReply ok(int status, const QJsonObject &document);
    static AdminReply failure(ApiError error);
};

} // namespace Drawbridge
