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

namespace Drawbridge {

/**
 * @brief The SQL side of the usage ledger: writes batches of request records and prunes old raw records.
 *
 * Works on one connection and must be used on that connection's thread only (UsageLedger's writer thread,
 * or a test's). Statements are prepared once and reused for every batch.
 */
class UsageWriter final
{
public:
    explicit UsageWriter(const QSqlDatabase &db);
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
    /** A failure showed that the connection is gone (Database::noteFailure()): make a new writer. */
    bool connectionLost() const { return Database::isMarkedLost(m_db); }

private:
    Status prepare();
    Status writeRows(const std::vector<RequestRecord> &records);
    /** The prepared INSERT of @p rows records (a power of two up to maxRowsPerInsert); nullptr on failure. */
    QSqlQuery *insertStatement(int rows);
    Status insertRecords(const RequestRecord *records, int count);

    QSqlDatabase m_db;
    std::array<std::unique_ptr<QSqlQuery>, std::bit_width(unsigned(maxRowsPerInsert))> m_insertRecords;
    Status m_lastPrepareError = Ok {};
    QSqlQuery m_upsertHourly;
    QSqlQuery m_markUsed;
    QSqlQuery m_prune;
    bool m_prepared = false;
};

} // namespace Drawbridge
