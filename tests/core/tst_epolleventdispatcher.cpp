// SPDX-License-Identifier: MIT
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include "server/core/epolleventdispatcher.h"

using namespace Drawbridge;

namespace {

struct SocketPair
{
    int fd[2] = { -1, -1 };
    SocketPair()
    {
        QVERIFY2(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) == 0, "socketpair");
    }
    ~SocketPair()
    {
        for (int f : fd)
            if (f >= 0)
                ::close(f);
    }
};

// Counts its own timer events and, once, runs a nested event loop from inside the handler.
class NestingTimerTarget : public QObject
{
public:
    int fired = 0;
    int depth = 0;
    int maxDepth = 0;
    bool nested = false;

protected:
    void timerEvent(QTimerEvent *) override
    {
        ++fired;
        maxDepth = std::max(maxDepth, ++depth);
        if (!nested) {
            nested = true;
            QEventLoop loop;
            int otherTicks = 0;
            QTimer other;
            QObject::connect(&other, &QTimer::timeout, &loop, [&] {
                if (++otherTicks == 5)
                    loop.quit();
            });
            other.start(1);
            loop.exec();
        }
        --depth;
    }
};

// Records the timer events it gets, in order, and runs what a test scripted for a timer's event.
class RecordingTarget : public QObject
{
public:
    std::vector<int> fired;
    std::map<int, std::function<void()>> onFire;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        fired.push_back(event->timerId());
        const auto action = onFire.find(event->timerId());
        if (action != onFire.end())
            action->second();
    }
};

} // namespace

class TestEpollEventDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isTheThreadsDispatcher();
    void zeroTimersAndPostedEventsRun();
    void timersFireInDeadlineOrderAndNeverEarly();
    void killedTimerNeverFires();
    void remainingTimeAndRegisteredTimers();
    void timerIsNotReenteredByANestedLoop();
    void timerBookkeepingMatchesAModel_data();
    void timerBookkeepingMatchesAModel();
    void dueTimersFireOncePerPassInDeadlineOrder_data();
    void dueTimersFireOncePerPassInDeadlineOrder();
    void handlersKillingAndStartingTimersWithinAPass();
    void tcpTrafficBothWaysThroughManySockets();
    void notifierDisabledByAnotherHandlerIsNotActivated();
    void descriptorReusedBeforeItsNotifierWasUnregistered();
    void excludingSocketNotifiersNeitherActivatesNorSpins();
    void crossThreadWakeUpAndInterrupt();
    void notifierSwitchedBackWithinAPassCostsNoEpollCtl();
    void localWakeUpNeedsNoEventFdAndDoesNotSleep();
    void crossThreadWakeUpsAreNeverLost();
    void worksAsAWorkerThreadsDispatcher();
};

void TestEpollEventDispatcher::isTheThreadsDispatcher()
{
    auto *d = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(d);
    QVERIFY(d->isValid());
}

void TestEpollEventDispatcher::zeroTimersAndPostedEventsRun()
{
    int zero = 0;
    bool invoked = false;
    QTimer::singleShot(0, this, [&] { ++zero; });
    QMetaObject::invokeMethod(
        this, [&] { invoked = true; }, Qt::QueuedConnection);
    QPointer<QObject> doomed = new QObject;
    doomed->deleteLater();
    QTRY_VERIFY_WITH_TIMEOUT(zero == 1 && invoked && doomed.isNull(), 5000);
}

void TestEpollEventDispatcher::timersFireInDeadlineOrderAndNeverEarly()
{
    std::vector<int> order;
    QElapsedTimer clock;
    clock.start();
    qint64 at30 = -1;
    qint64 at10 = -1;
    QTimer::singleShot(30, Qt::PreciseTimer, this, [&] {
        order.push_back(30);
        at30 = clock.elapsed();
    });
    QTimer::singleShot(10, Qt::CoarseTimer, this, [&] {
        order.push_back(10);
        at10 = clock.elapsed();
    });
    QTimer::singleShot(20, Qt::VeryCoarseTimer, this, [&] { order.push_back(20); });
    QTRY_COMPARE_WITH_TIMEOUT(order.size(), size_t(3), 10000);
    QCOMPARE(order, (std::vector<int> { 10, 20, 30 }));
    QVERIFY2(at10 >= 10, qPrintable(QString::number(at10)));
    QVERIFY2(at30 >= 30, qPrintable(QString::number(at30)));
}

