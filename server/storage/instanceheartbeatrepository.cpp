// SPDX-License-Identifier: MIT
#include "instanceheartbeatrepository.h"

#include <QSqlError>
#include <QSqlQuery>

#include "server/storage/database.h"

namespace Drawbridge {

namespace {

// Binds: id, started, now, in-flight, queued, metrics (the upsert); forget-before (the purge); now (live
// leases); id, seen-after (the other live instances). A data-modifying CTE's rows are not visible to the rest
// of its statement, so this instance's row comes from the upsert's RETURNING and the others from the table.
const QString beatSql = QStringLiteral(
    "WITH me AS ("
    " INSERT INTO team_instances (instance_id, started_at, last_seen, in_flight, queued, metrics)"
    " VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (instance_id) DO UPDATE SET last_seen = excluded.last_seen,"
    " in_flight = excluded.in_flight, queued = excluded.queued, metrics = excluded.metrics"
    " RETURNING instance_id, started_at, last_seen, in_flight, queued, metrics),"
    " gone AS (DELETE FROM team_instances WHERE last_seen < ?),"
    " leases AS (SELECT count(*) AS n FROM slot_leases AS s CROSS JOIN LATERAL unnest(s.expires) AS e(at)"
    " WHERE e.at > ?)"
    " SELECT t.instance_id, t.started_at, t.last_seen, t.in_flight, t.queued, t.metrics, leases.n"
    " FROM (SELECT * FROM me UNION ALL"
    " SELECT instance_id, started_at, last_seen, in_flight, queued, metrics FROM team_instances"
    " WHERE instance_id <> ? AND last_seen > ?) AS t CROSS JOIN leases"
    " ORDER BY t.started_at, t.instance_id");

const QString removeSql = QStringLiteral("DELETE FROM team_instances WHERE instance_id = ?");

} // namespace

InstanceHeartbeatRepository::InstanceHeartbeatRepository(const Database &database) : m_database(database) { }

Result<TeamSnapshot> InstanceHeartbeatRepository::beat(const Beat &beat, qint64 nowMs, qint64 lapseMs)
{
    const QString context = QStringLiteral("recording this instance's heartbeat");
    auto query = m_database.cachedStatement(beatSql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    const QByteArray metrics
        = beat.metricsJson.size() <= maxMetricsBytes ? beat.metricsJson : QByteArrayLiteral("{}");
    for (const QVariant &value :
         { QVariant(beat.instanceId), QVariant(beat.startedAtMs), QVariant(nowMs), QVariant(beat.inFlight),
           QVariant(beat.queued), QVariant(QString::fromUtf8(metrics)), QVariant(nowMs - forgetAfterMs),
           QVariant(nowMs), QVariant(beat.instanceId), QVariant(nowMs - lapseMs) })
        q.addBindValue(value);
    if (!q.exec()) {
        Database::noteFailure(q); // the next call connects again
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    }
    TeamSnapshot snapshot;
    snapshot.asOfMs = nowMs;
    while (q.next()) {
        snapshot.instances.push_back(TeamSnapshot::Instance {
            q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toLongLong(), q.value(3).toInt(),
            q.value(4).toInt(), q.value(5).toString().toUtf8() });
        snapshot.slotsInUse = q.value(6).toInt();
    }
    q.finish();
    return snapshot;
}

Status InstanceHeartbeatRepository::remove(const QString &instanceId)
{
    auto query = m_database.cachedStatement(removeSql);
    if (!query)
        return Error { QStringLiteral("removing this instance's heartbeat: ") + query.error() };
    QSqlQuery &q = **query;
    q.addBindValue(instanceId);
    if (!q.exec()) {
        Database::noteFailure(q);
        return Error { QStringLiteral("removing this instance's heartbeat: ") + q.lastError().text() };
    }
    q.finish();
    return Ok {};
}

} // namespace Drawbridge
