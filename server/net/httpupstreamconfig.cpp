// SPDX-License-Identifier: MIT
#include "httpupstreamconfig.h"

#include <QFile>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QUrl>

#include "httpclientoptions.h"

namespace Drawbridge {

Status HttpUpstreamConfig::addCaFile(HttpClientOptions &options, const QString &path, const QString &key)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error { QStringLiteral("%1: cannot read %2: %3").arg(key, path, file.errorString()) };
    const QList<QSslCertificate> extra = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (extra.isEmpty())
        return Error { QStringLiteral("%1: %2 holds no PEM certificate").arg(key, path) };
    QSslConfiguration ssl = options.sslConfiguration.value_or(QSslConfiguration::defaultConfiguration());
    // Setting any CA list turns off Qt's on-demand loading of the system roots, so they are listed
    // explicitly.
    ssl.setCaCertificates(QSslConfiguration::systemCaCertificates() + extra);
    options.sslConfiguration = ssl;
    return Ok {};
}

Result<QNetworkProxy> HttpUpstreamConfig::parseProxy(const QString &text, const QString &origin,
                                                     bool allowSocks)
{
    QString value = text.trimmed();
    if (!value.contains(QStringLiteral("://")))
        value.prepend(QStringLiteral("http://")); // curl reads a bare host:port as an HTTP proxy
    const QUrl url(value, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    const bool socks = scheme == QStringLiteral("socks5") || scheme == QStringLiteral("socks5h");
    // Credentials are never echoed back.
    const QString shape = allowSocks ? QStringLiteral("\"http://host:port\" or \"socks5://host:port\"")
                                     : QStringLiteral("\"http://host:port\"");
    if (!url.isValid() || url.host().isEmpty() || url.port() <= 0
        || (!url.path().isEmpty() && url.path() != QStringLiteral("/"))
        || !(scheme == QStringLiteral("http") || (allowSocks && socks)))
        return Error { QStringLiteral("%1 must be %2").arg(origin, shape) };
    QNetworkProxy proxy(socks ? QNetworkProxy::Socks5Proxy : QNetworkProxy::HttpProxy, url.host(),
                        quint16(url.port()), url.userName(QUrl::FullyDecoded),
                        url.password(QUrl::FullyDecoded));
    // Only tunnelling: requests travel end to end inside CONNECT, never rewritten by the proxy.
    proxy.setCapabilities(QNetworkProxy::TunnelingCapability | QNetworkProxy::HostNameLookupCapability);
    return proxy;
}

Status HttpUpstreamConfig::setProxy(HttpClientOptions &options, const QString &proxy,
                                    const QProcessEnvironment &env, const QString &key)
{
    if (!proxy.isEmpty()) {
        auto parsed = parseProxy(proxy, key, false);
        if (!parsed)
            return Error { parsed.error() };
        options.httpsProxy = *parsed;
        options.httpProxy = *parsed;
        options.noProxy.clear();
        return Ok {};
    }
    const auto first = [&env](std::initializer_list<const char *> names) -> std::pair<QString, QString> {
        for (const char *name : names) {
            const QString value = env.value(QLatin1String(name)).trimmed();
            if (!value.isEmpty())
                return { QLatin1String(name), value };
        }
        return {};
    };
    const auto [httpsName, httpsValue] = first({ "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" });
    // Upper-case HTTP_PROXY is honoured too: unlike a CGI program, this process takes no request headers
    // into its environment.
    const auto [httpName, httpValue] = first({ "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY" });
    if (!httpsValue.isEmpty()) {
        auto parsed = parseProxy(httpsValue, httpsName, true);
        if (!parsed)
            return Error { parsed.error() };
        options.httpsProxy = *parsed;
    }
    if (!httpValue.isEmpty()) {
        auto parsed = parseProxy(httpValue, httpName, true);
        if (!parsed)
            return Error { parsed.error() };
        options.httpProxy = *parsed;
    }
    const auto [noName, noValue] = first({ "no_proxy", "NO_PROXY" });
    options.noProxy.clear();
    for (const QString &entry : noValue.split(u',', Qt::SkipEmptyParts)) {
        const QString e = entry.trimmed();
        if (!e.isEmpty())
            options.noProxy.append(e);
    }
    return Ok {};
}

bool HttpUpstreamConfig::bypasses(const QStringList &noProxy, const QString &host, int port)
{
    const QString h = host.toLower();
    for (QString entry : noProxy) {
        entry = entry.toLower();
        if (entry == QStringLiteral("*"))
            return true;
        // An optional :port limits the entry to that port (not for bare IPv6 literals).
        int entryPort = 0;
        if (const qsizetype colon = entry.lastIndexOf(u':');
            colon > 0 && entry.count(u':') == 1 && !entry.startsWith(u'[')) {
            bool ok = false;
            entryPort = entry.mid(colon + 1).toInt(&ok);
            if (!ok)
                continue;
            entry.truncate(colon);
        }
        if (entry.startsWith(u'[') && entry.endsWith(u']'))
            entry = entry.mid(1, entry.size() - 2);
        if (entryPort != 0 && entryPort != port)
            continue;
        if (entry.startsWith(QStringLiteral("*.")))
            entry.remove(0, 1);
        if (entry.startsWith(u'.')) {
            if (h.endsWith(entry) || h == entry.mid(1))
                return true;
            continue;
        }
        if (const QHostAddress a(entry); !a.isNull()) {
            if (QHostAddress(h) == a)
                return true;
            continue;
        }
        if (h == entry || h.endsWith(u'.' + entry))
            return true;
        // CIDR entries (10.0.0.0/8) match IP literals only.
        if (entry.contains(u'/')) {
            const auto subnet = QHostAddress::parseSubnet(entry);
            if (const QHostAddress a(h); !a.isNull() && subnet.second >= 0 && a.isInSubnet(subnet))
                return true;
        }
    }
    return false;
}

QNetworkProxy HttpUpstreamConfig::proxyFor(const HttpClientOptions &options, const QString &host, int port,
                                           bool tls)
{
    const QNetworkProxy &proxy = tls ? options.httpsProxy : options.httpProxy;
    if (proxy.type() == QNetworkProxy::NoProxy || bypasses(options.noProxy, host, port))
        return QNetworkProxy(QNetworkProxy::NoProxy);
    return proxy;
}

} // namespace Drawbridge