void TestEpollEventDispatcher::killedTimerNeverFires()
{
    bool fired = false;
    bool later = false;
    QTimer victim;
    victim.setSingleShot(true);
    QObject::connect(&victim, &QTimer::timeout, this, [&] { fired = true; });
    victim.start(5);
    // A timer due in the same pass kills it first: it must not fire even though it was already due.
    QTimer killer;
    killer.setSingleShot(true);
    QObject::connect(&killer, &QTimer::timeout, this, [&] { victim.stop(); });
    killer.start(0);
    QTimer::singleShot(40, this, [&] { later = true; });
    QTRY_VERIFY_WITH_TIMEOUT(later, 5000);
    QVERIFY(!fired);
}

void TestEpollEventDispatcher::remainingTimeAndRegisteredTimers()
{
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.start(60000);
    const int left = timer.remainingTime();
    QVERIFY2(left > 59000 && left <= 60000, qPrintable(QString::number(left)));
    auto *d = QAbstractEventDispatcher::instance();
    const auto list = d->registeredTimers(&timer);
    QCOMPARE(list.size(), 1);
    QCOMPARE(list.first().interval, 60000);
    QCOMPARE(list.first().timerType, Qt::PreciseTimer);
    QCOMPARE(d->remainingTime(list.first().timerId), timer.remainingTime());
    timer.stop();
    QVERIFY(d->registeredTimers(&timer).isEmpty());
    QCOMPARE(d->remainingTime(list.first().timerId), -1);
}

void TestEpollEventDispatcher::timerIsNotReenteredByANestedLoop()
{
    NestingTimerTarget target;
    const int id = target.startTimer(1);
    QTRY_VERIFY_WITH_TIMEOUT(target.fired >= 3, 5000);
    target.killTimer(id);
    QCOMPARE(target.maxDepth, 1);
}

void TestEpollEventDispatcher::timerBookkeepingMatchesAModel_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("operations");
    QTest::newRow("seed 1") << 1u << 20000;
    QTest::newRow("seed 7") << 7u << 20000;
    QTest::newRow("seed 2026") << 2026u << 20000;
}

void TestEpollEventDispatcher::timerBookkeepingMatchesAModel()
{
    // Random starts and stops (one by one and per object) on a dispatcher of its own, against a model of what
    // is registered: registeredTimers(), remainingTime() and the return values must agree with it after every
    // step, whatever the slots, heap and lists inside went through. Intervals are minutes, so nothing is due.
    QFETCH(quint32, seed);
    QFETCH(int, operations);
    EpollEventDispatcher d;
    QVERIFY(d.isValid());
    std::vector<std::unique_ptr<QObject>> objects;
    for (int i = 0; i < 12; ++i)
        objects.push_back(std::make_unique<QObject>());
    struct Registered
    {
        QObject *object;
        qint64 intervalMs;
        Qt::TimerType type;
    };
    std::map<int, Registered> model;
    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return int(rng() % unsigned(n)); };
    const Qt::TimerType types[] = { Qt::PreciseTimer, Qt::CoarseTimer, Qt::VeryCoarseTimer };
    for (int step = 0; step < operations; ++step) {
        const int op = pick(10);
        // Mostly small ids, as Qt hands out; some around the bound above which the dispatcher keeps them in
        // a hash map instead of its vector.
        const int id = pick(5) == 0 ? EpollEventDispatcher::denseTimerIds - 25 + pick(50) : 1 + pick(300);
        QObject *object = objects[size_t(pick(int(objects.size())))].get();
        if (op < 5) {
            if (model.count(id))
                continue; // Qt never registers a live id again
            const qint64 interval = 60'000 + pick(600'000);
            const Qt::TimerType type = types[pick(3)];
            d.registerTimer(id, interval, type, object);
            model[id] = { object, interval, type };
        } else if (op < 8) {
            QCOMPARE(d.unregisterTimer(id), model.erase(id) == 1);
        } else if (op < 9) {
            bool had = false;
            for (auto it = model.begin(); it != model.end();) {
                if (it->second.object == object) {
                    had = true;
                    it = model.erase(it);
                } else {
                    ++it;
                }
            }
            QCOMPARE(d.unregisterTimers(object), had);
        } else {
            const int left = d.remainingTime(id);
            const auto it = model.find(id);
            if (it == model.end()) {
                QCOMPARE(left, -1);
            } else {
                QVERIFY2(left <= it->second.intervalMs && left > it->second.intervalMs - 30'000,
                         qPrintable(QStringLiteral("%1 of %2").arg(left).arg(it->second.intervalMs)));
            }
        }
        if (step % 97 == 0 || step == operations - 1) {
            for (const auto &o : objects) {
                std::set<std::tuple<int, int, int>> expected;
                for (const auto &[tid, r] : model) {
                    if (r.object == o.get())
                        expected.emplace(tid, int(r.intervalMs), int(r.type));
                }
                std::set<std::tuple<int, int, int>> listed;
                for (const auto &info : d.registeredTimers(o.get()))
                    QVERIFY(listed.emplace(info.timerId, info.interval, int(info.timerType)).second);
                QCOMPARE(listed, expected);
            }
        }
    }
}

