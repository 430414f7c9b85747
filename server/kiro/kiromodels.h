// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringView>

namespace Drawbridge {

/**
 * @brief Kiro model facts (protocol §2.7): name normalisation and context windows.
 *
 * Name resolution against the configured model list is ModelCatalog's job (core); this class adds what only
 * the Kiro layer needs, such as the window used to turn contextUsagePercentage into tokens.
 */
class KiroModels final
{
public:
    static constexpr int defaultContextWindow = 200'000;
    static constexpr int largeContextWindow = 1'000'000;

    /** `claude-sonnet-4-5-20250929[1m]` → `claude-sonnet-4.5` (lower case, suffixes gone, dotted version). */
    static QString normalize(const QString &name);
    /** The client asked for the 1M-token window (`[1m]` suffix). */
    static bool requestsLargeContext(QStringView requested);
    /** The client named a thinking variant (`-thinking`). */
    static bool requestsThinking(QStringView requested);
    /** Context window in tokens for a Kiro model id; @p largeContextRequested forces the 1M window. */
    static int contextWindow(QStringView modelId, bool largeContextRequested = false);
};

} // namespace Drawbridge
