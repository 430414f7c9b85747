// SPDX-License-Identifier: MIT
#include "adminreply.h"

#include <QJsonDocument>

namespace Drawbridge {

AdminReply AdminReply::ok(int status, const QJsonObject &document)
{
    return AdminReply { status, QJsonDocument(document).toJson(QJsonDocument::Compact), std::nullopt };
}

AdminReply AdminReply::failure(ApiError error)
{
    // The status follows the error kind; it is kept here too so callers and tests can read it without
    // knowing the rendering.
    const int status = apiErrorInfo(error.kind).status;
    return AdminReply { status, {}, std::move(error) };
}

} // namespace Drawbridge
