// SPDX-License-Identifier: MIT
#include <QtTest>

#include "server/core/teamsnapshot.h"
#include "server/storage/database.h"
#include "server/storage/instanceheartbeatrepository.h"
#include "server/storage/postgresurl.h"
#include "server/storage/slotleaserepository.h"
#include "server/storage/teamheartbeat.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

/**
 * Team mode's instance heartbeats on a real PostgreSQL (this test always runs there): two instances (two
 * Databases, own connections) see each other's rows and sums, a row not renewed for 15 s no longer counts, a
 * clean stop removes it at once, and the snapshot counts every live slot lease of the team. Each test works
 * in its own stretch of time, so the rows of the others have lapsed for it.
 */
class TstTeamHeartbeat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void instancesSeeEachOther();
    void lapse_data();
    void lapse();
    void removedInstanceIsGoneAtOnce();
    void snapshotCountsLiveLeasesTeamWide();
    void longDeadRowsAreDeleted();
    void oversizedMetricsAreNotStored();
    void heartbeatCachesTheSnapshotAndRemovesItsRowOnStop();
    void summedCounters();

private:
    int rowsOf(const QString &instanceId);

    std::unique_ptr<Test::TempDatabase> m_db;
    std::unique_ptr<Database> m_second; ///< the other instance's connections to the same database
};

namespace {

constexpr qint64 lapseMs = 15'000;

InstanceHeartbeatRepository::Beat beat(const QString &id, qint64 startedAt, int inFlight, int queued,
                                       QByteArray metrics = QByteArrayLiteral("{}"))
{
    return InstanceHeartbeatRepository::Beat { id, startedAt, inFlight, queued, std::move(metrics) };
}

QStringList idsOf(const TeamSnapshot &team)
{
    QStringList ids;
    for (const auto &i : team.instances)
        ids.append(i.id);
    return ids;
}

} // namespace

void TstTeamHeartbeat::initTestCase()
{
    QVERIFY2(Test::TempDatabase::postgresRequested(), "run with DRAWBRIDGE_TEST_DATABASE=postgresql");
    m_db = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
    auto url = PostgresUrl::parse(m_db->url());
    DRAWBRIDGE_VERIFY_OK(url);
    auto second = Database::openPostgres(*url);
    DRAWBRIDGE_VERIFY_OK(second);
    m_second = std::move(*second);
}

int TstTeamHeartbeat::rowsOf(const QString &instanceId)
{
    auto conn = m_db->database().connection();
    if (!conn)
        return -1;
    QSqlQuery q(*conn);
    q.prepare(QStringLiteral("SELECT count(*) FROM team_instances WHERE instance_id = ?"));
    q.addBindValue(instanceId);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toInt();
}

