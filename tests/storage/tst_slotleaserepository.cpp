// SPDX-License-Identifier: MIT
#include <QtTest>

#include <atomic>
#include <thread>

#include "server/core/accountpool.h"
#include "server/storage/database.h"
#include "server/storage/postgresurl.h"
#include "server/storage/slotleaserepository.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

/**
 * The team's account slots on a real PostgreSQL (this test always runs there): two instances (two Databases,
 * own connections) never hold more than an account's slots together, a lease that is not renewed lapses and
 * gives its slot back, and two AccountPools sharing the table hand slots to each other.
 */
class TstSlotLeaseRepository : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void twoInstancesShareTheSlots();
    void expiredLeasesNoLongerCount();
    void renewalKeepsLeasesAndReportsLapsedOnes();
    void oneReleaseGivesBackLeasesOnEveryAccount();
    void racingInstancesNeverExceedTheSlots();
    void poolsHandSlotsToEachOther();
    void deadInstancesSlotsComeBackWhenTheirLeasesLapse();
    void renewedPoolLeasesOutliveTheirFirstExpiry();
    void unreachableTeamFallsBackToTheLocalCount();
    void endedLeasesAreTakenAgainWithoutARoundTrip();
    void spareLeasesGoBackToTheTeamInOneStatement();
    void spareLeasesNearTheirExpiryAreNotTakenAgain();

private:
    std::unique_ptr<Test::TempDatabase> m_db;
    std::unique_ptr<Database> m_second; ///< the other instance's connections to the same database
};

namespace {

constexpr qint64 ttl = 20'000;

AccountPool::Options poolOptions()
{
    AccountPool::Options o;
    o.queueTimeoutS = 60;
    o.sharedLeaseTtlMs = ttl;
    return o;
}

/** A SharedSlots whose database is gone: every call fails, as with a dropped connection. */
class DownSlots final : public SharedSlots
{
public:
    Result<bool> acquire(const QString &, const QString &, int, qint64, qint64) override
    {
        ++calls;
        return Error { QStringLiteral("server closed the connection unexpectedly") };
    }
    Status release(const QStringList &, qint64) override
    {
        ++calls;
        return Error { QStringLiteral("server closed the connection unexpectedly") };
    }
    Result<int> renew(const QStringList &, qint64) override
    {
        ++calls;
        return Error { QStringLiteral("server closed the connection unexpectedly") };
    }
    int calls = 0;
};

/** The team's slots, counting the round trips each kind of call makes. */
class CountingSlots final : public SharedSlots
{
public:
    explicit CountingSlots(SharedSlots &real) : m_real(real) { }
    Result<bool> acquire(const QString &account, const QString &lease, int slots, qint64 now,
                         qint64 expires) override
    {
        ++acquires;
        return m_real.acquire(account, lease, slots, now, expires);
    }
    Status release(const QStringList &leases, qint64 now) override
    {
        ++releases;
        released += leases.size();
        return m_real.release(leases, now);
    }
    Result<int> renew(const QStringList &leases, qint64 expires) override
    {
        ++renewals;
        if (failRenewals)
            return Error { QStringLiteral("server closed the connection unexpectedly") };
        return m_real.renew(leases, expires);
    }
    int acquires = 0;
    int releases = 0;
    int released = 0;
    int renewals = 0;
    bool failRenewals = false;

private:
    SharedSlots &m_real;
};

} // namespace

void TstSlotLeaseRepository::initTestCase()
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

void TstSlotLeaseRepository::twoInstancesShareTheSlots()
{
    SlotLeaseRepository one(m_db->database());
    SlotLeaseRepository two(*m_second);
    const QString acc = QStringLiteral("shared-a");
    const qint64 now = 1'000'000;
    QVERIFY(*one.acquire(acc, QStringLiteral("1-a"), 2, now, now + ttl));
    QVERIFY(*two.acquire(acc, QStringLiteral("2-a"), 2, now, now + ttl));
    auto third = two.acquire(acc, QStringLiteral("2-b"), 2, now, now + ttl);
    DRAWBRIDGE_VERIFY_OK(third);
    QVERIFY2(!*third, "a third lease on a two-slot account");
    QVERIFY(!*one.acquire(acc, QStringLiteral("1-b"), 2, now, now + ttl));
    DRAWBRIDGE_VERIFY_OK(one.release({ QStringLiteral("1-a") }, now + 1));
    QVERIFY(*two.acquire(acc, QStringLiteral("2-b"), 2, now + 2, now + ttl));
    // Giving back an unknown or already returned lease changes nothing.
    DRAWBRIDGE_VERIFY_OK(one.release({ QStringLiteral("1-a") }, now + 3));
    DRAWBRIDGE_VERIFY_OK(one.release({ QStringLiteral("x"), QStringLiteral("no-such-lease") }, now + 3));
    QVERIFY(!*one.acquire(acc, QStringLiteral("1-c"), 2, now + 4, now + ttl));
    // A lowered slot count holds at once for newcomers.
    DRAWBRIDGE_VERIFY_OK(two.release({ QStringLiteral("2-a") }, now + 5));
    QVERIFY(!*one.acquire(acc, QStringLiteral("1-d"), 1, now + 6, now + ttl));
}

