// SPDX-License-Identifier: MIT
#include "histogram.h"

#include <algorithm>
#include <cmath>

#include "logging.h"

namespace Drawbridge {

Histogram::Histogram(std::vector<double> upperBounds)
{
    m_bounds.reserve(upperBounds.size());
    for (const double bound : upperBounds) {
        if (!std::isfinite(bound) || (!m_bounds.empty() && bound <= m_bounds.back())) {
            qCWarning(lcCore) << "histogram bucket bound" << bound << "is not finite and ascending; dropped";
            continue;
        }
        m_bounds.push_back(bound);
    }
    m_counts = std::make_unique<std::atomic<quint64>[]>(m_bounds.size() + 1);
    for (std::size_t i = 0; i <= m_bounds.size(); ++i)
        m_counts[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value)
{
    if (std::isnan(value))
        return;
    // A negative duration only comes from a clock step; counting it as 0 keeps _sum monotonic, as scrapers
    // expect.
    value = std::max(value, 0.0);
    const auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), value);
    m_counts[std::size_t(it - m_bounds.begin())].fetch_add(1, std::memory_order_relaxed);
    m_sum.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const
{
    Snapshot s;
    s.upperBounds = m_bounds;
    s.cumulativeCounts.reserve(m_bounds.size() + 1);
    quint64 running = 0;
    for (std::size_t i = 0; i <= m_bounds.size(); ++i) {
        running += m_counts[i].load(std::memory_order_relaxed);
        s.cumulativeCounts.push_back(running);
    }
    s.count = running;
    s.sum = m_sum.load(std::memory_order_relaxed);
    return s;
}

} // namespace Drawbridge
