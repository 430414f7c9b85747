// SPDX-License-Identifier: MIT
#pragma once

#include "server/core/sharedratewindow.h"

namespace Drawbridge {

class Database;

/**
 * @brief Team mode's shared sliding window per key: the `rate_windows` row of a key holds the times of its
 * admissions within the window, for every instance at once. PostgreSQL only.
 *
 * acquire() is one statement: an upsert whose ON CONFLICT DO UPDATE locks the key's row and works on its
 * newest version, so concurrent admissions from any number of instances are serialised per key and the limit
 * is exact (30 rpm admits 30, whichever instance the requests reach). The random token it writes tells this
 * call whether it was the one admitted. Instances' clocks must agree (NTP): the times come from the injected
 * Clock.
 */
class RateWindowRepository final : public SharedRateWindow
{
public:
    /**
     * Limits up to this are an exact sliding log (its cost grows with the admissions in the window). Above it
     * a key's window is two fixed one-minute counts, the previous one weighted by its overlap with the
     * sliding minute: constant cost, exact while the previous minute is empty, otherwise within a few
     * percent.
     */
    static constexpr int exactLimitMax = 240;

    explicit RateWindowRepository(const Database &database);

    Result<RateLimiter::Decision> acquire(const QString &keyId, int limit, qint64 nowMs) override;
    /** Above exactLimitMax: one statement adds up to @p wanted admissions to the minute's count. */
    Result<Grant> acquireMany(const QString &keyId, int limit, qint64 nowMs, int wanted) override;
    Result<RateLimiter::Decision> peek(const QString &keyId, int limit, qint64 nowMs) const override;
    Status forget(const QString &keyId) override;

private:
    const Database &m_database;
};

} // namespace Drawbridge
