// SPDX-License-Identifier: MIT
#include "ratelimiter.h"

#include "clock.h"

namespace Drawbridge {

RateLimiter::RateLimiter(const Clock &clock) : m_clock(clock) { }

RateLimiter::Decision RateLimiter::evaluate(std::deque<qint64> &log, int limit, qint64 now) const
{
    // An entry leaves the window once now >= ts + window.
    while (!log.empty() && log.front() + windowMs <= now)
        log.pop_front();
    // A lowered limit leaves more entries than needed; only the newest `limit` can ever matter.
    while (limit > 0 && log.size() > size_t(limit))
        log.pop_front();

    Decision d;
    d.limit = limit;
    d.admitted = limit > 0 && log.size() < size_t(limit);
    d.remaining = d.admitted ? int(limit - log.size()) : 0;
    d.resetMs = d.admitted ? now : (log.empty() ? now + windowMs : log.front() + windowMs);
    return d;
}

RateLimiter::Decision RateLimiter::acquire(const QString &keyId, int limit)
{
    const qint64 now = m_clock.nowMs();
    std::deque<qint64> &log = m_logs[keyId];
    Decision d = evaluate(log, limit, now);
    if (d.admitted) {
        log.push_back(now);
        d.remaining -= 1;
        // With the window now full, the next admission waits for the oldest entry to leave.
        if (d.remaining == 0)
            d.resetMs = log.front() + windowMs;
    } else {
        d.retryAfterS = int(std::max<qint64>(1, (d.resetMs - now + 999) / 1000));
    }
    return d;
}

RateLimiter::Decision RateLimiter::peek(const QString &keyId, int limit)
{
    const qint64 now = m_clock.nowMs();
    auto it = m_logs.find(keyId);
    if (it == m_logs.end()) {
        Decision d;
        d.admitted = limit > 0;
        d.limit = limit;
        d.remaining = limit;
        d.resetMs = now;
        return d;
    }
    return evaluate(*it, limit, now);
}

void RateLimiter::forget(const QString &keyId)
{
    m_logs.remove(keyId);
}

} // namespace Drawbridge
