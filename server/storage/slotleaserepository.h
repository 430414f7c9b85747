// SPDX-License-Identifier: MIT
#pragma once

#include "server/core/sharedslots.h"

namespace Drawbridge {

class Database;

/**
 * @brief Team mode's shared account slots: the `slot_leases` row of an account holds the ids of the leases
 * the team holds on it and their expiry times. PostgreSQL only.
 *
 * acquire() is one statement, an upsert whose ON CONFLICT DO UPDATE locks the account's row and works on its
 * newest version (as RateWindowRepository does for windows): concurrent acquisitions from any number of
 * instances are serialised per account, expired leases are dropped in passing, and no more than `slots` are
 * ever held. release() and renew() are one UPDATE each, for any number of leases. Expiry times come from each
 * instance's Clock: the instances' clocks must agree (NTP).
 */
class SlotLeaseRepository final : public SharedSlots
{
public:
    explicit SlotLeaseRepository(const Database &database);

    Result<bool> acquire(const QString &accountId, const QString &leaseId, int slots, qint64 nowMs,
                         qint64 expiresAtMs) override;
    Status release(const QStringList &leaseIds, qint64 nowMs) override;
    Result<int> renew(const QStringList &leaseIds, qint64 expiresAtMs) override;

private:
    const Database &m_database;
};

} // namespace Drawbridge
