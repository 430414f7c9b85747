// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>
#include <vector>

#include "server/core/result.h"
#include "server/storage/accountrecord.h"

namespace Drawbridge {

class Clock;
class Database;

/**
 * @brief Upstream account metadata and state in the `accounts` table; never tokens or client secrets.
 *
 * Settings the user edits (update()), the health state the pool tracks (updateStatus()) and the quota the
 * upstream reports (updateQuota()) are written separately, so a writer of one never overwrites a concurrent
 * change to another with a stale copy. Every write stamps updated_at from the clock. Calls that address one
 * account return false when no account has that id. In team mode every write but updateQuota() is announced
 * on ChangeFeed::accountsChannel().
 */
class AccountRepository final
{
public:
    AccountRepository(const Database &database, const Clock &clock);

    /** Stores @p record with created_at = updated_at = now; false (nothing stored) when the id is taken. */
    Result<bool> insert(const AccountRecord &record);
    Result<std::optional<AccountRecord>> findById(const QString &id) const;
    /** Every account, highest priority first, then oldest first. */
    Result<std::vector<AccountRecord>> list() const;
    /** Writes name, authMethod, region, profileArn, slots, enabled, machineId and priority of @p record. */
    Result<bool> update(const AccountRecord &record);
    /** @p lastError empty = none; @p cooldownUntilMs nullopt = no cooldown. */
    Result<bool> updateStatus(const QString &id, const QString &status, const QString &lastError,
                              std::optional<qint64> cooldownUntilMs);
    Result<bool> updateQuota(const QString &id, std::optional<double> creditsRemaining,
                             std::optional<double> usageLimit, std::optional<qint64> nextResetMs);
    /** The upstream API base URL that works for the account (AccountRecord::apiEndpoint); empty = none. */
    Result<bool> updateEndpoint(const QString &id, const QString &apiEndpoint);
    Result<bool> remove(const QString &id);

private:
    /**
     * Runs one write; when it changed a row and @p announce, tells the team (ChangeFeed::accountsChannel(),
     * payload the id; PostgreSQL only) so the other instances read the row again.
     */
    Result<bool> write(const QString &context, const QString &sql, const QVariantList &values,
                       const QString &announce = {});

    const Database &m_database;
    const Clock &m_clock;
};

} // namespace Drawbridge
