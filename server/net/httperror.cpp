// SPDX-License-Identifier: MIT
#include "httperror.h"

namespace Drawbridge {

QString httpErrorKindName(HttpErrorKind kind)
{
    switch (kind) {
    case HttpErrorKind::ConnectFailed:
        return QStringLiteral("ConnectFailed");
    case HttpErrorKind::Timeout:
        return QStringLiteral("Timeout");
    case HttpErrorKind::ConnectionClosed:
        return QStringLiteral("ConnectionClosed");
    case HttpErrorKind::Protocol:
        return QStringLiteral("Protocol");
    case HttpErrorKind::Ssl:
        return QStringLiteral("Ssl");
    case HttpErrorKind::Aborted:
        return QStringLiteral("Aborted");
    case HttpErrorKind::InvalidRequest:
        return QStringLiteral("InvalidRequest");
    case HttpErrorKind::QueueFull:
        return QStringLiteral("QueueFull");
    case HttpErrorKind::ResponseTooLarge:
        return QStringLiteral("ResponseTooLarge");
    }
    return QStringLiteral("Unknown");
}

} // namespace Drawbridge
