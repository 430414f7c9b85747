// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

#include "httpresponder.h"
#include "server/core/apierror.h"

namespace Drawbridge {

/**
 * @brief Local-server hardening: Host (DNS rebinding) and Origin (cross-site browser requests) checks, CORS.
 *
 * When bound to loopback, the Host header must name loopback (127.0.0.1, localhost, [::1]) or the bound
 * address: a rebinding page's requests carry its own host name. Binding elsewhere is the user's explicit
 * choice, so any Host is accepted then. A browser request (one with an Origin) is refused unless the origin
 * is listed in server.cors_origins or is the gateway's own origin.
 */
class RequestGuard final
{
public:
    RequestGuard(const QString &boundHost, const QStringList &corsOrigins);

    /** The port is known only after listening (it may be 0 in the config). */
    void setPort(int port) { m_port = port; }
    /** server.cors_origins changed while running (the desktop's settings apply live). */
    void setCorsOrigins(const QStringList &origins) { m_corsOrigins = origins; }

    /** An error when the request must be refused; otherwise the CORS headers to add (possibly none). */
    std::optional<ApiError> check(const QByteArray &host, const QByteArray &origin,
                                  ResponseHeaders &corsHeaders) const;

    /** Answers a CORS preflight; the status and headers to send. */
    struct Preflight
    {
        int status;
        ResponseHeaders headers;
    };
    Preflight preflight(const QByteArray &host, const QByteArray &origin,
                        const QByteArray &requestHeaders) const;

    bool hostAllowed(const QByteArray &host) const;
    bool originAllowed(const QByteArray &origin) const;

private:
    QString m_boundHost;
    bool m_loopbackOnly;
    QStringList m_corsOrigins;
    int m_port = 0;
};

} // namespace Drawbridge
