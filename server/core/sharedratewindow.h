// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "server/core/ratelimiter.h"
#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief A key's sliding window kept where every instance of a team sees it (team mode's database), so a
 * key's limit holds for the team together rather than per instance.
 *
 * Same semantics as RateLimiter's own log (at most `limit` admissions in any windowMs span), each call one
 * round trip. Used from the gateway's thread.
 */
class SharedRateWindow
{
public:
    virtual ~SharedRateWindow() = default;

    /** Admits and records one request for @p keyId at @p nowMs if the team's window has room. */
    virtual Result<RateLimiter::Decision> acquire(const QString &keyId, int limit, qint64 nowMs) = 0;

    /** acquireMany()'s answer: the decision for the first admission, and how many were recorded in all. */
    struct Grant
    {
        RateLimiter::Decision decision; ///< as acquire() would give it, with every granted admission counted
        int granted = 0; ///< 0 when refused; else 1 to the number wanted
    };
    /**
     * Admits and records up to @p wanted requests for @p keyId at @p nowMs at once, as many as the window has
     * room for (so the caller can admit the others itself without a round trip, see RateLimiter). Where the
     * window is an exact log this records one at most.
     */
    virtual Result<Grant> acquireMany(const QString &keyId, int limit, qint64 nowMs, int wanted) = 0;
    /** The team's window for @p keyId without recording anything. */
    virtual Result<RateLimiter::Decision> peek(const QString &keyId, int limit, qint64 nowMs) const = 0;
    virtual Status forget(const QString &keyId) = 0;
};

} // namespace Drawbridge