void TestEpollEventDispatcher::dueTimersFireOncePerPassInDeadlineOrder_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::newRow("seed 3") << 3u;
    QTest::newRow("seed 11") << 11u;
    QTest::newRow("seed 99") << 99u;
}

void TestEpollEventDispatcher::dueTimersFireOncePerPassInDeadlineOrder()
{
    // Timers of 0, 50, 100 … 500 ms started within a few milliseconds and some stopped again; once all are
    // due, one pass fires every live one exactly once, earliest deadline first and, for equal intervals, in
    // the order they were started; the next pass at once fires only the zero-interval ones again. The steps
    // are wide enough for a sanitizer's or a loaded machine's slowness; where a step took longer than one
    // interval anyway, only what does not depend on time is checked.
    QFETCH(quint32, seed);
    constexpr int step = 50; // ms between the intervals
    EpollEventDispatcher d;
    RecordingTarget target;
    std::mt19937 rng(seed);
    struct Started
    {
        int id;
        int intervalMs;
        int index;
    };
    std::vector<Started> live;
    const auto begun = std::chrono::steady_clock::now();
    for (int i = 0; i < 2000; ++i) {
        const int interval = int(rng() % 11) * step;
        const int id
            = i % 7 == 0 ? EpollEventDispatcher::denseTimerIds + i : 1000 + i; // some in the hash map
        d.registerTimer(id, interval, Qt::PreciseTimer, &target);
        live.push_back({ id, interval, i });
        if (rng() % 4 == 0) { // stop a random live one again
            const size_t victim = rng() % live.size();
            QVERIFY(d.unregisterTimer(live[victim].id));
            live.erase(live.begin() + qsizetype(victim));
        }
    }
    const auto startedWithin = std::chrono::steady_clock::now() - begun;
    std::this_thread::sleep_for(std::chrono::milliseconds(11 * step)); // every deadline has passed
    const auto passBegun = std::chrono::steady_clock::now();
    d.processEvents(QEventLoop::AllEvents);
    const auto passTook = std::chrono::steady_clock::now() - passBegun;
    std::vector<Started> expected = live;
    std::stable_sort(expected.begin(), expected.end(),
                     [](const Started &a, const Started &b) { return a.intervalMs < b.intervalMs; });
    std::vector<int> expectedIds;
    for (const Started &s : expected)
        expectedIds.push_back(s.id);
    if (startedWithin < std::chrono::milliseconds(step)) {
        QCOMPARE(target.fired, expectedIds); // a step apart at least: the intervals decide the order
    } else {
        std::vector<int> sorted = target.fired; // a slow machine: the order may mix, the set may not
        std::sort(sorted.begin(), sorted.end());
        std::vector<int> ids = expectedIds;
        std::sort(ids.begin(), ids.end());
        QCOMPARE(sorted, ids);
    }
    target.fired.clear();
    d.processEvents(QEventLoop::AllEvents);
    std::vector<int> zeroIds;
    for (const Started &s : live) {
        if (s.intervalMs == 0)
            zeroIds.push_back(s.id);
    }
    if (passTook < std::chrono::milliseconds(step)) {
        QCOMPARE(target.fired, zeroIds);
    } else {
        // The first pass outlasted a step: timers of one step may be due again. The zero-interval ones still
        // fire, in order, and nothing fires twice.
        std::vector<int> zeroFired;
        std::set<int> once;
        for (const int id : target.fired) {
            QVERIFY(once.insert(id).second);
            if (std::find(zeroIds.begin(), zeroIds.end(), id) != zeroIds.end())
                zeroFired.push_back(id);
        }
        QCOMPARE(zeroFired, zeroIds);
    }
    for (const Started &s : live)
        QVERIFY(d.unregisterTimer(s.id));
    QVERIFY(!d.unregisterTimers(&target));
}

