// SPDX-License-Identifier: MIT
#pragma once

#include <QStringView>

namespace Drawbridge {

/**
 * @brief Local token estimate for Kiro, which reports no token counts (protocol §3.9).
 *
 * kiro.rs's heuristic: Latin characters weigh 1 unit, other scripts 4; tokens = units / 4, inflated for
 * short texts where the per-message overhead dominates. Counting units separately lets callers sum pieces
 * of a stream cheaply and convert once.
 */
class KiroTokenEstimator final
{
public:
    static qint64 units(QStringView text);
    static int tokensFromUnits(qint64 units);
    static int estimate(QStringView text) { return tokensFromUnits(units(text)); }
};

} // namespace Drawbridge
