// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Drawbridge {

/** A unified diff of two small texts, to show a config change before it is written. */
class UnifiedDiff final
{
public:
    /**
     * The lines of @p before and @p after as a unified diff with @p context lines around each change, under
     * "--- @p fromName" / "+++ @p toName" headers; empty when the texts are equal. Texts past maxLines lines
     * are compared as a whole (every line removed, then every line added) to bound the work.
     */
    static QString make(const QString &before, const QString &after, const QString &fromName,
                        const QString &toName, int context = 3);

    static constexpr int maxLines = 4000;
};

} // namespace Drawbridge
