// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QtTest>

#include <atomic>
#include <thread>

#include "server/core/ratelimiter.h"
#include "server/storage/database.h"
#include "server/storage/postgresurl.h"
#include "server/storage/ratewindowrepository.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

/**
 * The team's shared window on a real PostgreSQL (this test always runs there): it must decide exactly as the
 * in-memory RateLimiter does (the oracle, on the same FakeClock), and hold the limit exactly when instances
 * race for it.
 */
class TstRateWindowRepository : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void decidesLikeTheLocalLimiter_data();
    void decidesLikeTheLocalLimiter();
    void twoInstancesRacingAdmitExactlyTheLimit();
    void zeroLimitAdmitsNothing();
    void forgetClearsTheWindow();
    void highLimitRacingAdmitsExactlyTheLimit();
    void highLimitWeighsThePreviousMinute();
    void highLimitGrantsSaveRoundTrips();
    void instancesTakingGrantsAdmitExactlyTheLimit();
    void grantsDoNotOutliveTheirMinute();

private:
    std::unique_ptr<Test::TempDatabase> m_db;
};

namespace {

Result<std::unique_ptr<Database>> openAgain(const Test::TempDatabase &tmp)
{
    auto url = PostgresUrl::parse(tmp.url());
    if (!url)
        return Error { url.error() };
    return Database::openPostgres(*url);
}

/** The team's window, counting the round trips a RateLimiter makes to it. */
class CountingWindow final : public SharedRateWindow
{
public:
    explicit CountingWindow(SharedRateWindow &real) : m_real(real) { }
    Result<RateLimiter::Decision> acquire(const QString &key, int limit, qint64 now) override
    {
        ++trips;
        return m_real.acquire(key, limit, now);
    }
    Result<Grant> acquireMany(const QString &key, int limit, qint64 now, int wanted) override
    {
        ++trips;
        return m_real.acquireMany(key, limit, now, wanted);
    }
    Result<RateLimiter::Decision> peek(const QString &key, int limit, qint64 now) const override
    {
        return m_real.peek(key, limit, now);
    }
    Status forget(const QString &key) override { return m_real.forget(key); }
    int trips = 0;

private:
    SharedRateWindow &m_real;
};

} // namespace

void TstRateWindowRepository::initTestCase()
{
    QVERIFY2(Test::TempDatabase::postgresRequested(), "run with DRAWBRIDGE_TEST_DATABASE=postgresql");
    m_db = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
}

void TstRateWindowRepository::decidesLikeTheLocalLimiter_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("limit");
    QTest::newRow("seed-1-limit-3") << 1u << 3;
    QTest::newRow("seed-7-limit-5") << 7u << 5;
    QTest::newRow("seed-42-limit-30") << 42u << 30;
    QTest::newRow("random") << QRandomGenerator::global()->generate() << 4;
}

