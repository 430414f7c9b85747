// SPDX-License-Identifier: MIT
#include "ratelimiter.h"

#include <algorithm>

#include "clock.h"
#include "server/core/logging.h"
#include "server/core/sharedratewindow.h"

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
    if (m_shared) {
        if (std::optional<Decision> shared = acquireShared(keyId, limit, now))
            return *shared;
    }
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

std::optional<RateLimiter::Decision> RateLimiter::acquireShared(const QString &keyId, int limit, qint64 now)
{
    const qint64 bucket = now - now % windowMs;
    const int wanted = sharedGrantSize(limit);
    if (wanted > 1) {
        auto held = m_grants.find(keyId);
        if (held != m_grants.end() && held->bucketMs == bucket && held->limit == limit && held->left > 0) {
            --held->left;
            Decision d;
            d.admitted = true;
            d.limit = limit;
            d.remaining = held->remaining + held->left;
            d.resetMs = now;
            return d;
        }
    }
    auto grant = m_shared->acquireMany(keyId, limit, now, wanted);
    if (!grant) {
        qCWarning(lcCore) << "shared rate window unavailable, limiting key" << keyId
                          << "on this instance only:" << grant.error();
        return std::nullopt;
    }
    Decision d = grant->decision;
    if (grant->granted > 1) {
        m_grants.insert(keyId, SharedGrant { bucket, limit, grant->granted - 1, d.remaining });
        d.remaining += grant->granted - 1;
    } else {
        m_grants.remove(keyId);
    }
    if (!d.admitted)
        d.retryAfterS = int(std::max<qint64>(1, (d.resetMs - now + 999) / 1000));
    return d;
}

RateLimiter::Decision RateLimiter::peek(const QString &keyId, int limit)
{
    const qint64 now = m_clock.nowMs();
    if (m_shared) {
        if (auto shared = m_shared->peek(keyId, limit, now); shared)
            return *shared;
    }
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
    if (m_shared) {
        if (auto forgotten = m_shared->forget(keyId); !forgotten)
            qCWarning(lcCore) << "could not clear the shared rate window of key" << keyId
                              << forgotten.error();
    }
    m_logs.remove(keyId);
    m_grants.remove(keyId);
}

} // namespace Drawbridge
