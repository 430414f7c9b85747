// SPDX-License-Identifier: MIT
#include "usagequery.h"

#include <QDateTime>
#include <QSqlDatabase>

#include <algorithm>
#include <limits>
#include <map>

#include "server/core/clock.h"
#include "server/storage/database.h"
#include "server/storage/sqlstatement.h"

namespace Drawbridge {

namespace {

// Year 10000: far beyond any record, and far enough from the qint64 limits that bucket arithmetic cannot
// overflow.
constexpr qint64 latestMs = 253'402'300'800'000;

// Column and expression texts come only from these constants; values are always bound.
QString dimensionColumn(UsageSplit dimension)
{
    switch (dimension) {
    case UsageSplit::Key:
        return QStringLiteral("key_id");
    case UsageSplit::Model:
        return QStringLiteral("model");
    case UsageSplit::Account:
        return QStringLiteral("account_id");
    case UsageSplit::None:
        break;
    }
    return QStringLiteral("''");
}

QString bucketExpression(const QString &timeColumn, qint64 bucketMs)
{
    if (bucketMs <= 0)
        return QStringLiteral("0");
    // Records are never before 1970, so truncating division is the floor here.
    return QStringLiteral("(%1 / %2) * %2").arg(timeColumn).arg(bucketMs);
}

UsageTotals totalsFrom(const SqlStatement &row, int first)
{
    UsageTotals t;
    t.requests = row.value(first).toLongLong();
    t.errors = row.value(first + 1).toLongLong();
    t.promptTokens = row.value(first + 2).toLongLong();
    t.completionTokens = row.value(first + 3).toLongLong();
    t.credits = row.value(first + 4).toDouble();
    return t;
}

QString isoUtc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

UsageQuery::UsageQuery(const Database &database, const Clock &clock, int retentionDays)
    : m_database(database), m_clock(clock), m_retentionDays(retentionDays)
{
}

Result<std::vector<UsageQuery::Cell>> UsageQuery::aggregate(qint64 fromMs, qint64 toMs, qint64 bucketMs,
                                                            UsageSplit dimension) const
{
    const QString context = QStringLiteral("reading usage");
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };

    fromMs = std::max<qint64>(fromMs, 0);
    toMs = std::min(toMs, latestMs);
    std::map<std::pair<qint64, QString>, UsageTotals> cells;
    if (fromMs >= toMs)
        return std::vector<Cell>();

    const QString column = dimensionColumn(dimension);
    const auto addRows = [&](const QString &sql, qint64 from, qint64 to) -> Status {
        SqlStatement statement(*db, sql);
        statement.bind(from).bind(to);
        if (auto done = statement.exec(context); !done)
            return done;
        while (statement.next())
            cells[{ statement.value(0).toLongLong(), statement.value(1).toString() }]
                += totalsFrom(statement, 2);
        return Ok {};
    };
    const QString rollupSql
        = QStringLiteral("SELECT %1, %2, sum(requests), sum(errors), sum(prompt_tokens),"
                         " sum(completion_tokens), coalesce(sum(credits), 0) FROM usage_hourly"
                         " WHERE hour_start_ms >= ? AND hour_start_ms < ? GROUP BY 1, 2")
              .arg(bucketExpression(QStringLiteral("hour_start_ms"), bucketMs), column);
    const QString rawSql
        = QStringLiteral("SELECT %1, coalesce(%2, ''), count(*),"
                         " sum(CASE WHEN status <> 'success' THEN 1 ELSE 0 END), sum(prompt_tokens),"
                         " sum(completion_tokens), coalesce(sum(credits), 0) FROM usage_records"
                         " WHERE ts_ms >= ? AND ts_ms < ? GROUP BY 1, 2")
              .arg(bucketExpression(QStringLiteral("ts_ms"), bucketMs), column);

    // Raw rows are complete from the retention cutoff on: pruning only ever removed rows older than an
    // earlier cutoff.
    const qint64 rawCompleteFrom = m_retentionDays > 0
        ? m_clock.nowMs() - qint64(m_retentionDays) * usageDayMs
        : std::numeric_limits<qint64>::min();
    // A partial hour [from, to) inside one hour: raw rows when complete, else the whole hour if it starts
    // inside.
    const auto addPartialHour = [&](qint64 from, qint64 to) -> Status {
        if (from >= to)
            return Ok {};
        const qint64 hour = usageBucketStart(from, usageHourMs);
        if (hour >= rawCompleteFrom)
            return addRows(rawSql, from, to);
        if (hour >= from)
            return addRows(rollupSql, hour, hour + usageHourMs);
        return Ok {};
    };