void TstRateWindowRepository::decidesLikeTheLocalLimiter()
{
    QFETCH(quint32, seed);
    QFETCH(int, limit);
    qInfo("seed %u", seed);
    QRandomGenerator rng(seed);
    Test::FakeClock clock;
    RateLimiter local(clock);
    RateLimiter team(clock);
    RateWindowRepository window(m_db->database());
    team.setShared(&window);
    const QString key = QStringLiteral("k%1").arg(seed);
    for (int i = 0; i < 200; ++i) {
        // Bursts and pauses, so windows fill, slide and empty.
        clock.advanceMs(rng.bounded(10) < 7 ? rng.bounded(2000) : rng.bounded(40'000));
        const int thisLimit = rng.bounded(20) == 0 ? std::max(1, limit - 1) : limit;
        if (rng.bounded(10) == 0) {
            // At the current limit: the local limiter's peek also trims its log to a lowered limit, an
            // artefact a read-only shared peek does not copy.
            const RateLimiter::Decision a = local.peek(key, limit);
            const RateLimiter::Decision b = team.peek(key, limit);
            QCOMPARE(b.remaining, a.remaining);
            QCOMPARE(b.admitted, a.admitted);
            continue;
        }
        const RateLimiter::Decision a = local.acquire(key, thisLimit);
        const RateLimiter::Decision b = team.acquire(key, thisLimit);
        QVERIFY2(a.admitted == b.admitted, qPrintable(QStringLiteral("step %1").arg(i)));
        QCOMPARE(b.limit, a.limit);
        QCOMPARE(b.remaining, a.remaining);
        QCOMPARE(b.resetMs, a.resetMs);
        QCOMPARE(b.retryAfterS, a.retryAfterS);
    }
}

void TstRateWindowRepository::twoInstancesRacingAdmitExactlyTheLimit()
{
    // 100 requests from two instances (two threads each, own connections) at one instant on a 30 rpm key.
    auto second = openAgain(*m_db);
    DRAWBRIDGE_VERIFY_OK(second);
    RateWindowRepository first(m_db->database());
    RateWindowRepository other(**second);
    std::atomic<int> admitted { 0 };
    std::atomic<int> failed { 0 };
    const qint64 now = 1'780'000'000'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        RateWindowRepository *instance = t % 2 == 0 ? &first : &other;
        const Database *db = t % 2 == 0 ? &m_db->database() : second->get();
        threads.emplace_back([instance, db, &admitted, &failed, now] {
            for (int i = 0; i < 25; ++i) {
                auto d = instance->acquire(QStringLiteral("racekey1"), 30, now + i);
                if (!d)
                    ++failed;
                else if (d->admitted)
                    ++admitted;
            }
            db->releaseConnection();
        });
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(failed.load(), 0);
    QCOMPARE(admitted.load(), 30);
    auto after = first.peek(QStringLiteral("racekey1"), 30, now + 100);
    DRAWBRIDGE_VERIFY_OK(after);
    QCOMPARE(after->remaining, 0);
    QCOMPARE(after->resetMs, now + RateLimiter::windowMs);
}

void TstRateWindowRepository::zeroLimitAdmitsNothing()
{
    RateWindowRepository window(m_db->database());
    auto d = window.acquire(QStringLiteral("zerokey"), 0, 5000);
    DRAWBRIDGE_VERIFY_OK(d);
    QVERIFY(!d->admitted);
    QCOMPARE(d->remaining, 0);
    auto again = window.acquire(QStringLiteral("zerokey"), 0, 6000);
    DRAWBRIDGE_VERIFY_OK(again);
    QVERIFY(!again->admitted);
}

void TstRateWindowRepository::forgetClearsTheWindow()
{
    RateWindowRepository window(m_db->database());
    QVERIFY(window.acquire(QStringLiteral("gone"), 1, 1000)->admitted);
    QVERIFY(!window.acquire(QStringLiteral("gone"), 1, 2000)->admitted);
    DRAWBRIDGE_VERIFY_OK(window.forget(QStringLiteral("gone")));
    QVERIFY(window.acquire(QStringLiteral("gone"), 1, 3000)->admitted);
}

void TstRateWindowRepository::highLimitRacingAdmitsExactlyTheLimit()
{
    // Above exactLimitMax the window is counted per minute; with the previous minute empty it is still exact,
    // also when two instances race.
    const int limit = RateWindowRepository::exactLimitMax * 4;
    auto second = openAgain(*m_db);
    DRAWBRIDGE_VERIFY_OK(second);
    RateWindowRepository first(m_db->database());
    RateWindowRepository other(**second);
    std::atomic<int> admitted { 0 };
    std::atomic<int> failed { 0 };
    const qint64 minute = 1'780'000'020'000; // a whole minute
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        RateWindowRepository *instance = t % 2 == 0 ? &first : &other;
        const Database *db = t % 2 == 0 ? &m_db->database() : second->get();
        threads.emplace_back([instance, db, &admitted, &failed, minute, limit] {
            for (int i = 0; i < limit * 3 / 8; ++i) {
                auto d = instance->acquire(QStringLiteral("bigkey01"), limit, minute + 10 + i % 50);
                if (!d)
                    ++failed;
                else if (d->admitted)
                    ++admitted;
            }
            db->releaseConnection();
        });
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(failed.load(), 0);
    QCOMPARE(admitted.load(), limit);
}

void TstRateWindowRepository::highLimitWeighsThePreviousMinute()
{
    const int limit = 300;
    QVERIFY(limit > RateWindowRepository::exactLimitMax);
    RateWindowRepository window(m_db->database());
    const QString key = QStringLiteral("weighed1");
    const qint64 minute = 1'780'000'080'000;
    for (int i = 0; i < limit; ++i)
        QVERIFY(window.acquire(key, limit, minute + 1000)->admitted);
    auto full = window.acquire(key, limit, minute + 2000);
    DRAWBRIDGE_VERIFY_OK(full);
    QVERIFY(!full->admitted);
    QCOMPARE(full->remaining, 0);
    QVERIFY(full->resetMs > minute + 2000);
    QVERIFY(full->resetMs <= minute + RateLimiter::windowMs + 1);

    // Half-way through the next minute the previous one counts half: 150 more fit, the 151st does not.
    const qint64 halfway = minute + RateLimiter::windowMs + RateLimiter::windowMs / 2;
    auto peeked = window.peek(key, limit, halfway);
    DRAWBRIDGE_VERIFY_OK(peeked);
    QCOMPARE(peeked->remaining, 150);
    int more = 0;
    while (more < 200 && window.acquire(key, limit, halfway)->admitted)
        ++more;
    QCOMPARE(more, 150);
    // Two minutes on, nothing of it is left.
    auto later = window.peek(key, limit, minute + 3 * RateLimiter::windowMs);
    DRAWBRIDGE_VERIFY_OK(later);
    QCOMPARE(later->remaining, limit);
}

void TstRateWindowRepository::highLimitGrantsSaveRoundTrips()
{
    // A 16,384 rpm key takes 32 admissions per round trip; the remaining count still falls by one per
    // request.
    Test::FakeClock clock(1'780'000'140'000 + 1000);
    RateWindowRepository window(m_db->database());
    CountingWindow counted(window);
    RateLimiter limiter(clock);
    limiter.setShared(&counted);
    const int limit = 16'384;
    QCOMPARE(RateLimiter::sharedGrantSize(limit), 32);
    int lastRemaining = limit;
    for (int i = 0; i < 1000; ++i) {
        const RateLimiter::Decision d = limiter.acquire(QStringLiteral("granted1"), limit);
        QVERIFY2(d.admitted, qPrintable(QStringLiteral("request %1 refused").arg(i)));
        QCOMPARE(d.remaining, lastRemaining - 1);
        lastRemaining = d.remaining;
    }
    QCOMPARE(counted.trips, 32); // 1,000 / 32, rounded up
    // Every request of a key below 1,024 rpm asks the window.
    counted.trips = 0;
    QCOMPARE(RateLimiter::sharedGrantSize(1023), 1);
    for (int i = 0; i < 100; ++i)
        QVERIFY(limiter.acquire(QStringLiteral("granted2"), 1023).admitted);
    QCOMPARE(counted.trips, 100);
}

void TstRateWindowRepository::instancesTakingGrantsAdmitExactlyTheLimit()
{
    // Two instances take grants of 4 from a 2,048 rpm window in turns, until both are refused: together
    // they admit exactly the limit, never more.
    auto second = openAgain(*m_db);
    DRAWBRIDGE_VERIFY_OK(second);
    RateWindowRepository oneWindow(m_db->database());
    RateWindowRepository twoWindow(**second);
    Test::FakeClock clock(1'780'000'200'000 + 500);
    RateLimiter one(clock);
    RateLimiter two(clock);
    one.setShared(&oneWindow);
    two.setShared(&twoWindow);
    const int limit = 2048;
    QCOMPARE(RateLimiter::sharedGrantSize(limit), 4);
    QRandomGenerator rng(17);
    int admitted = 0;
    int refusedInARow = 0;
    for (int i = 0; i < 3 * limit && refusedInARow < 8; ++i) {
        RateLimiter &instance = rng.bounded(2) == 0 ? one : two;
        const RateLimiter::Decision d = instance.acquire(QStringLiteral("granted3"), limit);
        admitted += d.admitted ? 1 : 0;
        refusedInARow = d.admitted ? 0 : refusedInARow + 1;
        if (!d.admitted)
            QVERIFY(d.retryAfterS >= 1);
    }
    QCOMPARE(admitted, limit);
}

void TstRateWindowRepository::grantsDoNotOutliveTheirMinute()
{
    // What is left of a grant belongs to the minute it was counted in: the next minute asks the window again.
    const qint64 minute = 1'780'000'260'000;
    Test::FakeClock clock(minute + RateLimiter::windowMs - 1);
    RateWindowRepository window(m_db->database());
    CountingWindow counted(window);
    RateLimiter limiter(clock);
    limiter.setShared(&counted);
    QVERIFY(limiter.acquire(QStringLiteral("granted4"), 16'384).admitted);
    QVERIFY(limiter.acquire(QStringLiteral("granted4"), 16'384).admitted);
    QCOMPARE(counted.trips, 1);
    clock.advanceMs(1);
    QVERIFY(limiter.acquire(QStringLiteral("granted4"), 16'384).admitted);
    QCOMPARE(counted.trips, 2);
    // A changed limit, or a forgotten key, asks again too.
    QVERIFY(limiter.acquire(QStringLiteral("granted4"), 20'000).admitted);
    QCOMPARE(counted.trips, 3);
    limiter.forget(QStringLiteral("granted4"));
    QVERIFY(limiter.acquire(QStringLiteral("granted4"), 20'000).admitted);
    QCOMPARE(counted.trips, 4);
}

QTEST_GUILESS_MAIN(TstRateWindowRepository)
#include "tst_ratewindowrepository.moc"
