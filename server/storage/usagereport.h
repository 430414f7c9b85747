// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace Drawbridge {

/** Length of the usage rollup buckets; the ledger rolls records up per UTC hour. */
constexpr qint64 usageHourMs = 3'600'000;
constexpr qint64 usageDayMs = 24 * usageHourMs;

/** Start of the @p unit-long UTC bucket holding @p ms (floor, also for times before 1970). */
constexpr qint64 usageBucketStart(qint64 ms, qint64 unit)
{
    return ms - ((ms % unit) + unit) % unit;
}

/** What /admin/usage groups by. */
enum class UsageGroupBy { Key, Model, Account, Day, Hour };

/** Bucket width of a usage time series. */
enum class UsageBucket { Hour, Day };

/** What splits a usage time series into several lines. */
enum class UsageSplit { None, Key, Model, Account };

/** Sums over a set of requests. A request is an error when its status is anything but "success". */
struct UsageTotals
{
    qint64 requests = 0;
    qint64 errors = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    double credits = 0;

    UsageTotals &operator+=(const UsageTotals &other)
    {
        requests += other.requests;
        errors += other.errors;
        promptTokens += other.promptTokens;
        completionTokens += other.completionTokens;
        credits += other.credits;
        return *this;
    }
};

/** One group of a usage report. */
struct UsageRow
{
    /** Key id, model id or account id (empty when the requests had none), or for Day/Hour the bucket's start.
     */
    QString group;
    qint64 bucketStartMs = 0; ///< Day/Hour reports only
    UsageTotals totals;
};

struct UsageReport
{
    std::vector<UsageRow> rows; ///< by group (ascending id, or ascending time)
    UsageTotals totals; ///< over every row
};

/** One point of a time series: a bucket × one value of the split dimension. */
struct UsageSeriesPoint
{
    qint64 bucketStartMs = 0;
    QString series; ///< the key/model/account id; empty for UsageSplit::None
    UsageTotals totals;
};

/** All-time usage of one client key (from the rollups, so it survives raw-record retention). */
struct KeyUsage
{
    QString keyId;
    UsageTotals totals;
    std::optional<qint64> lastUsedAtMs; ///< api_keys.last_used_at; nullopt when the key no longer exists
};

/** All-time usage through one upstream account. */
struct AccountUsage
{
    QString accountId;
    UsageTotals totals;
};

} // namespace Drawbridge
