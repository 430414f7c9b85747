// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <optional>

#include "httperror.h"
#include "httpheaders.h"

namespace Drawbridge {

/** A whole response, as HttpClient::fetch() delivers it. */
struct HttpResponse
{
    /** Set when the call failed; status and headers are then filled only if they had arrived. */
    std::optional<HttpError> error;
    int status = 0;
    HttpHeaders headers;
    QByteArray body;

    bool ok() const { return !error.has_value(); }
};

} // namespace Drawbridge
