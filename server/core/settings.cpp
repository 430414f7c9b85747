// SPDX-License-Identifier: MIT
#include "settings.h"

namespace Drawbridge {

QString KiroSettings::effectiveApiBaseUrl() const
{
    if (!apiBaseUrl.isEmpty())
        return apiBaseUrl;
    return QStringLiteral("https://q.%1.amazonaws.com").arg(region);
}

QString KiroSettings::effectiveSocialAuthBaseUrl() const
{
    if (!socialAuthBaseUrl.isEmpty())
        return socialAuthBaseUrl;
    return QStringLiteral("https://prod.%1.auth.desktop.kiro.dev").arg(region);
}

QString KiroSettings::effectiveOidcBaseUrl() const
{
    if (!oidcBaseUrl.isEmpty())
        return oidcBaseUrl;
    return QStringLiteral("https://oidc.%1.amazonaws.com").arg(region);
}

} // namespace Drawbridge
