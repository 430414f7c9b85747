// SPDX-License-Identifier: MIT
#include "slotleaserepository.h"

#include <QSqlError>
#include <QSqlQuery>

#include "server/storage/database.h"

namespace Drawbridge {

namespace {

// The leases of row `s` that pass @p filter (an SQL condition on lease id `i` and expiry `e`), in their
// order, as the two parallel arrays the row keeps.
QString keptLeases(const QString &filter)
{
    return QStringLiteral("SELECT COALESCE(array_agg(i ORDER BY n), CAST('{}' AS TEXT[])) AS ids,"
                          " COALESCE(array_agg(e ORDER BY n), CAST('{}' AS BIGINT[])) AS exps"
                          " FROM unnest(s.lease_ids, s.expires) WITH ORDINALITY AS t(i, e, n) WHERE %1")
        .arg(filter);
}

// Binds: account, lease, expiry (a first lease); slots, lease, slots, expiry, now (the others); lease (did we
// get it?).
const QString acquireSql
    = QStringLiteral("INSERT INTO slot_leases AS s (account_id, lease_ids, expires)"
                     " VALUES (?, ARRAY[CAST(? AS TEXT)], ARRAY[CAST(? AS BIGINT)])"
                     " ON CONFLICT (account_id) DO UPDATE SET (lease_ids, expires) ="
                     " (SELECT CASE WHEN cardinality(ids) < ? THEN ids || CAST(? AS TEXT) ELSE ids END,"
                     " CASE WHEN cardinality(ids) < ? THEN exps || CAST(? AS BIGINT) ELSE exps END"
                     " FROM (%1) live)"
                     " RETURNING CAST(? AS TEXT) = ANY(lease_ids)")
          .arg(keptLeases(QStringLiteral("e > ?")));

// Binds: leases, now, leases (rows to touch). Drops the expired leases too, so a row never grows past its
// live leases.
const QString releaseSql = QStringLiteral("UPDATE slot_leases AS s SET (lease_ids, expires) = (%1)"
                                          " WHERE s.lease_ids && CAST(? AS TEXT[])")
                               .arg(keptLeases(QStringLiteral("i <> ALL(CAST(? AS TEXT[])) AND e > ?")));

// Binds: leases, expiry, leases (rows to touch), leases (count). GREATEST: a renewal never shortens a lease.
const QString renewSql
    = QStringLiteral("UPDATE slot_leases AS s SET expires = ARRAY(SELECT CASE WHEN i = ANY(CAST(? AS TEXT[]))"
                     " THEN GREATEST(e, CAST(? AS BIGINT)) ELSE e END"
                     " FROM unnest(s.lease_ids, s.expires) WITH ORDINALITY AS t(i, e, n) ORDER BY n)"
                     " WHERE s.lease_ids && CAST(? AS TEXT[])"
                     " RETURNING (SELECT count(*) FROM unnest(s.lease_ids) AS h(i)"
                     " WHERE i = ANY(CAST(? AS TEXT[])))");

// A PostgreSQL array literal of lease ids. Ids are made by the pool (letters, digits, '-'), but quote anyway
// so an unexpected character cannot change the array.
QString arrayLiteral(const QStringList &ids)
{
    QStringList quoted;
    quoted.reserve(ids.size());
    for (QString id : ids) {
        id.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
            .replace(QLatin1Char('"'), QStringLiteral("\\\""));
        quoted.append(QLatin1Char('"') + id + QLatin1Char('"'));
    }
    return QLatin1Char('{') + quoted.join(QLatin1Char(',')) + QLatin1Char('}');
}

} // namespace

SlotLeaseRepository::SlotLeaseRepository(const Database &database) : m_database(database) { }

Result<bool> SlotLeaseRepository::acquire(const QString &accountId, const QString &leaseId, int slots,
                                          qint64 nowMs, qint64 expiresAtMs)
{
    const QString context = QStringLiteral("taking a slot of account %1").arg(accountId);
    if (slots <= 0)
        return false;
    // Prepared once per connection: each acquisition is then one EXECUTE, one round trip.
    auto query = m_database.cachedStatement(acquireSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    for (const QVariant &value :
         { QVariant(accountId), QVariant(leaseId), QVariant(expiresAtMs), QVariant(slots), QVariant(leaseId),
           QVariant(slots), QVariant(expiresAtMs), QVariant(nowMs), QVariant(leaseId) })
        q.addBindValue(value);
    if (!q.exec()) {
        Database::noteFailure(q); // the next call connects again
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    }
    if (!q.next())
        return Error { context + QStringLiteral(": no row returned") };
    const bool granted = q.value(0).toBool();
    q.finish();
    return granted;
}

Status SlotLeaseRepository::release(const QStringList &leaseIds, qint64 nowMs)
{
    if (leaseIds.isEmpty())
        return Ok {};
    const QString context = QStringLiteral("giving back %1 slot lease(s)").arg(leaseIds.size());
    auto query = m_database.cachedStatement(releaseSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    const QString ids = arrayLiteral(leaseIds);
    for (const QVariant &value : { QVariant(ids), QVariant(nowMs), QVariant(ids) })
        q.addBindValue(value);
    if (!q.exec()) {
        Database::noteFailure(q); // the next call connects again
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    }
    q.finish();
    return Ok {};
}

Result<int> SlotLeaseRepository::renew(const QStringList &leaseIds, qint64 expiresAtMs)
{
    if (leaseIds.isEmpty())
        return 0;
    const QString context = QStringLiteral("renewing %1 slot lease(s)").arg(leaseIds.size());
    auto query = m_database.cachedStatement(renewSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    const QString ids = arrayLiteral(leaseIds);
    for (const QVariant &value : { QVariant(ids), QVariant(expiresAtMs), QVariant(ids), QVariant(ids) })
        q.addBindValue(value);
    if (!q.exec()) {
        Database::noteFailure(q); // the next call connects again
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    }
    int held = 0;
    while (q.next())
        held += q.value(0).toInt();
    q.finish();
    return held;
}

} // namespace Drawbridge
