// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <limits>
#include <memory>
#include <vector>

#include "server/core/accountpool.h"
#include "tests/support/fakeclock.h"

using namespace Drawbridge;

namespace {

struct Waiting
{
    std::unique_ptr<PoolTicket> ticket;
    SlotLease lease;
    std::optional<ProviderError> error;
    bool called = false;
};

/** Acquires into @p w: immediately or when the pool calls back. */
void acquireInto(AccountPool &pool, Waiting &w, const QSet<QString> &exclude = {})
{
    auto a = pool.acquire(exclude, [&w](SlotLease lease, std::optional<ProviderError> error) {
        w.called = true;
        w.lease = std::move(lease);
        w.error = std::move(error);
        w.ticket.reset();
    });
    if (a.lease || a.error) {
        w.called = true;
        w.lease = std::move(a.lease);
        w.error = std::move(a.error);
    }
    w.ticket = std::move(a.ticket);
}

} // namespace

class TstAccountPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void grantsUpToSlotsThenQueuesFifo();
    void prefersLeastLoadedThenLeastRecentlyUsed();
    void priorityWins();
    void queueTimeoutGivesPoolBusy();
    void fullQueueRefusesAtOnce();
    void noAccountsIsNoUpstream();
    void throttledAccountCoolsDownAndRecovers();
    void throttleBackoffGrowsExponentially();
    void suspiciousThrottleCutsConcurrency();
    void waitsForCooldownEndingWithinQueueTimeout();
    void cooldownBeyondQueueTimeoutFailsAtOnceWithRetryAfter();
    void needsLoginAndSuspendedDoNotRecoverByThemselves();
    void quotaExhaustedUntilReset();
    void transientFailuresCoolAfterThreshold();
    void lastErrorIsTimedAndClearedOnRecovery();
    void excludedAccountsAreSkipped();
    void cancelledTicketLeavesQueue();
    void watchdogReclaimsStaleLeases();
    void watchdogReclaimsEachLeaseAtItsOwnAge();
    void disabledAccountNotUsed();
    void leaseOutlivingPoolIsHarmless();
    void grantsAndReleasesAreLoadNotState();
    void acquireAppliesWhatIsDueWithoutPoll();
    void removedAccountLeavesTheOthersFindable();
    void randomStressNeverLeaks_data();
    void randomStressNeverLeaks();
};

void TstAccountPool::grantsUpToSlotsThenQueuesFifo()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 2, 0, true);
    pool.upsertAccount(QStringLiteral("b"), 1, 0, true);
    std::vector<std::unique_ptr<Waiting>> w;
    for (int i = 0; i < 5; ++i) {
        w.push_back(std::make_unique<Waiting>());
        acquireInto(pool, *w.back());
    }
    QVERIFY(w[0]->lease && w[1]->lease && w[2]->lease);
    QVERIFY(!w[3]->called && !w[4]->called);
    QCOMPARE(pool.status().availableSlots, 0);
    QCOMPARE(pool.status().inFlight, 3);
    QCOMPARE(pool.status().queued, 2);
    w[1]->lease.release();
    QVERIFY(w[3]->called);
    QVERIFY(w[3]->lease);
    QVERIFY(!w[4]->called);
    w[0]->lease = SlotLease();
    QVERIFY(w[4]->lease);
    QCOMPARE(pool.status().queued, 0);
    w.clear();
    QCOMPARE(pool.status().inFlight, 0);
    QCOMPARE(pool.status().availableSlots, 3);
}

void TstAccountPool::prefersLeastLoadedThenLeastRecentlyUsed()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 4, 0, true);
    pool.upsertAccount(QStringLiteral("b"), 4, 0, true);
    Waiting w1, w2, w3;
    acquireInto(pool, w1);
    clock.advanceMs(10);
    acquireInto(pool, w2);
    QVERIFY(w1.lease.accountId() != w2.lease.accountId()); // least loaded spreads
    const QString first = w1.lease.accountId();
    w1.lease.release();
    w2.lease.release();
    clock.advanceMs(10);
    acquireInto(pool, w3);
    QCOMPARE(w3.lease.accountId(), first); // both idle: the least recently used one
}

