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
    explicit RateWindowRepository(const Database &database);

    Result<RateLimiter::Decision> acquire(const QString &keyId, int limit, qint64 nowMs) override;
    Result<RateLimiter::Decision> peek(const QString &keyId, int limit, qint64 nowMs) const override;
    Status forget(const QString &keyId) override;

private:
    const Database &m_database;
};

} // namespace Drawbridge