void TstTeamHeartbeat::instancesSeeEachOther()
{
    InstanceHeartbeatRepository one(m_db->database());
    InstanceHeartbeatRepository two(*m_second);
    const qint64 now = 10'000'000;
    auto first
        = one.beat(beat(QStringLiteral("see-1"), now - 500, 3, 1, R"({"requests_total":7})"), now, lapseMs);
    DRAWBRIDGE_VERIFY_OK(first);
    QCOMPARE(idsOf(*first), QStringList { QStringLiteral("see-1") });
    QCOMPARE(first->asOfMs, now);

    auto second = two.beat(beat(QStringLiteral("see-2"), now - 100, 2, 4), now + 1'000, lapseMs);
    DRAWBRIDGE_VERIFY_OK(second);
    // Oldest first, each with what it wrote.
    QCOMPARE(idsOf(*second), (QStringList { QStringLiteral("see-1"), QStringLiteral("see-2") }));
    QCOMPARE(second->inFlight(), 5);
    QCOMPARE(second->queued(), 5);
    const auto &seen = second->instances.front();
    QCOMPARE(seen.startedAtMs, now - 500);
    QCOMPARE(seen.lastSeenMs, now);
    QCOMPARE(seen.metricsJson, QByteArray(R"({"requests_total":7})"));

    // A new tick replaces the row rather than adding one.
    auto again = one.beat(beat(QStringLiteral("see-1"), now - 500, 0, 0), now + 2'000, lapseMs);
    DRAWBRIDGE_VERIFY_OK(again);
    QCOMPARE(again->instances.size(), size_t(2));
    QCOMPARE(again->inFlight(), 2);
    QCOMPARE(again->instances.front().lastSeenMs, now + 2'000);
    QCOMPARE(rowsOf(QStringLiteral("see-1")), 1);
}

void TstTeamHeartbeat::lapse_data()
{
    QTest::addColumn<qint64>("silentMs");
    QTest::addColumn<bool>("counted");
    QTest::addColumn<qint64>("then"); // its own stretch of time per row, so the other rows' rows have lapsed
    QTest::newRow("seen 1 s ago") << qint64(1'000) << true << qint64(20'000'000);
    QTest::newRow("seen just under 15 s ago") << lapseMs - 1 << true << qint64(21'000'000);
    QTest::newRow("seen 15 s ago") << lapseMs << false << qint64(22'000'000);
    QTest::newRow("seen a minute ago") << qint64(60'000) << false << qint64(23'000'000);
}

void TstTeamHeartbeat::lapse()
{
    QFETCH(qint64, silentMs);
    QFETCH(bool, counted);
    InstanceHeartbeatRepository one(m_db->database());
    InstanceHeartbeatRepository two(*m_second);
    QFETCH(qint64, then);
    const QString dead = QStringLiteral("lapse-dead-%1").arg(silentMs);
    DRAWBRIDGE_VERIFY_OK(one.beat(beat(dead, then, 1, 0), then, lapseMs));
    auto team
        = two.beat(beat(QStringLiteral("lapse-live-%1").arg(silentMs), then, 0, 0), then + silentMs, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(idsOf(*team).contains(dead), counted);
    QCOMPARE(team->inFlight(), counted ? 1 : 0);
    QCOMPARE(int(team->instances.size()), counted ? 2 : 1);
}

void TstTeamHeartbeat::removedInstanceIsGoneAtOnce()
{
    InstanceHeartbeatRepository one(m_db->database());
    InstanceHeartbeatRepository two(*m_second);
    const qint64 now = 40'000'000;
    DRAWBRIDGE_VERIFY_OK(one.beat(beat(QStringLiteral("stop-1"), now, 2, 0), now, lapseMs));
    DRAWBRIDGE_VERIFY_OK(one.remove(QStringLiteral("stop-1")));
    DRAWBRIDGE_VERIFY_OK(one.remove(QStringLiteral("stop-1"))); // twice is fine
    auto team = two.beat(beat(QStringLiteral("stop-2"), now, 0, 0), now + 1, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(idsOf(*team), QStringList { QStringLiteral("stop-2") });
    QCOMPARE(rowsOf(QStringLiteral("stop-1")), 0);
}

void TstTeamHeartbeat::snapshotCountsLiveLeasesTeamWide()
{
    SlotLeaseRepository leasesOne(m_db->database());
    SlotLeaseRepository leasesTwo(*m_second);
    InstanceHeartbeatRepository one(m_db->database());
    const qint64 now = 50'000'000;
    // Two live leases on one account, one on another (from the other instance), one that expired.
    QVERIFY(*leasesOne.acquire(QStringLiteral("lease-a"), QStringLiteral("l1"), 3, now, now + 20'000));
    QVERIFY(*leasesOne.acquire(QStringLiteral("lease-a"), QStringLiteral("l2"), 3, now, now + 20'000));
    QVERIFY(*leasesTwo.acquire(QStringLiteral("lease-b"), QStringLiteral("l3"), 3, now, now + 20'000));
    QVERIFY(*leasesTwo.acquire(QStringLiteral("lease-b"), QStringLiteral("l4"), 3, now, now + 5'000));
    auto team = one.beat(beat(QStringLiteral("leases-1"), now, 0, 0), now + 10'000, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(team->slotsInUse, 3);
    DRAWBRIDGE_VERIFY_OK(leasesOne.release({ QStringLiteral("l1") }, now + 10'001));
    team = one.beat(beat(QStringLiteral("leases-1"), now, 0, 0), now + 10'002, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(team->slotsInUse, 2);
    // Every lease lapsed: none in use.
    team = one.beat(beat(QStringLiteral("leases-1"), now, 0, 0), now + 20'000, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(team->slotsInUse, 0);
}

void TstTeamHeartbeat::longDeadRowsAreDeleted()
{
    InstanceHeartbeatRepository one(m_db->database());
    InstanceHeartbeatRepository two(*m_second);
    const qint64 now = 60'000'000;
    DRAWBRIDGE_VERIFY_OK(one.beat(beat(QStringLiteral("old-dead"), now, 0, 0), now, lapseMs));
    DRAWBRIDGE_VERIFY_OK(two.beat(beat(QStringLiteral("old-live"), now, 0, 0),
                                  now + InstanceHeartbeatRepository::forgetAfterMs, lapseMs));
    QCOMPARE(rowsOf(QStringLiteral("old-dead")), 1); // lapsed, not yet forgotten
    DRAWBRIDGE_VERIFY_OK(two.beat(beat(QStringLiteral("old-live"), now, 0, 0),
                                  now + InstanceHeartbeatRepository::forgetAfterMs + 1, lapseMs));
    QCOMPARE(rowsOf(QStringLiteral("old-dead")), 0);
    QCOMPARE(rowsOf(QStringLiteral("old-live")), 1);
}

void TstTeamHeartbeat::oversizedMetricsAreNotStored()
{
    InstanceHeartbeatRepository one(m_db->database());
    const qint64 now = 70'000'000;
    QByteArray huge(InstanceHeartbeatRepository::maxMetricsBytes + 1, 'x');
    auto team = one.beat(beat(QStringLiteral("huge"), now, 0, 0, huge), now, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(team->instances.front().metricsJson, QByteArrayLiteral("{}"));
}

void TstTeamHeartbeat::heartbeatCachesTheSnapshotAndRemovesItsRowOnStop()
{
    InstanceHeartbeatRepository repository(m_db->database());
    InstanceHeartbeatRepository other(*m_second);
    Test::FakeClock clock(80'000'000);
    int inFlight = 2;
    TeamHeartbeat heartbeat(
        repository, clock,
        [&inFlight] {
            return TeamHeartbeat::Sample { inFlight, 1, QByteArrayLiteral(R"({"requests_total":3})") };
        },
        TeamHeartbeat::Options { 60'000, lapseMs });
    QVERIFY(!heartbeat.snapshot());
    heartbeat.start();
    auto cached = heartbeat.snapshot();
    QVERIFY(cached);
    QCOMPARE(idsOf(*cached), QStringList { heartbeat.instanceId() });
    QCOMPARE(cached->inFlight(), 2);
    QCOMPARE(cached->asOfMs, clock.nowMs());

    // Another instance appears; the cached snapshot changes only at the next tick.
    DRAWBRIDGE_VERIFY_OK(
        other.beat(beat(QStringLiteral("cache-other"), clock.nowMs(), 5, 0), clock.nowMs(), lapseMs));
    QCOMPARE(heartbeat.snapshot()->instances.size(), size_t(1));
    clock.advanceMs(2'500);
    inFlight = 0;
    DRAWBRIDGE_VERIFY_OK(heartbeat.beatNow());
    cached = heartbeat.snapshot();
    QCOMPARE(cached->instances.size(), size_t(2));
    QCOMPARE(cached->inFlight(), 5);
    QCOMPARE(cached->asOfMs, clock.nowMs());

    QCOMPARE(rowsOf(heartbeat.instanceId()), 1);
    heartbeat.stop();
    QCOMPARE(rowsOf(heartbeat.instanceId()), 0);
    auto team
        = other.beat(beat(QStringLiteral("cache-other"), clock.nowMs(), 0, 0), clock.nowMs() + 1, lapseMs);
    DRAWBRIDGE_VERIFY_OK(team);
    QCOMPARE(idsOf(*team), QStringList { QStringLiteral("cache-other") });
}

void TstTeamHeartbeat::summedCounters()
{
    TeamSnapshot team;
    team.asOfMs = 1'000;
    team.slotsInUse = 2;
    team.instances.push_back(TeamSnapshot::Instance {
        QStringLiteral("a"), 0, 1'000, 1, 0,
        R"({"requests_total":3,"tokens":{"prompt":10,"completion":5},)"
        R"("requests":[{"model":"kiro","status":"ok","count":2},{"model":"kiro","status":"error","count":1}],)"
        R"("credits":[{"account":"x","credits":0.5}],"rate_limited":[{"key":"k1","count":4}],)"
        R"("upstream_errors":[]})" });
    team.instances.push_back(TeamSnapshot::Instance {
        QStringLiteral("b"), 0, 1'000, 2, 3,
        R"({"requests_total":4,"tokens":{"prompt":1,"completion":2},)"
        R"("requests":[{"model":"kiro","status":"ok","count":4}],"credits":[{"account":"x","credits":0.25}],)"
        R"("upstream_errors":[{"account":"x","kind":"throttled","count":1}]})" });
    team.instances.push_back(
        TeamSnapshot::Instance { QStringLiteral("garbled"), 0, 1'000, 0, 0, "not json" });
    const QJsonObject m = team.metricsJson(1'500);
    QCOMPARE(m.value(QLatin1String("age_ms")).toInt(), 500);
    QCOMPARE(m.value(QLatin1String("instances")).toArray().size(), 3);
    const QJsonObject totals = m.value(QLatin1String("totals")).toObject();
    QCOMPARE(totals.value(QLatin1String("requests_total")).toInt(), 7);
    QCOMPARE(totals.value(QLatin1String("tokens")).toObject().value(QLatin1String("prompt")).toInt(), 11);
    QCOMPARE(totals.value(QLatin1String("tokens")).toObject().value(QLatin1String("completion")).toInt(), 7);
    QCOMPARE(
        QJsonDocument(totals.value(QLatin1String("requests")).toArray()).toJson(QJsonDocument::Compact),
        QByteArray(
            R"([{"count":1,"model":"kiro","status":"error"},{"count":6,"model":"kiro","status":"ok"}])"));
    QCOMPARE(
        totals.value(QLatin1String("credits")).toArray().at(0).toObject().value(QLatin1String("credits")),
        0.75);
    QCOMPARE(totals.value(QLatin1String("rate_limited")).toArray().size(), 1);
    QCOMPARE(totals.value(QLatin1String("upstream_errors")).toArray().size(), 1);
    QCOMPARE(totals.value(QLatin1String("in_flight")).toInt(), 3);
    QCOMPARE(totals.value(QLatin1String("queued")).toInt(), 3);

    PoolStatus pool;
    pool.enabledAccounts = 2;
    pool.usableAccounts = 1;
    pool.totalSlots = 3;
    const QJsonObject h = team.healthJson(pool, 1'200);
    QCOMPARE(h.value(QLatin1String("status")).toString(), QStringLiteral("degraded"));
    QCOMPARE(h.value(QLatin1String("instances")).toInt(), 3);
    QCOMPARE(h.value(QLatin1String("available_slots")).toInt(), 1);
    QCOMPARE(h.value(QLatin1String("as_of")).toString(), QStringLiteral("1970-01-01T00:00:01.000Z"));
    QCOMPARE(h.value(QLatin1String("age_ms")).toInt(), 200);
    team.slotsInUse = 9; // leases on accounts that are not usable right now: never below zero
    QCOMPARE(team.healthJson(pool, 1'200).value(QLatin1String("available_slots")).toInt(), 0);
}

QTEST_GUILESS_MAIN(TstTeamHeartbeat)
#include "tst_teamheartbeat.moc"
