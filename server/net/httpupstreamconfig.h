// SPDX-License-Identifier: MIT
#pragma once

#include <QNetworkProxy>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include "server/core/result.h"

namespace Drawbridge {

struct HttpClientOptions;

/**
 * @brief Turns the upstream settings kiro.ca_file and kiro.proxy into HttpClientOptions.
 *
 * Errors are one line and name the setting (or the environment variable) they come from.
 */
class HttpUpstreamConfig final
{
public:
    /** Trusts the PEM certificates in @p path in addition to the system CAs. */
    static Status addCaFile(HttpClientOptions &options, const QString &path, const QString &key);
    /**
     * @p proxy "http://host:port" proxies every call; "" takes HTTPS_PROXY / https_proxy (https origins),
     * http_proxy / HTTP_PROXY (plain http origins) and NO_PROXY / no_proxy from @p env, as curl does.
     */
    static Status setProxy(HttpClientOptions &options, const QString &proxy, const QProcessEnvironment &env,
                           const QString &key);
    /** The proxy a connection to @p host : @p port uses (NoProxy = direct). */
    static QNetworkProxy proxyFor(const HttpClientOptions &options, const QString &host, int port, bool tls);
    /** True when @p noProxy (NO_PROXY syntax) exempts @p host : @p port. */
    static bool bypasses(const QStringList &noProxy, const QString &host, int port);
    /** Parses "http://[user:password@]host:port" (also "host:port"; "socks5://" when @p allowSocks). */
    static Result<QNetworkProxy> parseProxy(const QString &url, const QString &origin, bool allowSocks);
};

} // namespace Drawbridge
