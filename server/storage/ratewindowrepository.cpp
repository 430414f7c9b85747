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

} // namespace

RateWindowRepository::RateWindowRepository(const Database &database) : m_database(database) { }

Result<RateLimiter::Decision> RateWindowRepository::acquire(const QString &keyId, int limit, qint64 nowMs)
{
    const QString context = QStringLiteral("admitting a request of key %1").arg(keyId);
    // Prepared once per connection: each admission is then one EXECUTE, one round trip.
    auto query = m_database.cachedStatement(acquireSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    const qint64 cutoff = nowMs - RateLimiter::windowMs;
    const QString token = QString::number(QRandomGenerator::global()->generate64(), 36);
    for (const QVariant &value : { QVariant(keyId), QVariant(limit), QVariant(nowMs), QVariant(limit),
                                   QVariant(token), QVariant(limit), QVariant(nowMs), QVariant(limit),
                                   QVariant(token), QVariant(cutoff), QVariant(limit) })
        q.addBindValue(value);
    if (!q.exec())
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    if (!q.next())
        return Error { context + QStringLiteral(": no row returned") };
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
    SqlStatement statement(*db, QStringLiteral("SELECT hits FROM rate_windows WHERE key_id = ?"));
    statement.bind(keyId);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
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
