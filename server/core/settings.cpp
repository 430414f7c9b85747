// SPDX-License-Identifier: MIT
#include "settings.h"

namespace Drawbridge {

QStringList KiroSettings::apiBaseUrlOverrides() const
{
    QStringList out;
    for (const QString &url : apiBaseUrls.isEmpty() ? QStringList { apiBaseUrl } : apiBaseUrls) {
        QString u = url.trimmed();
        while (u.endsWith(u'/'))
            u.chop(1);
        if (!u.isEmpty() && !out.contains(u))
            out.append(u);
    }
    return out;
}

} // namespace Drawbridge
