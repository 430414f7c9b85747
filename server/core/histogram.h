// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include <atomic>
#include <memory>
#include <vector>

namespace Drawbridge {

/**
 * @brief A Prometheus-style histogram with fixed bucket bounds, safe to observe from any thread without a
 * lock.
 *
 * Each bucket counts only the observations that fall into it (le semantics: value <= bound); snapshot() makes
 * them cumulative. The count is derived from the buckets, so `le="+Inf"` always equals `_count`, even while
 * other threads observe.
 */
class Histogram final
{
public:
    struct Snapshot
    {
        std::vector<double> upperBounds; ///< finite bounds, ascending
        std::vector<quint64> cumulativeCounts; ///< one per bound, then one for +Inf
        double sum = 0;
        quint64 count = 0; ///< equals cumulativeCounts.back()
    };

    /** @p upperBounds must be finite and strictly ascending; anything else is dropped with a warning. */
    explicit Histogram(std::vector<double> upperBounds);
    Q_DISABLE_COPY_MOVE(Histogram)

    /** NaN is ignored; negative values count as 0 (every histogram here measures a duration). */
    void observe(double value);
    Snapshot snapshot() const;
    const std::vector<double> &upperBounds() const { return m_bounds; }

private:
    std::vector<double> m_bounds;
    std::unique_ptr<std::atomic<quint64>[]> m_counts; ///< m_bounds.size() + 1 (the last is the +Inf overflow)
    std::atomic<double> m_sum { 0 };
};

} // namespace Drawbridge
