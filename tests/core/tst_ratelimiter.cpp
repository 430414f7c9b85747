// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QTest>

#include <deque>

#include "server/core/ratelimiter.h"
#include "tests/support/fakeclock.h"

using namespace Drawbridge;

class TstRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void admitsUpToLimit_data();
    void admitsUpToLimit();
    void neverMoreThanLimitInAnyWindow_data();
    void neverMoreThanLimitInAnyWindow();
    void waitingClientAdmittedExactlyAtReset();
    void keysAreIndependent();
    void loweredLimitAppliesAtOnce();
    void peekDoesNotConsume();
};

void TstRateLimiter::admitsUpToLimit_data()
{
    QTest::addColumn<int>("limit");
    QTest::newRow("one") << 1;
    QTest::newRow("default") << 60;
    QTest::newRow("large") << 1000;
}

void TstRateLimiter::admitsUpToLimit()
{
    QFETCH(int, limit);
    Test::FakeClock clock;
    RateLimiter limiter(clock);
    for (int i = 0; i < limit; ++i) {
        const auto d = limiter.acquire(QStringLiteral("k"), limit);
        QVERIFY(d.admitted);
        QCOMPARE(d.remaining, limit - i - 1);
        QCOMPARE(d.limit, limit);
    }
    const auto refused = limiter.acquire(QStringLiteral("k"), limit);
    QVERIFY(!refused.admitted);
    QCOMPARE(refused.remaining, 0);
    QCOMPARE(refused.retryAfterS, 60);
    QCOMPARE(refused.resetMs, clock.nowMs() + RateLimiter::windowMs);
}

void TstRateLimiter::neverMoreThanLimitInAnyWindow_data()
{
    QTest::addColumn<int>("limit");
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("maxGapMs");
    for (quint32 seed = 1; seed <= 6; ++seed) {
        QTest::addRow("limit5-seed%u", seed) << 5 << seed << 4000;
        QTest::addRow("limit60-seed%u", seed) << 60 << seed << 2000;
        QTest::addRow("limit60-bursty-seed%u", seed) << 60 << seed << 200;
    }
}

// Property: for random arrival times, no 60 s span ever holds more admitted requests than the limit, and a
// request is refused only when the span ending now is full.
void TstRateLimiter::neverMoreThanLimitInAnyWindow()
{
    QFETCH(int, limit);
    QFETCH(quint32, seed);
    QFETCH(int, maxGapMs);
    Test::FakeClock clock;
    RateLimiter limiter(clock);
    QRandomGenerator rng(seed);
    std::deque<qint64> admitted; // everything admitted in the last window, independent bookkeeping
    int admittedCount = 0;
    for (int i = 0; i < 5000; ++i) {
        clock.advanceMs(rng.bounded(maxGapMs + 1));
        const qint64 now = clock.nowMs();
        while (!admitted.empty() && admitted.front() + RateLimiter::windowMs <= now)
            admitted.pop_front();
        const auto d = limiter.acquire(QStringLiteral("k"), limit);
        if (d.admitted) {
            admitted.push_back(now);
            ++admittedCount;
            QVERIFY2(int(admitted.size()) <= limit, "more than the limit admitted within 60 s");
        } else {
            QCOMPARE(int(admitted.size()), limit); // refused only when the window is really full
            QVERIFY(d.retryAfterS >= 1);
            QCOMPARE(d.resetMs, admitted.front() + RateLimiter::windowMs);
        }
        QCOMPARE(d.remaining, limit - int(admitted.size()));
    }
    QVERIFY(admittedCount > 0);
}

void TstRateLimiter::waitingClientAdmittedExactlyAtReset()
{
    Test::FakeClock clock;
    RateLimiter limiter(clock);
    const int limit = 3;
    for (int i = 0; i < limit; ++i) {
        QVERIFY(limiter.acquire(QStringLiteral("k"), limit).admitted);
        clock.advanceMs(1234);
    }
    const auto refused = limiter.acquire(QStringLiteral("k"), limit);
    QVERIFY(!refused.admitted);
    const qint64 resetS = refused.resetUnixS();
    // One second before the advertised reset the window is still full...
    clock.setNowMs((resetS - 1) * 1000);
    QVERIFY(!limiter.acquire(QStringLiteral("k"), limit).admitted);
    // ...and at the advertised reset the client gets in.
    clock.setNowMs(resetS * 1000);
    QVERIFY(limiter.acquire(QStringLiteral("k"), limit).admitted);
    // Retry-After agrees with the reset, rounded up.
    QVERIFY(refused.retryAfterS >= 1);
}

void TstRateLimiter::keysAreIndependent()
{
    Test::FakeClock clock;
    RateLimiter limiter(clock);
    QVERIFY(limiter.acquire(QStringLiteral("a"), 1).admitted);
    QVERIFY(!limiter.acquire(QStringLiteral("a"), 1).admitted);
    QVERIFY(limiter.acquire(QStringLiteral("b"), 1).admitted);
    limiter.forget(QStringLiteral("a"));
    QVERIFY(limiter.acquire(QStringLiteral("a"), 1).admitted);
}

void TstRateLimiter::loweredLimitAppliesAtOnce()
{
    Test::FakeClock clock;
    RateLimiter limiter(clock);
    for (int i = 0; i < 5; ++i)
        QVERIFY(limiter.acquire(QStringLiteral("k"), 10).admitted);
    QVERIFY(!limiter.acquire(QStringLiteral("k"), 5).admitted);
    QVERIFY(limiter.acquire(QStringLiteral("k"), 6).admitted);
}

void TstRateLimiter::peekDoesNotConsume()
{
    Test::FakeClock clock;
    RateLimiter limiter(clock);
    QCOMPARE(limiter.peek(QStringLiteral("k"), 2).remaining, 2);
    QVERIFY(limiter.acquire(QStringLiteral("k"), 2).admitted);
    QCOMPARE(limiter.peek(QStringLiteral("k"), 2).remaining, 1);
    QCOMPARE(limiter.peek(QStringLiteral("k"), 2).remaining, 1);
}

QTEST_GUILESS_MAIN(TstRateLimiter)
#include "tst_ratelimiter.moc"
