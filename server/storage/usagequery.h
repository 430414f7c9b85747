// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include <vector>

#include "server/core/result.h"
#include "server/storage/usagereport.h"

namespace Drawbridge {

class Clock;
class Database;

/**
 * @brief Read side of the usage ledger: reports, time series and per-key/per-account totals.
 *
 * Every call uses the calling thread's connection (reads run beside the ledger's writer thanks to WAL). Only
 * flushed records are visible (see UsageLedger::flush()).
 *
 * Sources, without double counting: every flushed record is in usage_records (the raw rows, pruned after the
 * retention period) and, written in the same transaction, in the usage_hourly rollup (kept forever). A range
 * [from, to) is split at whole UTC hours: the whole hours inside it are summed from the rollup; the partial
 * hours at either end come from the raw rows. Where a partial hour lies before the retention cutoff its raw
 * rows may be gone, so that hour is taken from the rollup as a whole when its start lies inside the range,
 * and left out otherwise. Ranges on whole hours (which include every date-only range) are therefore always
 * exact.
 */
class UsageQuery final
{
public:
    /** @p retentionDays as in StorageSettings (<= 0: raw records are kept forever). */
    UsageQuery(const Database &database, const Clock &clock, int retentionDays);

    /** Requests that started in [@p fromMs, @p toMs), grouped. */
    Result<UsageReport> usage(qint64 fromMs, qint64 toMs, UsageGroupBy groupBy) const;
    /** Buckets (ascending) × split values (ascending); buckets without requests are left out. */
    Result<std::vector<UsageSeriesPoint>> series(qint64 fromMs, qint64 toMs, UsageBucket bucket,
                                                 UsageSplit split) const;
    /** Every key that ever made a request, by id. */
    Result<std::vector<KeyUsage>> keyTotals() const;
    /** Every account that ever served a request, by id. */
    Result<std::vector<AccountUsage>> accountTotals() const;

private:
    struct Cell
    {
        qint64 bucketStartMs;
        QString dimension;
        UsageTotals totals;
    };
    Result<std::vector<Cell>> aggregate(qint64 fromMs, qint64 toMs, qint64 bucketMs,
                                        UsageSplit dimension) const;

    const Database &m_database;
    const Clock &m_clock;
    const int m_retentionDays;
};

} // namespace Drawbridge