void TestEpollEventDispatcher::handlersKillingAndStartingTimersWithinAPass()
{
    // In one pass: a handler stops timers due later in the same pass (they must not fire, nor the one it
    // starts under one of their ids); another stops itself, starts another under its own id (not due in this
    // pass) and a zero-interval timer (it fires in the next pass, not this one). A timer stopped and started
    // again under the same id before the pass fires once.
    EpollEventDispatcher d;
    RecordingTarget target;
    d.registerTimer(1, 0, Qt::PreciseTimer, &target);
    d.registerTimer(2, 0, Qt::PreciseTimer, &target);
    d.registerTimer(3, 0, Qt::PreciseTimer, &target);
    d.registerTimer(4, 0, Qt::PreciseTimer, &target);
    d.registerTimer(5, 0, Qt::PreciseTimer, &target);
    QVERIFY(d.unregisterTimer(5));
    d.registerTimer(5, 0, Qt::PreciseTimer, &target);
    d.registerTimer(7, 0, Qt::PreciseTimer, &target);
    // Qt reuses a stopped timer's id at once: the one started under 7 is a minute away and must not fire
    // because the id was due in this pass.
    target.onFire[1] = [&] {
        QVERIFY(d.unregisterTimer(3));
        QVERIFY(d.unregisterTimer(7));
        d.registerTimer(7, 60000, Qt::PreciseTimer, &target);
    };
    target.onFire[2] = [&] {
        QVERIFY(d.unregisterTimer(2));
        d.registerTimer(2, 0, Qt::PreciseTimer, &target);
        d.registerTimer(6, 0, Qt::PreciseTimer, &target);
    };
    d.processEvents(QEventLoop::AllEvents);
    QCOMPARE(target.fired, (std::vector<int> { 1, 2, 4, 5 }));
    target.fired.clear();
    target.onFire.clear();
    d.processEvents(QEventLoop::AllEvents);
    QCOMPARE(target.fired, (std::vector<int> { 1, 4, 5, 2, 6 }));
    QCOMPARE(d.registeredTimers(&target).size(), 6);
    QVERIFY(d.remainingTime(7) > 50000);
    QVERIFY(d.unregisterTimers(&target));
    QVERIFY(d.registeredTimers(&target).isEmpty());
    QCOMPARE(d.remainingTime(1), -1);
}

void TestEpollEventDispatcher::tcpTrafficBothWaysThroughManySockets()
{
    // 200 connections, each echoing 64 KiB: write notifiers switch on and off as kernel buffers fill, and
    // every descriptor comes and goes through epoll_ctl.
    QTcpServer server;
    server.setListenBacklogSize(1024); // Qt's default of 50 would have the kernel drop SYNs (1 s retries)
    QVERIFY(server.listen(QHostAddress::LocalHost));
    std::vector<std::unique_ptr<QTcpSocket>> accepted;
    QObject::connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *s = server.nextPendingConnection()) {
            QObject::connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
            accepted.emplace_back(s);
        }
    });
    constexpr int kClients = 200;
    constexpr int kBytes = 64 * 1024;
    QByteArray payload(kBytes, '\0');
    for (int i = 0; i < kBytes; ++i)
        payload[i] = char('a' + i % 26);
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    std::vector<QByteArray> echoed(kClients);
    int complete = 0;
    for (int i = 0; i < kClients; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        QTcpSocket *s = socket.get();
        QObject::connect(s, &QTcpSocket::connected, s, [s, &payload] { s->write(payload); });
        QObject::connect(s, &QTcpSocket::readyRead, s, [s, i, &echoed, &complete] {
            echoed[size_t(i)] += s->readAll();
            if (echoed[size_t(i)].size() == kBytes)
                ++complete;
        });
        s->connectToHost(QHostAddress::LocalHost, server.serverPort());
        clients.push_back(std::move(socket));
    }
    QTRY_COMPARE_WITH_TIMEOUT(complete, kClients, 60000);
    for (const QByteArray &e : echoed)
        QVERIFY(e == payload);
}

