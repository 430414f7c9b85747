// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>
#include <vector>

#include "server/core/result.h"
#include "server/storage/apikeyrecord.h"

namespace Drawbridge {

class Clock;
class Database;

/**
 * @brief Client key metadata in the `api_keys` table.
 *
 * Only the SHA-256 of a key is ever stored. Every call uses the calling thread's connection. Calls that
 * address one key return false when no key has that id.
 */
class KeyRepository final
{
public:
    KeyRepository(const Database &database, const Clock &clock);

    /** Stores @p record as given; false (and nothing stored) when the id is already taken. */
    Result<bool> insert(const ApiKeyRecord &record);
    Result<std::optional<ApiKeyRecord>> findById(const QString &id) const;
    /** Every key, revoked ones included, oldest first. */
    Result<std::vector<ApiKeyRecord>> list() const;
    /** Writes the editable fields of @p record (name, rateLimitRpm, models, expiresAtMs) to the key with its
     * id. */
    Result<bool> update(const ApiKeyRecord &record);
    /** Sets revoked_at to now; a key revoked before keeps its original time. */
    Result<bool> revoke(const QString &id);
    /** Moves last_used_at forward to @p atMs (never back, so batched, out-of-order writes are harmless). */
    Result<bool> markUsed(const QString &id, qint64 atMs);

private:
    const Database &m_database;
    const Clock &m_clock;
};

} // namespace Drawbridge
