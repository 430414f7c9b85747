// SPDX-License-Identifier: MIT
#include "ratewindowrepository.h"

#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <algorithm>
#include <vector>

#include "server/storage/database.h"
#include "server/storage/sqlstatement.h"

namespace Drawbridge {

namespace {

// The newest admissions still inside the window, at most `limit` of them (with a lowered limit only those can
// ever matter, as in RateLimiter), oldest first. Binds the cutoff and the limit.
const QString inWindow
    = QStringLiteral("ARRAY(SELECT h FROM (SELECT h FROM unnest(w.hits) h WHERE h > ?"
                     " ORDER BY h DESC LIMIT GREATEST(CAST(? AS INTEGER), 0)) newest ORDER BY h)");

// The window is computed once per admission (a multi-column SET from one sub-select): its cost grows with the
// admissions the window holds, so with the limit.
const QString acquireSql
    = QStringLiteral("INSERT INTO rate_windows AS w (key_id, hits, token)"
                     " VALUES (?, CASE WHEN ? > 0 THEN ARRAY[CAST(? AS BIGINT)]"
                     " ELSE CAST('{}' AS BIGINT[]) END, CASE WHEN ? > 0 THEN ? END)"
                     " ON CONFLICT (key_id) DO UPDATE SET (hits, token) ="
                     " (SELECT CASE WHEN cardinality(kept) < ? THEN kept || CAST(? AS BIGINT)"
                     " ELSE kept END, CASE WHEN cardinality(kept) < ? THEN ? ELSE w.token END"
                     " FROM (SELECT %1 AS kept) window_now)"
                     " RETURNING token, hits")
          .arg(inWindow);

// QPSQL returns a bigint[] as its text form, "{1,2,3}".
std::vector<qint64> parseArray(const QString &text)
{
    std::vector<qint64> out;
    QString body = text;
    body.remove(QLatin1Char('{')).remove(QLatin1Char('}'));
    for (const QString &part : body.split(QLatin1Char(','), Qt::SkipEmptyParts))
        out.push_back(part.toLongLong());
    std::sort(out.begin(), out.end());
    return out;
}

RateLimiter::Decision decide(const std::vector<qint64> &hits, int limit, qint64 nowMs, bool admitted)
{
    std::vector<qint64> live;
    for (qint64 h : hits) {
        if (h + RateLimiter::windowMs > nowMs)
            live.push_back(h);
    }
    RateLimiter::Decision d;
    d.limit = limit;
    d.admitted = admitted;
    const int used = int(live.size());
    d.remaining = std::max(0, limit - used);
    const bool full = limit <= 0 || used >= limit;
    // The oldest entry that must leave before one more fits: with a lowered limit, more than one may have to.
    const qsizetype mustLeave = std::max<qsizetype>(0, used - limit);
    d.resetMs = !full
        ? nowMs
        : (live.empty() ? nowMs + RateLimiter::windowMs : live[mustLeave] + RateLimiter::windowMs);
    return d;
}

// Above RateWindowRepository::exactLimitMax: two fixed windows, the previous one weighted by how much of it
// still overlaps the sliding window. Constant work per request whatever the traffic. Up to `wanted`
// admissions at once: the k-th (from 0) fits while p * weight + c + k < limit, so g = ceil(limit - used)
// of them, at most wanted. The token written is "<random>:<g>", telling the caller whether and how many.
// Binds: key, limit, wanted, token, bucket (a first row); bucket, token, wanted, limit, weight, bucket,
// previous bucket, bucket.
const QString countedSql = QStringLiteral(
    "INSERT INTO rate_windows AS w (key_id, hits, token, bucket_start, prev_count, cur_count)"
    " SELECT ?, CAST('{}' AS BIGINT[]), CASE WHEN g > 0 THEN t || ':' || g END, ?, 0, g"
    " FROM (SELECT GREATEST(0, LEAST(CAST(? AS INTEGER), CAST(? AS INTEGER))) AS g, CAST(? AS TEXT) AS t) "
    "fresh"
    " ON CONFLICT (key_id) DO UPDATE SET (bucket_start, prev_count, cur_count, token) ="
    " (SELECT CAST(? AS BIGINT), p, c + g, CASE WHEN g > 0 THEN CAST(? AS TEXT) || ':' || g ELSE w.token END"
    " FROM (SELECT p, c, CAST(GREATEST(0, LEAST(CAST(? AS INTEGER),"
    " CEIL(CAST(? AS DOUBLE PRECISION) - (p * CAST(? AS DOUBLE PRECISION) + c)))) AS BIGINT) AS g"
    " FROM (SELECT CASE WHEN w.bucket_start = ? THEN w.prev_count WHEN w.bucket_start = ? THEN w.cur_count"
    " ELSE 0 END AS p, CASE WHEN w.bucket_start = ? THEN w.cur_count ELSE 0 END AS c) counts) granted)"
    " RETURNING token, bucket_start, prev_count, cur_count");

// Binds @p values to the prepared @p q and runs it; its one row is then current. A failure marks a lost
// connection, so the next call connects again.
Status runForOneRow(QSqlQuery &q, std::initializer_list<QVariant> values, const QString &context)
{
    for (const QVariant &value : values)
        q.addBindValue(value);
    if (!q.exec()) {
        Database::noteFailure(q);
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    }
    if (!q.next())
        return Error { context + QStringLiteral(": no row returned") };
    return Ok {};
}

struct Counts
{
    qint64 previous = 0;
    qint64 current = 0;
};

// The counts as seen from @p nowMs's bucket.
Counts shift(qint64 bucketStart, qint64 previous, qint64 current, qint64 nowBucket)
{
    if (bucketStart == nowBucket)
        return { previous, current };
    if (bucketStart == nowBucket - RateLimiter::windowMs)
        return { current, 0 };
    return {};
}

RateLimiter::Decision decideCounted(Counts counts, int limit, qint64 nowMs, qint64 nowBucket, bool admitted)
{
    const qint64 w = RateLimiter::windowMs;
    const double weight = double(w - (nowMs - nowBucket)) / double(w);
    const double used = double(counts.previous) * weight + double(counts.current);
    RateLimiter::Decision d;
    d.limit = limit;
    d.admitted = admitted;
    d.remaining = std::max(0, int(double(limit) - used));
    if (limit > 0 && used < double(limit)) {
        d.resetMs = nowMs;
    } else if (counts.current < limit && counts.previous > 0) {
        // The previous window's weight falls until one more fits.
        const double fraction = 1.0 - double(limit - counts.current) / double(counts.previous);
        d.resetMs = std::max(nowMs + 1, nowBucket + qint64(fraction * double(w)) + 1);
    } else {
        d.resetMs = nowBucket + w + (limit > 0 ? 0 : w);
    }
    return d;
}

} // namespace

RateWindowRepository::RateWindowRepository(const Database &database) : m_database(database) { }

Result<SharedRateWindow::Grant> RateWindowRepository::acquireMany(const QString &keyId, int limit,
                                                                  qint64 nowMs, int wanted)
{
    if (limit <= exactLimitMax) {
        auto one = acquire(keyId, limit, nowMs);
        if (!one)
            return Error { one.error() };
        return Grant { *one, one->admitted ? 1 : 0 };
    }
    wanted = std::max(1, wanted);
    const QString context = QStringLiteral("admitting requests of key %1").arg(keyId);
    auto query = m_database.cachedStatement(countedSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    const qint64 bucket = nowMs - nowMs % RateLimiter::windowMs;
    const double weight = double(RateLimiter::windowMs - (nowMs - bucket)) / double(RateLimiter::windowMs);
    const QString token = QString::number(QRandomGenerator::global()->generate64(), 36);
    if (Status ran = runForOneRow(q,
                                  { QVariant(keyId), QVariant(bucket), QVariant(wanted), QVariant(limit),
                                    QVariant(token), QVariant(bucket), QVariant(token), QVariant(wanted),
                                    QVariant(limit), QVariant(weight), QVariant(bucket),
                                    QVariant(bucket - RateLimiter::windowMs), QVariant(bucket) },
                                  context);
        !ran)
        return Error { ran.error() };
    // Ours only if the row carries this call's token; another call's (or none) means nothing was granted.
    const QString written = q.value(0).toString();
    const qsizetype colon = written.lastIndexOf(QLatin1Char(':'));
    const int granted = colon == token.size() && QStringView(written).left(colon) == token
        ? QStringView(written).mid(colon + 1).toInt()
        : 0;
    const Counts counts
        = shift(q.value(1).toLongLong(), q.value(2).toLongLong(), q.value(3).toLongLong(), bucket);
    q.finish();
    return Grant { decideCounted(counts, limit, nowMs, bucket, granted > 0), granted };
}

Result<RateLimiter::Decision> RateWindowRepository::acquire(const QString &keyId, int limit, qint64 nowMs)
{
    const QString context = QStringLiteral("admitting a request of key %1").arg(keyId);
    if (limit > exactLimitMax) {
        auto grant = acquireMany(keyId, limit, nowMs, 1);
        if (!grant)
            return Error { grant.error() };
        return grant->decision;
    }
    // Prepared once per connection: each admission is then one EXECUTE, one round trip.
    auto query = m_database.cachedStatement(acquireSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    const qint64 cutoff = nowMs - RateLimiter::windowMs;
    const QString token = QString::number(QRandomGenerator::global()->generate64(), 36);
    if (Status ran = runForOneRow(q,
                                  { QVariant(keyId), QVariant(limit), QVariant(nowMs), QVariant(limit),
                                    QVariant(token), QVariant(limit), QVariant(nowMs), QVariant(limit),
                                    QVariant(token), QVariant(cutoff), QVariant(limit) },
                                  context);
        !ran)
        return Error { ran.error() };
    const bool admitted = q.value(0).toString() == token;
    const std::vector<qint64> hits = parseArray(q.value(1).toString());
    q.finish();
    return decide(hits, limit, nowMs, admitted);
}

Result<RateLimiter::Decision> RateWindowRepository::peek(const QString &keyId, int limit, qint64 nowMs) const
{
    const QString context = QStringLiteral("reading the window of key %1").arg(keyId);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(
        *db,
        QStringLiteral(
            "SELECT hits, bucket_start, prev_count, cur_count FROM rate_windows WHERE key_id = ?"));
    statement.bind(keyId);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    if (limit > exactLimitMax) {
        const qint64 bucket = nowMs - nowMs % RateLimiter::windowMs;
        const Counts counts = statement.next()
            ? shift(statement.value(1).toLongLong(), statement.value(2).toLongLong(),
                    statement.value(3).toLongLong(), bucket)
            : Counts {};
        RateLimiter::Decision d = decideCounted(counts, limit, nowMs, bucket, false);
        d.admitted = d.remaining > 0;
        return d;
    }
    const std::vector<qint64> hits
        = statement.next() ? parseArray(statement.value(0).toString()) : std::vector<qint64>();
    RateLimiter::Decision d = decide(hits, limit, nowMs, false);
    d.admitted = d.remaining > 0;
    return d;
}

Status RateWindowRepository::forget(const QString &keyId)
{
    auto db = m_database.connection();
    if (!db)
        return Error { db.error() };
    SqlStatement statement(*db, QStringLiteral("DELETE FROM rate_windows WHERE key_id = ?"));
    statement.bind(keyId);
    return statement.exec(QStringLiteral("clearing the window of key %1").arg(keyId));
}

} // namespace Drawbridge