void TestEpollEventDispatcher::notifierDisabledByAnotherHandlerIsNotActivated()
{
    SocketPair a;
    SocketPair b;
    QSocketNotifier na(a.fd[0], QSocketNotifier::Read);
    QSocketNotifier nb(b.fd[0], QSocketNotifier::Read);
    int activations = 0;
    QObject::connect(&na, &QSocketNotifier::activated, this, [&] {
        ++activations;
        nb.setEnabled(false);
        na.setEnabled(false);
    });
    QObject::connect(&nb, &QSocketNotifier::activated, this, [&] {
        ++activations;
        na.setEnabled(false);
        nb.setEnabled(false);
    });
    // Both readable before the loop looks: one wait reports both, and whichever runs first disables the
    // other.
    QCOMPARE(::write(a.fd[1], "x", 1), ssize_t(1));
    QCOMPARE(::write(b.fd[1], "y", 1), ssize_t(1));
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    QCOMPARE(activations, 1);
}

void TestEpollEventDispatcher::descriptorReusedBeforeItsNotifierWasUnregistered()
{
    // What libpq does to Qt's notifier on a lost PostgreSQL connection: the descriptor is closed while its
    // notifier lives on, and the next accepted client socket gets the same number. The new socket's notifier
    // must be reported; the old one must not hear of it, and unregistering it later must not silence the new.
    SocketPair old;
    auto stale = std::make_unique<QSocketNotifier>(old.fd[0], QSocketNotifier::Read);
    int staleActivations = 0;
    QObject::connect(stale.get(), &QSocketNotifier::activated, this, [&] { ++staleActivations; });
    const int number = old.fd[0];
    ::close(old.fd[0]);
    old.fd[0] = -1;

    SocketPair fresh; // the new socket under the old number (the lowest free one, or moved there)
    if (fresh.fd[0] != number) {
        QVERIFY(::dup2(fresh.fd[0], number) == number);
        ::close(fresh.fd[0]);
        fresh.fd[0] = number;
    }
    QSocketNotifier reader(number, QSocketNotifier::Read);
    QSignalSpy read(&reader, &QSocketNotifier::activated);
    QCOMPARE(::write(fresh.fd[1], "x", 1), ssize_t(1));
    QVERIFY2(read.wait(2000), "the reused descriptor's new notifier was never activated");
    QCOMPARE(staleActivations, 0);

    char buffer[8];
    QCOMPARE(::read(number, buffer, sizeof buffer), ssize_t(1));
    stale.reset(); // unregistered at last
    QCOMPARE(::write(fresh.fd[1], "y", 1), ssize_t(1));
    QVERIFY2(read.wait(2000), "unregistering the stale notifier silenced the new one");
    QCOMPARE(::read(number, buffer, sizeof buffer), ssize_t(1));

    // A write notifier registered first on a reused number, then the read one.
    SocketPair other;
    auto staleRead = std::make_unique<QSocketNotifier>(other.fd[0], QSocketNotifier::Read);
    const int second = other.fd[0];
    ::close(other.fd[0]);
    other.fd[0] = -1;
    SocketPair again;
    if (again.fd[0] != second) {
        QVERIFY(::dup2(again.fd[0], second) == second);
        ::close(again.fd[0]);
        again.fd[0] = second;
    }
    QSocketNotifier writer(second, QSocketNotifier::Write);
    QSignalSpy writable(&writer, &QSocketNotifier::activated);
    QVERIFY(writable.wait(2000));
    writer.setEnabled(false);
    QSocketNotifier reader2(second, QSocketNotifier::Read);
    QSignalSpy read2(&reader2, &QSocketNotifier::activated);
    QCOMPARE(::write(again.fd[1], "z", 1), ssize_t(1));
    QVERIFY2(read2.wait(2000), "a read notifier on a reused number after a write one was never activated");
}

