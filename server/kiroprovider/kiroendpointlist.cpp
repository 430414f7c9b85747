// SPDX-License-Identifier: MIT
#include "kiroendpointlist.h"

#include "server/core/settings.h"

namespace Drawbridge {

bool KiroEndpointList::hasKiroRuntime(const QString &region)
{
    return region == QStringLiteral("us-east-1") || region == QStringLiteral("eu-central-1");
}

QStringList KiroEndpointList::defaults(const QString &authMethod, const QString &region)
{
    const QString legacy = QStringLiteral("https://q.%1.amazonaws.com").arg(region);
    if (!hasKiroRuntime(region))
        return { legacy };
    const QString runtime = QStringLiteral("https://runtime.%1.kiro.dev").arg(region);
    // What the Kiro IDE itself uses first for social logins; IdC tokens are reported refused there with
    // "bearer token invalid", so they start on the AWS host and keep the new one as the fallback for when
    // the old host is switched off.
    if (authMethod == QStringLiteral("idc"))
        return { legacy, runtime };
    return { runtime, legacy };
}

QStringList KiroEndpointList::resolve(const KiroSettings &settings, const QString &authMethod,
                                      const QString &region)
{
    const QStringList overrides = settings.apiBaseUrlOverrides();
    return overrides.isEmpty() ? defaults(authMethod, region) : overrides;
}

KiroEndpointList::KiroEndpointList(QStringList urls) : m_urls(std::move(urls)) { }

QString KiroEndpointList::current() const
{
    return m_urls.isEmpty() ? QString() : m_urls.at(m_index);
}

void KiroEndpointList::setUrls(QStringList urls)
{
    const QString was = current();
    m_urls = std::move(urls);
    m_index = std::max<qsizetype>(0, m_urls.indexOf(was));
}

void KiroEndpointList::setCurrent(const QString &url)
{
    if (const qsizetype i = m_urls.indexOf(url); i >= 0)
        m_index = i;
}

QString KiroEndpointList::refused(const QString &url)
{
    if (m_urls.size() > 1 && url == current())
        m_index = (m_index + 1) % m_urls.size();
    return current();
}

} // namespace Drawbridge
