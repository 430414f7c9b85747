// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QString>

#include <algorithm>
#include <deque>
#include <optional>

namespace Drawbridge {

class Clock;
class SharedRateWindow;

/**
 * @brief Per-key sliding-log rate limiter: at most N requests admitted in any 60 s span.
 *
 * A log (not fixed buckets, not a token bucket) so the guarantee holds for every window, not just aligned
 * ones. Memory per key is bounded by its limit. Single-threaded: used from the gateway thread.
 */
class RateLimiter final
{
public:
    static constexpr qint64 windowMs = 60'000;

    struct Decision
    {
        bool admitted = false;
        int limit = 0;
        int remaining = 0; ///< after this decision
        qint64 resetMs = 0; ///< when one more request will be admitted (now, when there is room)
        int retryAfterS = 0; ///< when refused: whole seconds until resetMs, at least 1
        /** Unix seconds for X-RateLimit-Reset, rounded up so waiting until then always succeeds. */
        qint64 resetUnixS() const { return (resetMs + 999) / 1000; }
    };

    explicit RateLimiter(const Clock &clock);

    /** Admits and records one request for @p keyId if its window has room. */
    Decision acquire(const QString &keyId, int limit);
    /** The window state without recording anything (for displays). */
    Decision peek(const QString &keyId, int limit);
    /** Forgets a key (revoked or deleted). */
    void forget(const QString &keyId);

    /**
     * Team mode: decisions come from @p shared (one window for every instance) instead of this instance's
     * log. A failing shared window (database unreachable) falls back to the local log for that call, logged,
     * so the gateway keeps limiting per instance rather than refusing or admitting everything. nullptr =
     * local only (the default).
     */
    void setShared(SharedRateWindow *shared) { m_shared = shared; }

    /**
     * Team mode, limits of 1,024 rpm and more: admissions taken from the shared window at once, so that only
     * every n-th request makes the round trip (limit / 512, at most 32). The others are admitted from what is
     * left of that grant, within the same minute of the window's count. A grant not used up within its minute
     * stays counted, so a key's team-wide limit can admit up to n - 1 fewer requests per instance and minute
     * (at most 0.2 % of the limit); the limit is never exceeded. Below 1,024 rpm every request asks the
     * window.
     */
    static int sharedGrantSize(int limit) { return std::clamp(limit / 512, 1, 32); }

private:
    /** What is left of a grant from the shared window (team mode, see sharedGrantSize()). */
    struct SharedGrant
    {
        qint64 bucketMs = 0; ///< the minute of the window's count it was taken in
        int limit = 0;
        int left = 0; ///< admissions still to hand out
        int remaining = 0; ///< the window's remaining count after the grant (all of it counted)
    };

    Decision evaluate(std::deque<qint64> &log, int limit, qint64 now) const;
    /** Team mode: an admission from the shared window, or nullopt when it cannot be reached. */
    std::optional<Decision> acquireShared(const QString &keyId, int limit, qint64 now);

    const Clock &m_clock;
    QHash<QString, std::deque<qint64>> m_logs;
    SharedRateWindow *m_shared = nullptr;
    QHash<QString, SharedGrant> m_grants;
};

} // namespace Drawbridge
