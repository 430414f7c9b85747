// SPDX-License-Identifier: MIT
#pragma once

#include "server/core/result.h"

class QSqlDatabase;

namespace Drawbridge {

/**
 * @brief Brings a database's schema to the version this build knows, one step per transaction.
 *
 * The version lives in the single-row table `schema_version`. Each step runs inside `BEGIN IMMEDIATE` and
 * re-reads the version there, so two processes starting at once cannot apply a step twice, and a failed step
 * leaves the database at the previous version. A database written by a newer Drawbridge is refused, never
 * downgraded.
 */
class Migrations final
{
public:
    /** The newest schema version this build can create and use. */
    static constexpr int latestVersion = 9;

    /** The schema version of @p db; 0 for a database without Drawbridge tables. */
    static Result<int> version(const QSqlDatabase &db);

    /**
     * Applies every step after the current version up to @p targetVersion (tests stop early to exercise
     * upgrades). Fails, changing nothing, when the database is newer than latestVersion or than @p
     * targetVersion.
     */
    static Status migrate(const QSqlDatabase &db, int targetVersion = latestVersion);
};

} // namespace Drawbridge