void TstSlotLeaseRepository::expiredLeasesNoLongerCount()
{
    SlotLeaseRepository one(m_db->database());
    SlotLeaseRepository two(*m_second);
    const QString acc = QStringLiteral("expiring");
    const qint64 now = 2'000'000;
    QVERIFY(*one.acquire(acc, QStringLiteral("dead-1"), 1, now, now + ttl));
    QVERIFY(!*two.acquire(acc, QStringLiteral("live-1"), 1, now + ttl - 1, now + 2 * ttl));
    QVERIFY(*two.acquire(acc, QStringLiteral("live-1"), 1, now + ttl, now + 2 * ttl));
    // The lapsed lease is gone from the row: renewing it finds nothing.
    QCOMPARE(*one.renew({ QStringLiteral("dead-1") }, now + 3 * ttl), 0);
}

void TstSlotLeaseRepository::renewalKeepsLeasesAndReportsLapsedOnes()
{
    SlotLeaseRepository one(m_db->database());
    SlotLeaseRepository two(*m_second);
    const QString a = QStringLiteral("renew-a");
    const QString b = QStringLiteral("renew-b");
    const qint64 now = 3'000'000;
    QVERIFY(*one.acquire(a, QStringLiteral("r1"), 1, now, now + ttl));
    QVERIFY(*one.acquire(b, QStringLiteral("r2"), 1, now, now + ttl));
    QVERIFY(*two.acquire(b, QStringLiteral("other\"{,}"), 2, now, now + ttl));
    // One statement renews the instance's leases on every account; another instance's lease is untouched.
    auto held = one.renew({ QStringLiteral("r1"), QStringLiteral("r2"), QStringLiteral("never-held") },
                          now + ttl + 15'000);
    DRAWBRIDGE_VERIFY_OK(held);
    QCOMPARE(*held, 2);
    QVERIFY(!*two.acquire(a, QStringLiteral("x1"), 1, now + ttl + 1, now + 2 * ttl));
    QVERIFY(!*two.acquire(b, QStringLiteral("x2"), 2, now + ttl - 1, now + 2 * ttl));
    QVERIFY2(*two.acquire(b, QStringLiteral("x2"), 2, now + ttl + 1, now + 2 * ttl),
             "the other instance's lease was renewed too");
    QVERIFY(*two.acquire(a, QStringLiteral("x1"), 1, now + ttl + 15'000, now + 3 * ttl));
    // A renewal never shortens a lease.
    QCOMPARE(*two.renew({ QStringLiteral("x1") }, now), 1);
    QVERIFY(!*one.acquire(a, QStringLiteral("r3"), 1, now + ttl + 15'001, now + 3 * ttl));
    DRAWBRIDGE_VERIFY_OK(one.renew({}, now));
}

void TstSlotLeaseRepository::oneReleaseGivesBackLeasesOnEveryAccount()
{
    SlotLeaseRepository one(m_db->database());
    SlotLeaseRepository two(*m_second);
    const qint64 now = 3'500'000;
    QVERIFY(*one.acquire(QStringLiteral("many-a"), QStringLiteral("m1"), 1, now, now + ttl));
    QVERIFY(*one.acquire(QStringLiteral("many-b"), QStringLiteral("m2"), 2, now, now + ttl));
    QVERIFY(*one.acquire(QStringLiteral("many-b"), QStringLiteral("m3"), 2, now, now + ttl));
    QVERIFY(*two.acquire(QStringLiteral("many-c"), QStringLiteral("kept"), 1, now, now + ttl));
    // m3 stays held: one statement gives back m1 and m2 only, on both accounts.
    DRAWBRIDGE_VERIFY_OK(
        one.release({ QStringLiteral("m1"), QStringLiteral("m2"), QStringLiteral("never") }, now + 1));
    QVERIFY(*two.acquire(QStringLiteral("many-a"), QStringLiteral("n1"), 1, now + 2, now + ttl));
    QVERIFY(*two.acquire(QStringLiteral("many-b"), QStringLiteral("n2"), 2, now + 2, now + ttl));
    QVERIFY2(!*two.acquire(QStringLiteral("many-b"), QStringLiteral("n3"), 2, now + 2, now + ttl),
             "a lease that was not in the list was given back");
    QVERIFY2(!*one.acquire(QStringLiteral("many-c"), QStringLiteral("m4"), 1, now + 2, now + ttl),
             "another instance's lease was given back");
    DRAWBRIDGE_VERIFY_OK(one.release({}, now + 3));
}

void TstSlotLeaseRepository::racingInstancesNeverExceedTheSlots()
{
    // 4 threads (two per instance, each its own connection) race 25 acquisitions each for 7 slots.
    SlotLeaseRepository one(m_db->database());
    SlotLeaseRepository two(*m_second);
    std::atomic<int> granted { 0 };
    std::atomic<int> failed { 0 };
    const qint64 now = 4'000'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        SlotLeaseRepository *instance = t % 2 == 0 ? &one : &two;
        const Database *db = t % 2 == 0 ? &m_db->database() : m_second.get();
        threads.emplace_back([instance, db, t, &granted, &failed, now] {
            for (int i = 0; i < 25; ++i) {
                auto r = instance->acquire(QStringLiteral("raced"), QStringLiteral("t%1-%2").arg(t).arg(i), 7,
                                           now + i, now + ttl);
                if (!r)
                    ++failed;
                else if (*r)
                    ++granted;
            }
            db->releaseConnection();
        });
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(failed.load(), 0);
    QCOMPARE(granted.load(), 7);
}

void TstSlotLeaseRepository::poolsHandSlotsToEachOther()
{
    Test::FakeClock clock;
    SlotLeaseRepository oneSlots(m_db->database());
    SlotLeaseRepository twoSlots(*m_second);
    AccountPool one(clock, poolOptions());
    AccountPool two(clock, poolOptions());
    one.setSharedSlots(&oneSlots);
    two.setSharedSlots(&twoSlots);
    for (AccountPool *pool : { &one, &two }) {
        pool->upsertAccount(QStringLiteral("pool-a"), 2, 0, true);
        pool->upsertAccount(QStringLiteral("pool-b"), 1, 0, true);
    }
    // The team has 3 slots: one instance takes all of them, the other queues.
    std::vector<SlotLease> held;
    for (int i = 0; i < 3; ++i) {
        auto a = one.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
        QVERIFY2(a.lease, qPrintable(QStringLiteral("slot %1 not granted").arg(i)));
        held.push_back(std::move(a.lease));
    }
    std::optional<SlotLease> late;
    auto queued = two.acquire({}, [&late](SlotLease lease, std::optional<ProviderError> error) {
        QVERIFY(!error);
        late = std::move(lease);
    });
    QVERIFY2(!queued.lease, "instance #2 got a slot the team does not have");
    QVERIFY(!queued.error);
    QVERIFY(queued.ticket);
    QCOMPARE(two.queued(), 1);
    clock.advanceMs(250);
    two.poll();
    QVERIFY(!late);
    // #1 gives one back (to the team once it has kept it sharedSpareMs for its own next request): #2's
    // waiter gets it at its next look.
    const QString freed = held.front().accountId();
    held.front().release();
    clock.advanceMs(250);
    one.poll();
    two.poll();
    QVERIFY(late.has_value());
    QVERIFY(bool(*late));
    QCOMPARE(late->accountId(), freed);
    QCOMPARE(two.queued(), 0);
    // And back: #2 holds the freed slot, so #1 cannot take it again.
    auto again = one.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(!again.lease);
}

void TstSlotLeaseRepository::deadInstancesSlotsComeBackWhenTheirLeasesLapse()
{
    Test::FakeClock clock;
    SlotLeaseRepository deadSlots(m_db->database());
    SlotLeaseRepository liveSlots(*m_second);
    const QString acc = QStringLiteral("dead-owner");
    // An instance that took the only slot and was then killed: it never releases or renews.
    QVERIFY(*deadSlots.acquire(acc, QStringLiteral("killed-1"), 1, clock.nowMs(), clock.nowMs() + ttl));
    AccountPool live(clock, poolOptions());
    live.setSharedSlots(&liveSlots);
    live.upsertAccount(acc, 1, 0, true);
    std::optional<SlotLease> granted;
    auto queued = live.acquire({}, [&granted](SlotLease lease, std::optional<ProviderError> error) {
        QVERIFY(!error);
        granted = std::move(lease);
    });
    QVERIFY(queued.ticket);
    clock.advanceMs(ttl - 1);
    live.poll();
    QVERIFY2(!granted, "the slot came back before the dead lease lapsed");
    clock.advanceMs(1);
    live.poll();
    QVERIFY2(granted && *granted, "the dead instance's slot did not come back");
}

void TstSlotLeaseRepository::renewedPoolLeasesOutliveTheirFirstExpiry()
{
    Test::FakeClock clock;
    SlotLeaseRepository oneSlots(m_db->database());
    SlotLeaseRepository twoSlots(*m_second);
    AccountPool one(clock, poolOptions());
    AccountPool two(clock, poolOptions());
    one.setSharedSlots(&oneSlots);
    two.setSharedSlots(&twoSlots);
    const QString acc = QStringLiteral("long-stream");
    one.upsertAccount(acc, 1, 0, true);
    two.upsertAccount(acc, 1, 0, true);
    auto streaming = one.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(streaming.lease);
    for (int i = 0; i < 4; ++i) { // a 60 s answer, renewed every 15 s
        clock.advanceMs(15'000);
        one.renewSharedLeases();
    }
    auto other = two.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY2(!other.lease, "a renewed lease lapsed");
    other.ticket.reset();
    // The pool going away (a clean shutdown) gives its team slots back at once.
    streaming.lease = SlotLease();
    auto second = one.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(second.lease);
    {
        AccountPool dying(clock, poolOptions());
        dying.setSharedSlots(&oneSlots);
        dying.upsertAccount(QStringLiteral("shutdown"), 1, 0, true);
        auto kept = dying.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
        QVERIFY(kept.lease);
        QVERIFY(!*twoSlots.acquire(QStringLiteral("shutdown"), QStringLiteral("probe-1"), 1, clock.nowMs(),
                                   clock.nowMs() + ttl));
        second.lease = std::move(kept.lease); // outlives its pool, harmlessly
    }
    QVERIFY(*twoSlots.acquire(QStringLiteral("shutdown"), QStringLiteral("probe-2"), 1, clock.nowMs(),
                              clock.nowMs() + ttl));
}

void TstSlotLeaseRepository::unreachableTeamFallsBackToTheLocalCount()
{
    Test::FakeClock clock;
    DownSlots down;
    AccountPool pool(clock, poolOptions());
    pool.setSharedSlots(&down);
    pool.upsertAccount(QStringLiteral("offline"), 1, 0, true);
    auto first = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY2(first.lease, "a dropped database refused every request");
    QCOMPARE(down.calls, 1);
    auto second = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY2(!second.lease, "the instance's own count no longer bounds the account");
    QVERIFY(second.ticket);
    second.ticket.reset();
    // A lease granted without the team is not given back to it (nothing to give back).
    first.lease.release();
    QCOMPARE(down.calls, 1);
}

void TstSlotLeaseRepository::endedLeasesAreTakenAgainWithoutARoundTrip()
{
    // An agent's requests one after another on one instance: after the first, each takes the slot the last
    // one left, and the team's table is not asked again (the window is then the request's one round trip).
    Test::FakeClock clock;
    SlotLeaseRepository real(m_db->database());
    CountingSlots counted(real);
    AccountPool pool(clock, poolOptions());
    pool.setSharedSlots(&counted);
    const QString acc = QStringLiteral("sequential");
    pool.upsertAccount(acc, 1, 0, true);
    for (int i = 0; i < 50; ++i) {
        auto a = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
        QVERIFY2(a.lease, qPrintable(QStringLiteral("request %1 got no slot").arg(i)));
        clock.advanceMs(1);
        a.lease.release();
    }
    QCOMPARE(counted.acquires, 1);
    QCOMPARE(counted.releases, 0);
    // While kept, the slot is still the team's count of this instance: another instance cannot take it.
    SlotLeaseRepository other(*m_second);
    QVERIFY2(!*other.acquire(acc, QStringLiteral("other-1"), 1, clock.nowMs(), clock.nowMs() + ttl),
             "a kept slot was free for the team");
    // Concurrent requests: the ones beyond the kept slot are taken in the table.
    pool.upsertAccount(acc, 3, 0, true);
    std::vector<SlotLease> held;
    for (int i = 0; i < 3; ++i) {
        auto a = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
        QVERIFY(a.lease);
        held.push_back(std::move(a.lease));
    }
    QCOMPARE(counted.acquires, 3);
    held.clear();
    QCOMPARE(counted.releases, 0);
}

void TstSlotLeaseRepository::spareLeasesGoBackToTheTeamInOneStatement()
{
    Test::FakeClock clock;
    SlotLeaseRepository real(m_db->database());
    CountingSlots counted(real);
    SlotLeaseRepository other(*m_second);
    AccountPool::Options options = poolOptions();
    AccountPool pool(clock, options);
    pool.setSharedSlots(&counted);
    const QStringList accounts { QStringLiteral("spare-a"), QStringLiteral("spare-b"),
                                 QStringLiteral("spare-c") };
    for (const QString &acc : accounts)
        pool.upsertAccount(acc, 1, 0, true);
    std::vector<SlotLease> held;
    for (int i = 0; i < 3; ++i) {
        auto a = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
        QVERIFY(a.lease);
        held.push_back(std::move(a.lease));
    }
    QCOMPARE(counted.acquires, 3);
    held.clear(); // three requests end
    clock.advanceMs(options.sharedSpareMs - 1);
    pool.poll();
    QCOMPARE(counted.releases, 0);
    for (const QString &acc : accounts)
        QVERIFY(!*other.acquire(acc, QStringLiteral("early-") + acc, 1, clock.nowMs(), clock.nowMs() + ttl));
    clock.advanceMs(1);
    pool.poll();
    QCOMPARE(counted.releases, 1);
    QCOMPARE(counted.released, 3);
    for (const QString &acc : accounts)
        QVERIFY2(*other.acquire(acc, QStringLiteral("late-") + acc, 1, clock.nowMs(), clock.nowMs() + ttl),
                 qPrintable(acc + QStringLiteral(" was not given back")));
    // The pool's own timer does it too, without anyone calling poll(): a real-time wait on the real signal.
    DRAWBRIDGE_VERIFY_OK(other.release({ QStringLiteral("late-spare-a") }, clock.nowMs()));
    auto a = pool.acquire({ QStringLiteral("spare-b"), QStringLiteral("spare-c") },
                          [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(a.lease);
    a.lease.release();
    clock.advanceMs(options.sharedSpareMs);
    QTRY_COMPARE_WITH_TIMEOUT(counted.releases, 2, 5000);
}

void TstSlotLeaseRepository::spareLeasesNearTheirExpiryAreNotTakenAgain()
{
    // Renewals failing (the database away): a kept lease may have lapsed in the table, so it is not taken
    // again as a spare but a new one is asked for.
    Test::FakeClock clock;
    SlotLeaseRepository real(m_db->database());
    CountingSlots counted(real);
    AccountPool pool(clock, poolOptions());
    pool.setSharedSlots(&counted);
    pool.upsertAccount(QStringLiteral("stale-spare"), 1, 0, true);
    auto first = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(first.lease);
    counted.failRenewals = true;
    clock.advanceMs(ttl / 2 + 1); // less than half a lease's life left: not taken again
    pool.renewSharedLeases();
    first.lease.release();
    auto second = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QCOMPARE(counted.acquires, 2);
    // The table still counts the first lease (it lapses only at ttl), so the team has no slot left for it
    // and the request waits.
    QVERIFY(!second.lease);
    QVERIFY(second.ticket);
    second.ticket.reset();
    // A renewal that succeeds makes kept leases usable again.
    counted.failRenewals = false;
    pool.renewSharedLeases();
    auto third = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(third.lease);
    QCOMPARE(counted.acquires, 2);
}

QTEST_GUILESS_MAIN(TstSlotLeaseRepository)
#include "tst_slotleaserepository.moc"
