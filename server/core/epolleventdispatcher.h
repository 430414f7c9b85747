// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractEventDispatcher>

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace Drawbridge {

/**
 * A Qt event dispatcher on Linux epoll, for the headless server's event-loop thread.
 *
 * Why: Qt 6.4's dispatchers (GLib's and the plain UNIX one) hand the kernel the whole list of socket
 * notifiers on every wake-up (`poll`), and GLib also walks linked lists to add or remove one. With a thousand
 * streams open that is ~2,000 descriptors polled per wake-up, and each (un)registration of a write notifier
 * walks the list: the work per event grows with the number of open connections (docs/performance.md,
 * "Trickled streams"). Here the kernel keeps the interest set (epoll_ctl once per change), a wake-up costs in
 * proportion to the descriptors that are ready, and timers sit in an ordered set instead of Qt's sorted list.
 *
 * Semantics follow Qt's UNIX dispatcher: level-triggered notifiers activated with QEvent::SockAct; timers
 * fire at most once per processEvents() call, never re-entered while their own handler runs a nested loop,
 * and a timer that falls behind skips the missed intervals; posted events are sent first; wakeUp() is an
 * eventfd. Timers of every Qt::TimerType are kept to the millisecond (coarse types allow that).
 *
 * Timers are kept by id in a vector (Qt hands out small, dense ids and reuses them) and ordered by a binary
 * heap of ids: starting or stopping one allocates nothing once the vector and heap have grown. A request
 * starts and stops three (its timeout, the keep-alive, the exchange's release), and the node-based set and
 * maps this replaced cost an allocation and a free in each of three containers per timer
 * (docs/performance.md, "Fourteenth pass"). The timers of one object are found by a scan: Qt asks for them
 * only when an object with QObject::startTimer() timers still running is destroyed or moved to another
 * thread.
 */
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    /**
     * Timer ids below this are kept in a vector indexed by id (Qt hands out ids from 1 up and reuses them, so
     * they stay below the number of timers alive at once); others, which Qt does not make, in a hash map.
     * The bound keeps the vector under 4 MiB whatever id comes.
     */
    static constexpr int denseTimerIds = 1 << 16;

    /** False when the kernel refused epoll_create1 or eventfd; the caller then keeps Qt's own dispatcher. */
    bool isValid() const { return m_epollFd >= 0 && m_wakeFd >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    /** epoll_ctl calls made so far (diagnostics and tests: a notifier switched back and forth costs none). */
    quint64 epollCtlCalls() const { return m_epollCtlCalls; }
    /** eventfd writes made so far by wakeUp() (a wake-up from the loop's own thread needs none). */
    quint64 eventFdWrites() const { return m_eventFdWrites.load(std::memory_order_relaxed); }

private:
    using TimePoint = std::chrono::steady_clock::time_point;

    struct Timer
    {
        QObject *object = nullptr; ///< nullptr: no timer has this id
        TimePoint deadline;
        qint64 intervalMs = 0;
        quint64 order
            = 0; ///< ties between equal deadlines, and which timers a pass may fire (activateTimers())
        quint64 serial
            = 0; ///< which registration this is (activateTimers() tells a timer from its successor)
        int heapIndex = -1; ///< position in m_heap; -1 while set aside by a pass
        Qt::TimerType type = Qt::CoarseTimer;
        bool inHandler = false;
    };
    struct Watched
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        uint32_t mask = 0; // what epoll has been told
        uint32_t wanted = 0; // what the notifiers ask for; told before the next wait (applyInterest())
        bool queued = false; // in m_changedInterest
    };

    void updateInterest(int fd, Watched &watched);
    void applyInterest();
    int epollCtl(int op, int fd, epoll_event *ev);
    int activateSocketNotifiers(int readyCount);
    int activateTimers();
    int waitTimeoutMs() const;
    /** The timer of @p timerId, or nullptr. Inline: the heap's every step looks up two. */
    Timer *findTimer(int timerId)
    {
        if (timerId > 0 && timerId < denseTimerIds) {
            Timer *timer = size_t(timerId) < m_timers.size() ? &m_timers[size_t(timerId)] : nullptr;
            return timer && timer->object ? timer : nullptr;
        }
        return findOtherTimer(timerId);
    }
    const Timer *findTimer(int timerId) const
    {
        return const_cast<EpollEventDispatcher *>(this)->findTimer(timerId);
    }
    Timer *findOtherTimer(int timerId);
    bool earlier(int idA, int idB) const;
    void placeInHeap(int index, int timerId);
    void siftUp(int index);
    void siftDown(int index);
    void pushToHeap(int timerId);
    void removeFromHeap(int timerId);
    void forget(int timerId);
    template<typename Visit> void forEachTimer(Visit visit) const;
    void drainWakeFd();

    int m_epollFd = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_wakeUpPending { false };
    std::atomic<bool> m_interrupted { false };
    bool m_localWakeUp = false; // wakeUp() from the loop's own thread: do not block in the next wait
    quint64 m_epollCtlCalls = 0;
    std::atomic<quint64> m_eventFdWrites { 0 };
    std::vector<int> m_changedInterest; // descriptors whose interest changed while they stay registered

    std::unordered_map<int, Watched> m_watched;
    std::deque<QSocketNotifier *> m_pendingNotifiers;
    std::vector<epoll_event> m_events;

    std::vector<Timer> m_timers; ///< by id
    std::unordered_map<int, Timer> m_otherTimers;
    std::vector<int> m_heap; ///< ids of the timers, earliest (deadline, order) first
    quint64 m_nextOrder = 0;
    quint64 m_nextSerial = 0;
};

} // namespace Drawbridge