void TestEpollEventDispatcher::excludingSocketNotifiersNeitherActivatesNorSpins()
{
    SocketPair p;
    QSocketNotifier n(p.fd[0], QSocketNotifier::Read);
    int activations = 0;
    QObject::connect(&n, &QSocketNotifier::activated, this, [&] {
        ++activations;
        char c;
        QCOMPARE(::read(p.fd[0], &c, 1), ssize_t(1));
    });
    QCOMPARE(::write(p.fd[1], "x", 1), ssize_t(1));
    // With a readable socket excluded, a waiting call must block until the timer, not return at once.
    bool timerFired = false;
    QTimer::singleShot(30, this, [&] { timerFired = true; });
    QElapsedTimer clock;
    clock.start();
    int calls = 0;
    while (!timerFired && clock.elapsed() < 5000) {
        QAbstractEventDispatcher::instance()->processEvents(QEventLoop::ExcludeSocketNotifiers
                                                            | QEventLoop::WaitForMoreEvents);
        ++calls;
    }
    QVERIFY(timerFired);
    QCOMPARE(activations, 0);
    QVERIFY2(calls < 10, qPrintable(QString::number(calls)));
    QTRY_COMPARE_WITH_TIMEOUT(activations, 1, 5000);
}

void TestEpollEventDispatcher::crossThreadWakeUpAndInterrupt()
{
    // A queued call from another thread wakes the loop blocked without any timer. (The call quits the loop:
    // like Qt's own dispatchers, processEvents(WaitForMoreEvents) may block again right after sending posted
    // events.)
    bool delivered = false;
    QEventLoop loop;
    QTimer safety;
    safety.setSingleShot(true);
    QObject::connect(&safety, &QTimer::timeout, &loop, &QEventLoop::quit);
    safety.start(5000);
    QElapsedTimer clock;
    clock.start();
    std::thread poster([&loop, &delivered] {
        QMetaObject::invokeMethod(
            &loop,
            [&loop, &delivered] {
                delivered = true;
                loop.quit();
            },
            Qt::QueuedConnection);
    });
    loop.exec();
    poster.join();
    QVERIFY(delivered);
    QVERIFY2(clock.elapsed() < 4000, qPrintable(QString::number(clock.elapsed())));

    // interrupt() from another thread ends a wait that nothing else would end.
    auto *d = QAbstractEventDispatcher::instance();
    std::thread interrupter([d] { d->interrupt(); });
    clock.restart();
    d->processEvents(QEventLoop::WaitForMoreEvents);
    interrupter.join();
    QVERIFY(clock.elapsed() < 5000);
}

void TestEpollEventDispatcher::crossThreadWakeUpsAreNeverLost()
{
    // Four threads post calls in bursts while this loop blocks with nothing else to wake it: a lost wake-up
    // shows as a call that waits for the 2 s rescue timer. Many wake-ups land while the eventfd is being
    // drained, the window in which a wrongly ordered pending flag swallows them.
    constexpr int kThreads = 4;
    constexpr int kPerThread = 20000;
    std::atomic<int> handled { 0 };
    std::atomic<qint64> worstWaitMs { 0 };
    QElapsedTimer since;
    since.start();
    std::vector<std::thread> posters;
    for (int t = 0; t < kThreads; ++t) {
        posters.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const qint64 postedAt = since.elapsed();
                QMetaObject::invokeMethod(
                    this,
                    [&handled, &worstWaitMs, &since, postedAt] {
                        ++handled;
                        worstWaitMs = std::max<qint64>(worstWaitMs.load(), since.elapsed() - postedAt);
                    },
                    Qt::QueuedConnection);
                if ((i + t) % 64 == 0)
                    std::this_thread::yield();
            }
        });
    }
    QTimer rescue;
    rescue.start(2000);
    QElapsedTimer clock;
    clock.start();
    while (handled.load() < kThreads * kPerThread && clock.elapsed() < 60000)
        QAbstractEventDispatcher::instance()->processEvents(QEventLoop::WaitForMoreEvents);
    for (std::thread &poster : posters)
        poster.join();
    QCOMPARE(handled.load(), kThreads * kPerThread);
    QVERIFY2(worstWaitMs.load() < 1000, qPrintable(QString::number(worstWaitMs.load())));
}

void TestEpollEventDispatcher::worksAsAWorkerThreadsDispatcher()
{
    QThread thread;
    thread.setEventDispatcher(new EpollEventDispatcher);
    thread.start();
    auto *worker = new QObject;
    worker->moveToThread(&thread);
    int ticks = 0;
    std::atomic<int> done { 0 };
    QMetaObject::invokeMethod(worker, [&, worker] {
        auto *timer = new QTimer(worker);
        QObject::connect(timer, &QTimer::timeout, worker, [&, timer] {
            if (++ticks == 3) {
                timer->stop();
                done = 1;
            }
        });
        timer->start(2);
    });
    QTRY_COMPARE_WITH_TIMEOUT(done.load(), 1, 5000);
    QMetaObject::invokeMethod(worker, &QObject::deleteLater);
    thread.quit();
    QVERIFY(thread.wait(5000));
    QCOMPARE(ticks, 3);
}

