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
    /** The team's window for @p keyId without recording anything. */
    virtual Result<RateLimiter::Decision> peek(const QString &keyId, int limit, qint64 nowMs) const = 0;
    virtual Status forget(const QString &keyId) = 0;
};

} // namespace Drawbridge
