// SPDX-License-Identifier: MIT
#include "requestguard.h"

#include <QHostAddress>

namespace Drawbridge {

namespace {

bool isLoopbackName(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    QHostAddress a;
    return a.setAddress(host) && a.isLoopback();
}

bool isPort(const QString &p)
{
    if (p.isEmpty() || p.size() > 5)
        return false;
    for (const QChar c : p) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return p.toInt() <= 65535;
}

/** Splits "host[:port]" / "[v6][:port]" into the host part; empty on anything else (e.g. "h:80.evil"). */
QString hostPart(const QByteArray &hostHeader)
{
    const QString h = QString::fromLatin1(hostHeader).trimmed();
    if (h.startsWith(u'[')) {
        const qsizetype end = h.indexOf(u']');
        if (end <= 1)
            return {};
        const QString rest = h.mid(end + 1);
        if (!rest.isEmpty() && !(rest.startsWith(u':') && isPort(rest.mid(1))))
            return {};
        return h.mid(1, end - 1);
    }
    const qsizetype colon = h.indexOf(u':');
    if (colon < 0)
        return h;
    return isPort(h.mid(colon + 1)) ? h.left(colon) : QString();
}

} // namespace

RequestGuard::RequestGuard(const QString &boundHost, const QStringList &corsOrigins)
    : m_boundHost(boundHost), m_loopbackOnly(isLoopbackName(boundHost)), m_corsOrigins(corsOrigins)
{
}

bool RequestGuard::hostAllowed(const QByteArray &host) const
{
    if (!m_loopbackOnly)
        return true;
    // HTTP/1.1 requires Host; a request without it cannot come from a browser page, but refuse it anyway.
    const QString name = hostPart(host);
    if (name.isEmpty())
        return false;
    return isLoopbackName(name) || name.compare(m_boundHost, Qt::CaseInsensitive) == 0;
}

bool RequestGuard::originAllowed(const QByteArray &origin) const
{
    const QString o = QString::fromLatin1(origin).trimmed();
    if (m_corsOrigins.contains(o))
        return true;
    // The gateway's own origin (e.g. a page it served itself) is same-origin, not cross-site.
    if (m_port > 0) {
        for (const QString &self :
             { QStringLiteral("http://127.0.0.1:%1"), QStringLiteral("http://localhost:%1"),
               QStringLiteral("http://[::1]:%1") }) {
            if (o == self.arg(m_port))
                return true;
        }
    }
    return false;
}

std::optional<ApiError> RequestGuard::check(const QByteArray &host, const QByteArray &origin,
                                            ResponseHeaders &corsHeaders) const
{
    if (!hostAllowed(host))
        return ApiError {
            ApiErrorKind::HostNotAllowed,
            QStringLiteral(
                "Host header not allowed; Drawbridge only answers requests addressed to localhost")
        };
    if (origin.isEmpty())
        return std::nullopt;
    if (!originAllowed(origin))
        return ApiError {
            ApiErrorKind::OriginNotAllowed,
            QStringLiteral(
                "Origin not allowed; add it to server.cors_origins to let a web page call Drawbridge")
        };
    corsHeaders.append({ QByteArrayLiteral("Access-Control-Allow-Origin"), origin });
    corsHeaders.append({ QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") });
    corsHeaders.append(
        { QByteArrayLiteral("Access-Control-Expose-Headers"),
          QByteArrayLiteral(
              "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Request-Id") });
    return std::nullopt;
}

RequestGuard::Preflight RequestGuard::preflight(const QByteArray &host, const QByteArray &origin,
                                                const QByteArray &requestHeaders) const
{
    if (!hostAllowed(host) || origin.isEmpty() || !originAllowed(origin))
        return { 403, {} };
    ResponseHeaders h;
    h.append({ QByteArrayLiteral("Access-Control-Allow-Origin"), origin });
    h.append({ QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") });
    h.append({ QByteArrayLiteral("Access-Control-Allow-Methods"),
               QByteArrayLiteral("GET, POST, PATCH, DELETE, OPTIONS") });
    // SDKs send many custom headers (x-stainless-*, anthropic-version); allow what the browser asks for.
    h.append({ QByteArrayLiteral("Access-Control-Allow-Headers"),
               requestHeaders.isEmpty() ? QByteArrayLiteral("authorization, content-type, x-api-key")
                                        : requestHeaders });
    h.append({ QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600") });
    return { 204, h };
}

} // namespace Drawbridge
