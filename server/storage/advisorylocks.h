// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "server/core/result.h"

namespace Drawbridge {

class Database;

/**
 * @brief Named locks every instance of a team sees: PostgreSQL session-level advisory locks on the calling
 * thread's connection. They never wait, are held until unlock() or until the connection ends, so an instance
 * that dies (kill -9, a lost host) releases its locks with it. PostgreSQL only.
 *
 * A name maps to a 32-bit hash under a key space of its own (distinct from the migrations' lock); two names
 * with one hash share a lock, which only ever makes callers wait for each other.
 */
class AdvisoryLocks final
{
public:
    explicit AdvisoryLocks(const Database &database);

    /** True: the calling thread's connection holds @p name now (re-entrant: unlock as often as locked). */
    Result<bool> tryLock(const QString &name) const;
    /** False: this connection did not hold it. */
    Result<bool> unlock(const QString &name) const;

private:
    const Database &m_database;
};

} // namespace Drawbridge
