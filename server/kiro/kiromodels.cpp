// SPDX-License-Identifier: MIT
#include "kiromodels.h"

#include <QString>

#include "server/core/modelcatalog.h"

namespace Drawbridge {

QString KiroModels::normalize(const QString &name)
{
    // One normalisation for the whole gateway: the front door resolves names with the same rules.
    return ModelCatalog::normalize(name);
}

bool KiroModels::requestsLargeContext(QStringView requested)
{
    return requested.trimmed().endsWith(u"[1m]", Qt::CaseInsensitive);
}

bool KiroModels::requestsThinking(QStringView requested)
{
    return requested.contains(u"-thinking", Qt::CaseInsensitive);
}

int KiroModels::contextWindow(QStringView modelId, bool largeContextRequested)
{
    if (largeContextRequested)
        return largeContextWindow;
    // Sources disagree (§2.7): kiro.rs gives sonnet-4.6 and opus-4.6 the 1M window, AIClient all opus 4.5+.
    // The newer models both agree on, plus the later opus versions, get 1M; everything else 200k. A wrong
    // guess only skews estimated prompt tokens, never a request.
    static constexpr QLatin1StringView large[] = {
        QLatin1StringView("claude-sonnet-4.6"),
        QLatin1StringView("claude-opus-4.6"),
        QLatin1StringView("claude-opus-4.7"),
        QLatin1StringView("claude-opus-4.8"),
    };
    for (const auto &id : large) {
        if (modelId.compare(id, Qt::CaseInsensitive) == 0)
            return largeContextWindow;
    }
    return defaultContextWindow;
}

} // namespace Drawbridge
