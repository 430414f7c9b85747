// SPDX-License-Identifier: MIT
#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>

#include <array>
#include <bit>
#include <memory>
#include <vector>

#include "server/core/requestrecord.h"
#include "server/core/result.h"
#include "server/storage/database.h"
#include "server/storage/sqlitestatement.h"

namespace Drawbridge {

/**
 * @brief The SQL side of the usage ledger: writes batches of request records and prunes old raw records.
 *
 * Works on one connection and must be used on that connection's thread only (UsageLedger's writer thread,
 * or a test's). Statements are prepared once and reused for every batch. On SQLite the records, rollups and
 * last-used times go through SQLite's C API on the connection's own handle (SqliteStatement): through
 * QSqlQuery the binding alone cost more than SQLite's work per record. PostgreSQL keeps QtSql.
 */
class UsageWriter final
{
public:
    /** How a SQLite connection is written. QtSql is what PostgreSQL always takes; on SQLite it is the tests'
     * reference for the direct path. */
    enum class SqliteAccess { Direct, QtSql };

    explicit UsageWriter(const QSqlDatabase &db, SqliteAccess access = SqliteAccess::Direct);
    Q_DISABLE_COPY_MOVE(UsageWriter)

    /** The most rows one INSERT carries (16 columns each: 512 parameters). A power of two. */
    static constexpr int maxRowsPerInsert = 32;

    /**
     * In one transaction: appends every record to usage_records (multi-row INSERTs, see insertStatement()),
     * adds them to the usage_hourly rollups and moves api_keys.last_used_at forward. Nothing is written when
     * it fails.
     */
    Status write(const std::vector<RequestRecord> &records);

    /** Deletes at most @p maxRows of the oldest raw records older than @p cutoffMs; returns how many it
     * deleted. */
    Result<int> pruneStep(qint64 cutoffMs, int maxRows);
    /** Whether it writes through SQLite's C API (SQLite and SqliteAccess::Direct). */
    bool writesDirectly() const { return m_sqlite != nullptr; }
    /** A failure showed that the connection is gone (Database::noteFailure()): make a new writer. */
    bool connectionLost() const { return Database::isMarkedLost(m_db); }

private:
    Status prepare();
    Status writeRows(const std::vector<RequestRecord> &records);
    /** The prepared INSERT of @p rows records (a power of two up to maxRowsPerInsert); nullptr on failure. */
    QSqlQuery *insertStatement(int rows);
    Status insertRecords(const RequestRecord *records, int count);
    /** insertStatement() and insertRecords() on the direct path. */
    SqliteStatement *directInsertStatement(int rows);
    Status insertRecordsDirect(const RequestRecord *records, int count);
    Status prepareDirect();

    QSqlDatabase m_db;
    std::array<std::unique_ptr<QSqlQuery>, std::bit_width(unsigned(maxRowsPerInsert))> m_insertRecords;
    Status m_lastPrepareError = Ok {};
    QSqlQuery m_upsertHourly;
    QSqlQuery m_markUsed;
    QSqlQuery m_prune;
    bool m_prepared = false;
    // The direct path (m_sqlite set). The multi-row INSERTs stay: SQLite opens the table's and indexes'
    // cursors and ends the statement once per step, which costs more than a row's own work.
    sqlite3 *m_sqlite = nullptr;
    std::array<std::unique_ptr<SqliteStatement>, std::bit_width(unsigned(maxRowsPerInsert))>
        m_insertRecordsDirect;
    SqliteStatement m_begin;
    SqliteStatement m_commit;
    SqliteStatement m_rollback;
    SqliteStatement m_upsertHourlyDirect;
    SqliteStatement m_markUsedDirect;
};

} // namespace Drawbridge
