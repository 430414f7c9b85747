// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief An account's concurrency slots kept where every instance of a team sees them (team mode's
 * database), so `slots` holds for the team together rather than per instance.
 *
 * A lease carries an expiry: its holder pushes it forward while the request runs (renew(), one statement for
 * all of an instance's leases), so the leases of an instance that dies without releasing them (kill -9, a
 * lost host) lapse by themselves and their slots return. Each call is one round trip. Used from the pool's
 * thread.
 */
class SharedSlots
{
public:
    virtual ~SharedSlots() = default;

    /**
     * Takes one of @p slots team-wide slots of @p accountId under @p leaseId (unique across the team), valid
     * until @p expiresAtMs; leases that expired by @p nowMs no longer count. False: the team holds them all.
     */
    virtual Result<bool> acquire(const QString &accountId, const QString &leaseId, int slots, qint64 nowMs,
                                 qint64 expiresAtMs)
        = 0;
    /**
     * Gives every lease in @p leaseIds back, whichever accounts they are on, in one round trip (leases that
     * expired or are unknown are fine).
     */
    virtual Status release(const QStringList &leaseIds, qint64 nowMs) = 0;
    /** Moves the expiry of every lease in @p leaseIds to @p expiresAtMs; returns how many were still held. */
    virtual Result<int> renew(const QStringList &leaseIds, qint64 expiresAtMs) = 0;
};

} // namespace Drawbridge