void TstAccountPool::priorityWins()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 4, 0, true);
    pool.upsertAccount(QStringLiteral("b"), 4, 5, true);
    Waiting w1, w2;
    acquireInto(pool, w1);
    acquireInto(pool, w2);
    QCOMPARE(w1.lease.accountId(), QStringLiteral("b"));
    QCOMPARE(w2.lease.accountId(), QStringLiteral("b"));
}

void TstAccountPool::queueTimeoutGivesPoolBusy()
{
    Test::FakeClock clock;
    AccountPool pool(clock, { 5, 10, 600'000 });
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    Waiting held, waiting;
    acquireInto(pool, held);
    acquireInto(pool, waiting);
    QVERIFY(!waiting.called);
    clock.advanceMs(4999);
    pool.poll();
    QVERIFY(!waiting.called);
    clock.advanceMs(1);
    pool.poll();
    QVERIFY(waiting.called);
    QVERIFY(!waiting.lease);
    QCOMPARE(waiting.error->kind, ProviderErrorKind::PoolBusy);
    QVERIFY(waiting.error->retryAfterS >= 1);
    QCOMPARE(pool.status().queued, 0);
}

void TstAccountPool::fullQueueRefusesAtOnce()
{
    Test::FakeClock clock;
    AccountPool pool(clock, { 30, 2, 600'000 });
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    Waiting held, q1, q2, q3;
    acquireInto(pool, held);
    acquireInto(pool, q1);
    acquireInto(pool, q2);
    acquireInto(pool, q3);
    QVERIFY(!q1.called && !q2.called);
    QVERIFY(q3.called);
    QCOMPARE(q3.error->kind, ProviderErrorKind::PoolBusy);
}

void TstAccountPool::noAccountsIsNoUpstream()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    Waiting w;
    acquireInto(pool, w);
    QVERIFY(w.called);
    QCOMPARE(w.error->kind, ProviderErrorKind::NoUpstream);
    QCOMPARE(pool.status().usableAccounts, 0);
}

void TstAccountPool::throttledAccountCoolsDownAndRecovers()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    QSignalSpy changed(&pool, &AccountPool::accountChanged);
    pool.upsertAccount(QStringLiteral("a"), 2, 0, true);
    pool.upsertAccount(QStringLiteral("b"), 2, 0, true);
    pool.markThrottled(QStringLiteral("a"), false, QStringLiteral("Too many requests"));
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::CoolingDown);
    QCOMPARE(pool.account(QStringLiteral("a"))->cooldownUntilMs, clock.nowMs() + 30'000);
    QVERIFY(changed.count() > 0);
    QCOMPARE(pool.status().usableAccounts, 1);
    Waiting w1, w2;
    acquireInto(pool, w1);
    acquireInto(pool, w2);
    QCOMPARE(w1.lease.accountId(), QStringLiteral("b"));
    QCOMPARE(w2.lease.accountId(), QStringLiteral("b"));
    clock.advanceMs(30'000);
    pool.poll();
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::Active);
    QCOMPARE(pool.status().usableAccounts, 2);
}

void TstAccountPool::throttleBackoffGrowsExponentially()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 2, 0, true);
    qint64 previous = 0;
    for (int i = 0; i < 8; ++i) {
        pool.markThrottled(QStringLiteral("a"), false, {});
        const qint64 cool = pool.account(QStringLiteral("a"))->cooldownUntilMs - clock.nowMs();
        QVERIFY(cool >= previous);
        QVERIFY(cool <= 10 * 60'000);
        previous = cool;
    }
    QCOMPARE(previous, qint64(10 * 60'000));
    pool.markSuccess(QStringLiteral("a"));
    pool.markThrottled(QStringLiteral("a"), false, {});
    QCOMPARE(pool.account(QStringLiteral("a"))->cooldownUntilMs - clock.nowMs(), qint64(30'000));
}

void TstAccountPool::suspiciousThrottleCutsConcurrency()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 4, 0, true);
    pool.markThrottled(QStringLiteral("a"), true, QStringLiteral("suspicious activity"));
    const auto v = pool.account(QStringLiteral("a"));
    QCOMPARE(v->cooldownUntilMs - clock.nowMs(), qint64(5 * 60'000));
    clock.advanceMs(5 * 60'000);
    pool.poll();
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::Active);
    QCOMPARE(pool.account(QStringLiteral("a"))->effectiveSlots, 2);
    QCOMPARE(pool.status().totalSlots, 2);
    clock.advanceMs(60 * 60'000);
    pool.poll();
    QCOMPARE(pool.account(QStringLiteral("a"))->effectiveSlots, 4);
}

void TstAccountPool::waitsForCooldownEndingWithinQueueTimeout()
{
    Test::FakeClock clock;
    AccountPool pool(clock, { 60, 10, 600'000 });
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    pool.markThrottled(QStringLiteral("a"), false, {}); // 30 s
    Waiting w;
    acquireInto(pool, w);
    QVERIFY(!w.called);
    clock.advanceMs(30'000);
    pool.poll();
    QVERIFY(w.called);
    QVERIFY(w.lease);
}

void TstAccountPool::cooldownBeyondQueueTimeoutFailsAtOnceWithRetryAfter()
{
    Test::FakeClock clock;
    AccountPool pool(clock, { 10, 10, 600'000 });
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    pool.markThrottled(QStringLiteral("a"), false, {}); // 30 s > 10 s
    Waiting w;
    acquireInto(pool, w);
    QVERIFY(w.called);
    QCOMPARE(w.error->kind, ProviderErrorKind::NoUpstream);
    QCOMPARE(w.error->retryAfterS, 30);
}

void TstAccountPool::needsLoginAndSuspendedDoNotRecoverByThemselves()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    pool.upsertAccount(QStringLiteral("b"), 1, 0, true);
    pool.markNeedsLogin(QStringLiteral("a"), QStringLiteral("refresh token rejected"));
    pool.markSuspended(QStringLiteral("b"), QStringLiteral("temporarily is suspended"));
    clock.advanceMs(24 * 3600'000);
    pool.poll();
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::NeedsLogin);
    QCOMPARE(pool.account(QStringLiteral("b"))->status, AccountStatus::Suspended);
    Waiting w;
    acquireInto(pool, w);
    QCOMPARE(w.error->kind, ProviderErrorKind::NoUpstream);
    QCOMPARE(w.error->retryAfterS, 0);
    pool.markActive(QStringLiteral("a"));
    Waiting w2;
    acquireInto(pool, w2);
    QCOMPARE(w2.lease.accountId(), QStringLiteral("a"));
}

void TstAccountPool::quotaExhaustedUntilReset()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    const qint64 reset = clock.nowMs() + 5 * 24 * 3600'000LL;
    pool.markQuotaExhausted(QStringLiteral("a"), reset, QStringLiteral("MONTHLY_REQUEST_COUNT"));
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::QuotaExhausted);
    QCOMPARE(pool.status().usableAccounts, 0);
    clock.setNowMs(reset);
    pool.poll();
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::Active);
}

void TstAccountPool::transientFailuresCoolAfterThreshold()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    pool.markTransientFailure(QStringLiteral("a"), QStringLiteral("503"));
    pool.markTransientFailure(QStringLiteral("a"), QStringLiteral("503"));
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::Active);
    pool.markTransientFailure(QStringLiteral("a"), QStringLiteral("503"));
    QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::CoolingDown);
    QCOMPARE(pool.account(QStringLiteral("a"))->lastError, QStringLiteral("503"));
}

void TstAccountPool::lastErrorIsTimedAndClearedOnRecovery()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    const QString a = QStringLiteral("a");
    pool.upsertAccount(a, 1, 0, true);
    const qint64 t0 = clock.nowMs();
    pool.markTransientFailure(a, QStringLiteral("503"));
    QCOMPARE(pool.account(a)->lastError, QStringLiteral("503"));
    QCOMPARE(pool.account(a)->lastErrorAtMs, t0);
    clock.advanceMs(2000);
    pool.markThrottled(a, false, QStringLiteral("ThrottlingException"));
    QCOMPARE(pool.account(a)->lastErrorAtMs, t0 + 2000); // the time of the latest error
    QCOMPARE(pool.account(a)->status, AccountStatus::CoolingDown);
    // The cooldown ends: the account is usable again, its error still says what happened, and when.
    clock.advanceMs(10 * 60 * 1000);
    pool.poll();
    QCOMPARE(pool.account(a)->status, AccountStatus::Active);
    QCOMPARE(pool.account(a)->lastError, QStringLiteral("ThrottlingException"));
    QCOMPARE(pool.account(a)->lastErrorAtMs, t0 + 2000);
    // A request goes through: recovered, and the old error goes.
    QSignalSpy changed(&pool, &AccountPool::accountChanged);
    pool.markSuccess(a);
    QVERIFY(pool.account(a)->lastError.isEmpty());
    QCOMPARE(pool.account(a)->lastErrorAtMs, qint64(0));
    QCOMPARE(changed.count(), 1);
    pool.markSuccess(a); // nothing more to clear: no signal
    QCOMPARE(changed.count(), 1);
}

void TstAccountPool::excludedAccountsAreSkipped()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    pool.upsertAccount(QStringLiteral("b"), 1, 0, true);
    Waiting w;
    acquireInto(pool, w, { QStringLiteral("a") });
    QCOMPARE(w.lease.accountId(), QStringLiteral("b"));
    Waiting w2;
    acquireInto(pool, w2, { QStringLiteral("a"), QStringLiteral("b") });
    QCOMPARE(w2.error->kind, ProviderErrorKind::NoUpstream);
}

void TstAccountPool::cancelledTicketLeavesQueue()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    Waiting held, w1, w2;
    acquireInto(pool, held);
    acquireInto(pool, w1);
    acquireInto(pool, w2);
    QCOMPARE(pool.status().queued, 2);
    w1.ticket.reset();
    QCOMPARE(pool.status().queued, 1);
    held.lease.release();
    QVERIFY(!w1.called);
    QVERIFY(w2.lease);
}

void TstAccountPool::watchdogReclaimsStaleLeases()
{
    Test::FakeClock clock;
    AccountPool pool(clock, { 30, 10, 60'000 });
    pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
    Waiting stuck;
    acquireInto(pool, stuck);
    QCOMPARE(pool.status().availableSlots, 0);
    clock.advanceMs(60'001);
    pool.poll();
    QCOMPARE(pool.status().availableSlots, 1);
    QCOMPARE(pool.status().inFlight, 0);
    stuck.lease.release(); // late release of a reclaimed lease must not free a second slot
    QCOMPARE(pool.account(QStringLiteral("a"))->inUse, 0);
}

void TstAccountPool::watchdogReclaimsEachLeaseAtItsOwnAge()
{
    // acquire() does not walk every lease: the watchdog runs when the oldest lease comes of age. A lease
    // given back before then, and leases granted later, must still be reclaimed at exactly their own age.
    Test::FakeClock clock;
    const qint64 maxAge = 60'000;
    AccountPool pool(clock, { 30, 10, maxAge });
    pool.upsertAccount(QStringLiteral("a"), 3, 0, true);
    Waiting first, second, third;
    acquireInto(pool, first);
    clock.advanceMs(10'000);
    acquireInto(pool, second);
    clock.advanceMs(10'000);
    acquireInto(pool, third);
    first.lease.release();
    clock.advanceMs(maxAge - 20'000 + 1); // the first would be reclaimed now; nothing else is old enough
    pool.poll();
    QCOMPARE(pool.status().inFlight, 2);
    clock.advanceMs(9'999);
    pool.poll();
    QCOMPARE(pool.status().inFlight, 2);
    clock.advanceMs(1); // the second comes of age
    pool.poll();
    QCOMPARE(pool.status().inFlight, 1);
    Waiting fourth;
    acquireInto(pool, fourth); // granted while a sweep is already due for the third
    clock.advanceMs(10'000);
    pool.poll();
    QCOMPARE(pool.status().inFlight, 1); // the third went, the fourth stays
    QVERIFY(!fourth.lease.accountId().isEmpty());
    clock.advanceMs(maxAge - 10'000);
    pool.poll();
    QCOMPARE(pool.status().inFlight, 1);
    clock.advanceMs(1);
    pool.poll();
    QCOMPARE(pool.status().inFlight, 0);
}

void TstAccountPool::disabledAccountNotUsed()
{
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 1, 0, false);
    QCOMPARE(pool.status().enabledAccounts, 0);
    Waiting w;
    acquireInto(pool, w);
    QCOMPARE(w.error->kind, ProviderErrorKind::NoUpstream);
    pool.setEnabled(QStringLiteral("a"), true);
    Waiting w2;
    acquireInto(pool, w2);
    QVERIFY(w2.lease);
}

void TstAccountPool::leaseOutlivingPoolIsHarmless()
{
    Test::FakeClock clock;
    SlotLease lease;
    std::unique_ptr<PoolTicket> ticket;
    {
        AccountPool pool(clock, {});
        pool.upsertAccount(QStringLiteral("a"), 1, 0, true);
        auto a
            = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) { QFAIL("must not be called"); });
        lease = std::move(a.lease);
        auto b
            = pool.acquire({}, [](SlotLease, std::optional<ProviderError>) { QFAIL("must not be called"); });
        ticket = std::move(b.ticket);
        QVERIFY(ticket);
    }
    lease.release();
    ticket.reset();
}

void TstAccountPool::grantsAndReleasesAreLoadNotState()
{
    // Issue 18: a request's slot changes nothing of the account's state; KiroPoolStatePersistence hears
    // accountChanged and would otherwise look for something to store twice per request.
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 2, 0, true);
    QSignalSpy changed(&pool, &AccountPool::accountChanged);
    QSignalSpy load(&pool, &AccountPool::accountLoadChanged);
    {
        Waiting w;
        acquireInto(pool, w);
        QVERIFY(w.lease);
        QCOMPARE(pool.account(QStringLiteral("a"))->inUse, 1);
        QCOMPARE(pool.account(QStringLiteral("a"))->requests, qint64(1));
    }
    QCOMPARE(pool.account(QStringLiteral("a"))->inUse, 0);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(load.count(), 2);
    QCOMPARE(load.at(0).at(0).toString(), QStringLiteral("a"));
    QCOMPARE(load.at(1).at(0).toString(), QStringLiteral("a"));
}

void TstAccountPool::acquireAppliesWhatIsDueWithoutPoll()
{
    // acquire() skips poll() until something is due; what is due must still be applied by the next acquire(),
    // without the timer or a poll() of the test's.
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    pool.upsertAccount(QStringLiteral("a"), 2, 0, true);
    {
        Waiting w;
        acquireInto(pool, w); // a lease, so the watchdog's time is due later too
        QVERIFY(w.lease);
    }
    pool.markThrottled(QStringLiteral("a"), true,
                       QStringLiteral("suspicious activity")); // 5 min, half the slots
    clock.advanceMs(5 * 60'000);
    QSignalSpy changed(&pool, &AccountPool::accountChanged);
    {
        Waiting w;
        acquireInto(pool, w);
        QVERIFY(w.lease);
        QCOMPARE(pool.account(QStringLiteral("a"))->status, AccountStatus::Active);
        QVERIFY(changed.contains(QVariantList { QStringLiteral("a") }));
    }
    // The cut ends an hour later: the next acquire() shows the slots back (accountChanged for the table).
    clock.advanceMs(60 * 60'000);
    changed.clear();
    {
        Waiting w1, w2;
        acquireInto(pool, w1);
        acquireInto(pool, w2);
        QVERIFY(w1.lease && w2.lease);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(pool.account(QStringLiteral("a"))->effectiveSlots, 2);
    }
    // The watchdog: a lease held past leaseMaxAgeMs is reclaimed by the next acquire().
    Waiting stale;
    acquireInto(pool, stale);
    QVERIFY(stale.lease);
    clock.advanceMs(11 * 60 * 1000 + 1);
    Waiting w3;
    acquireInto(pool, w3);
    QVERIFY(w3.lease);
    QCOMPARE(pool.account(QStringLiteral("a"))->inUse, 1);
    QCOMPARE(pool.status().inFlight, 1);
}

void TstAccountPool::removedAccountLeavesTheOthersFindable()
{
    // Accounts live in a vector indexed by id; removing one moves another into its place.
    Test::FakeClock clock;
    AccountPool pool(clock, {});
    for (const char *id : { "a", "b", "c", "d" })
        pool.upsertAccount(QString::fromLatin1(id), 1, 0, true);
    pool.markSuspended(QStringLiteral("d"), QStringLiteral("suspended"));
    pool.removeAccount(QStringLiteral("a"));
    pool.removeAccount(QStringLiteral("a"));
    QVERIFY(!pool.account(QStringLiteral("a")));
    QCOMPARE(pool.account(QStringLiteral("d"))->status, AccountStatus::Suspended);
    pool.upsertAccount(QStringLiteral("b"), 3, 0, true); // an update, not a second b
    QCOMPARE(pool.accounts().size(), size_t(3));
    QCOMPARE(pool.account(QStringLiteral("b"))->slots, 3);
    pool.removeAccount(QStringLiteral("d")); // the last one
    pool.upsertAccount(QStringLiteral("e"), 1, 0, true);
    QStringList ids;
    for (const AccountPool::AccountView &v : pool.accounts())
        ids.append(v.id);
    QCOMPARE(ids, (QStringList { QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("e") }));
    QCOMPARE(pool.status().totalSlots, 5);
}

void TstAccountPool::randomStressNeverLeaks_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 s = 1; s <= 8; ++s)
        QTest::addRow("seed%u", s) << s;
}

// Random acquires, releases, cancellations, throttles and time steps: capacity is never exceeded and once
// everything is released, nothing is in use or queued.
void TstAccountPool::randomStressNeverLeaks()
{
    QFETCH(quint32, seed);
    QRandomGenerator rng(seed);
    Test::FakeClock clock;
    AccountPool pool(clock, { 20, 64, std::numeric_limits<qint64>::max() / 2 });
    const int accounts = 4;
    for (int i = 0; i < accounts; ++i)
        pool.upsertAccount(QStringLiteral("acc%1").arg(i), 1 + int(rng.bounded(3)), 0, true);
    std::vector<std::unique_ptr<Waiting>> live;
    for (int step = 0; step < 3000; ++step) {
        const int op = int(rng.bounded(100));
        if (op < 40) {
            live.push_back(std::make_unique<Waiting>());
            QSet<QString> exclude;
            if (rng.bounded(4) == 0)
                exclude.insert(QStringLiteral("acc%1").arg(rng.bounded(accounts)));
            acquireInto(pool, *live.back(), exclude);
        } else if (op < 75 && !live.empty()) {
            live.erase(live.begin() + rng.bounded(int(live.size()))); // release or cancel, whichever it holds
        } else if (op < 80) {
            pool.markThrottled(QStringLiteral("acc%1").arg(rng.bounded(accounts)), rng.bounded(5) == 0, {});
        } else if (op < 82) {
            pool.markTransientFailure(QStringLiteral("acc%1").arg(rng.bounded(accounts)), {});
        } else {
            clock.advanceMs(rng.bounded(5000));
            pool.poll();
        }
        for (const auto &v : pool.accounts())
            QVERIFY2(v.inUse <= v.slots, "more leases than slots on an account");
        int held = 0;
        for (const auto &w : live)
            held += w->lease ? 1 : 0;
        QCOMPARE(pool.status().inFlight, held);
    }
    live.clear();
    clock.advanceMs(3600'000);
    pool.poll();
    const PoolStatus s = pool.status();
    QCOMPARE(s.inFlight, 0);
    QCOMPARE(s.queued, 0);
    QCOMPARE(s.availableSlots, s.totalSlots);
    for (const auto &v : pool.accounts())
        QCOMPARE(v.inUse, 0);
}

QTEST_GUILESS_MAIN(TstAccountPool)
#include "tst_accountpool.moc"