    const qint64 firstWholeHour = usageBucketStart(fromMs + usageHourMs - 1, usageHourMs);
    const qint64 endOfWholeHours = usageBucketStart(toMs, usageHourMs);
    Status status = Ok {};
    if (firstWholeHour >= endOfWholeHours) {
        // No whole hour inside: at most the tail of one hour and the head of the next.
        const qint64 split = std::min(firstWholeHour, toMs);
        status = addPartialHour(fromMs, split);
        if (status && split < toMs)
            status = addPartialHour(split, toMs);
    } else {
        if (fromMs < firstWholeHour)
            status = addPartialHour(fromMs, firstWholeHour);
        if (status)
            status = addRows(rollupSql, firstWholeHour, endOfWholeHours);
        if (status && endOfWholeHours < toMs)
            status = addPartialHour(endOfWholeHours, toMs);
    }
    if (!status)
        return Error { status.error() };

    std::vector<Cell> out;
    out.reserve(cells.size());
    for (const auto &[key, totals] : cells)
        out.push_back(Cell { key.first, key.second, totals });
    return out;
}

Result<UsageReport> UsageQuery::usage(qint64 fromMs, qint64 toMs, UsageGroupBy groupBy) const
{
    UsageSplit dimension = UsageSplit::None;
    qint64 bucketMs = 0;
    switch (groupBy) {
    case UsageGroupBy::Key:
        dimension = UsageSplit::Key;
        break;
    case UsageGroupBy::Model:
        dimension = UsageSplit::Model;
        break;
    case UsageGroupBy::Account:
        dimension = UsageSplit::Account;
        break;
    case UsageGroupBy::Day:
        bucketMs = usageDayMs;
        break;
    case UsageGroupBy::Hour:
        bucketMs = usageHourMs;
        break;
    }
    auto cells = aggregate(fromMs, toMs, bucketMs, dimension);
    if (!cells)
        return Error { cells.error() };
    UsageReport report;
    report.rows.reserve(cells->size());
    for (const Cell &cell : *cells) {
        UsageRow row;
        row.bucketStartMs = cell.bucketStartMs;
        row.group = bucketMs > 0 ? isoUtc(cell.bucketStartMs) : cell.dimension;
        row.totals = cell.totals;
        report.totals += cell.totals;
        report.rows.push_back(std::move(row));
    }
    return report;
}

Result<std::vector<UsageSeriesPoint>> UsageQuery::series(qint64 fromMs, qint64 toMs, UsageBucket bucket,
                                                         UsageSplit split) const
{
    auto cells = aggregate(fromMs, toMs, bucket == UsageBucket::Day ? usageDayMs : usageHourMs, split);
    if (!cells)
        return Error { cells.error() };
    std::vector<UsageSeriesPoint> points;
    points.reserve(cells->size());
    for (const Cell &cell : *cells)
        points.push_back(UsageSeriesPoint { cell.bucketStartMs, cell.dimension, cell.totals });
    return points;
}

Result<std::vector<KeyUsage>> UsageQuery::keyTotals() const
{
    const QString context = QStringLiteral("reading usage per key");
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(
        *db,
        QStringLiteral("SELECT u.key_id, sum(u.requests), sum(u.errors), sum(u.prompt_tokens),"
                       " sum(u.completion_tokens), coalesce(sum(u.credits), 0), max(k.last_used_at)"
                       " FROM usage_hourly u LEFT JOIN api_keys k ON k.id = u.key_id"
                       " WHERE u.key_id <> '' GROUP BY u.key_id ORDER BY u.key_id"));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    std::vector<KeyUsage> out;
    while (statement.next())
        out.push_back(KeyUsage { statement.value(0).toString(), totalsFrom(statement, 1),
                                 SqlStatement::optionalInt64(statement.value(6)) });
    return out;
}

Result<std::vector<AccountUsage>> UsageQuery::accountTotals() const
{
    const QString context = QStringLiteral("reading usage per account");
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(
        *db,
        QStringLiteral("SELECT account_id, sum(requests), sum(errors), sum(prompt_tokens),"
                       " sum(completion_tokens), coalesce(sum(credits), 0) FROM usage_hourly"
                       " WHERE account_id <> '' GROUP BY account_id ORDER BY account_id"));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    std::vector<AccountUsage> out;
    while (statement.next())
        out.push_back(AccountUsage { statement.value(0).toString(), totalsFrom(statement, 1) });
    return out;
}

} // namespace Drawbridge