void TestEpollEventDispatcher::notifierSwitchedBackWithinAPassCostsNoEpollCtl()
{
    // QAbstractSocket switches its write notifier on in write() and off again in the flush() right after:
    // a change to a descriptor that stays registered is told to the kernel before the next wait, so a switch
    // and its undoing cost nothing, while one that stays still takes effect before the loop sleeps.
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    SocketPair pair;
    QSocketNotifier read(qintptr(pair.fd[0]), QSocketNotifier::Read);
    QSocketNotifier write(qintptr(pair.fd[0]), QSocketNotifier::Write);
    write.setEnabled(false);
    int readable = 0; // each activation reads its byte, or the level-triggered notifier would fire on
    QObject::connect(&read, &QSocketNotifier::activated, &read, [&] {
        char byte;
        if (::read(pair.fd[0], &byte, 1) == 1)
            ++readable;
    });
    QSignalSpy writable(&write, &QSocketNotifier::activated);
    QCoreApplication::processEvents(); // the read notifier's registration is told at once
    const quint64 before = dispatcher->epollCtlCalls();
    for (int i = 0; i < 100; ++i) {
        write.setEnabled(true);
        write.setEnabled(false);
    }
    QCoreApplication::processEvents();
    QCOMPARE(dispatcher->epollCtlCalls(), before);
    QCOMPARE(writable.size(), 0);
    // Switched on and left on: registered before the wait, and reported (a socket pair has room to write).
    write.setEnabled(true);
    QCoreApplication::processEvents();
    QCOMPARE(dispatcher->epollCtlCalls(), before + 1);
    QCOMPARE(writable.size(), 1);
    // Off again: not reported any more, although the socket stays writable (level-triggered).
    write.setEnabled(false);
    QCoreApplication::processEvents();
    QCOMPARE(dispatcher->epollCtlCalls(), before + 2);
    QCoreApplication::processEvents();
    QCOMPARE(writable.size(), 1);
    // The read notifier went through all of it untouched.
    QCOMPARE(::write(pair.fd[1], "x", 1), ssize_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(readable, 1, 5000);
    // Off and on again within one pass while data waits: still reported.
    QCOMPARE(::write(pair.fd[1], "y", 1), ssize_t(1));
    read.setEnabled(false);
    read.setEnabled(true);
    QTRY_COMPARE_WITH_TIMEOUT(readable, 2, 5000);
}

void TestEpollEventDispatcher::localWakeUpNeedsNoEventFdAndDoesNotSleep()
{
    // An event posted from the loop's own thread needs no eventfd write; posted after the posted events were
    // sent (here from aboutToBlock(), like a handler's), it keeps the wait that follows from sleeping.
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    QCoreApplication::processEvents(); // this thread's loop has run
    QObject target;
    int delivered = 0;
    QObject::connect(
        &target, &QObject::objectNameChanged, &target, [&] { ++delivered; }, Qt::QueuedConnection);
    const quint64 writes = dispatcher->eventFdWrites();
    bool posted = false;
    const auto connection
        = QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, &target, [&] {
              if (!posted) {
                  posted = true;
                  target.setObjectName(
                      QStringLiteral("queued")); // a queued call: QCoreApplication::postEvent()
              }
          });
    QTimer safety; // if the wait slept, this would end it after 5 s
    safety.setSingleShot(true);
    safety.start(5000);
    QElapsedTimer clock;
    clock.start();
    QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    const qint64 waited = clock.elapsed();
    QVERIFY(posted);
    QVERIFY2(waited < 2000, qPrintable(QStringLiteral("slept %1 ms").arg(waited)));
    QCoreApplication::processEvents(); // sends it
    QObject::disconnect(connection);
    QCOMPARE(delivered, 1);
    QCOMPARE(dispatcher->eventFdWrites(), writes);
}

int main(int argc, char **argv)
{
    // Installed before the application object exists, as the headless server does in main().
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
