// SPDX-License-Identifier: MIT
#include "epolleventdispatcher.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>
#include <QTimerEvent>

#include "server/core/logging.h"

namespace Drawbridge {

namespace {

// Qt's poll dispatcher activates a read notifier on POLLIN|POLLHUP|POLLERR and a write notifier on
// POLLOUT|POLLERR. epoll always reports EPOLLHUP/EPOLLERR; a hang-up also wakes a write-only notifier, so
// that a peer that vanished while we wait to write is noticed instead of being reported on every wait without
// anyone handling it.
constexpr uint32_t kReadReady = EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP;
constexpr uint32_t kWriteReady = EPOLLOUT | EPOLLERR | EPOLLHUP;
constexpr uint32_t kExceptionReady = EPOLLPRI;
constexpr int kMaxEventsPerWait = 512;

std::chrono::steady_clock::time_point now()
{
    return std::chrono::steady_clock::now();
}

// The dispatcher whose processEvents() runs on this thread: each thread has its own (Qt's model), so a
// wakeUp() from the loop's own thread can be told apart from one from another thread without a lock.
thread_local const QAbstractEventDispatcher *t_looping = nullptr;

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epollFd(::epoll_create1(EPOLL_CLOEXEC))
    , m_wakeFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    m_events.resize(kMaxEventsPerWait);
    if (m_epollFd < 0 || m_wakeFd < 0) {
        qCWarning(lcCore, "epoll event dispatcher unavailable: %s", std::strerror(errno));
        return;
    }
    epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.fd = m_wakeFd;
    if (::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &ev) != 0) {
        qCWarning(lcCore, "epoll event dispatcher: cannot watch its eventfd: %s", std::strerror(errno));
        ::close(m_wakeFd);
        m_wakeFd = -1;
    }
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
    if (m_epollFd >= 0)
        ::close(m_epollFd);
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    Watched &watched = m_watched[fd];
    QSocketNotifier **slot = notifier->type() == QSocketNotifier::Read ? &watched.read
        : notifier->type() == QSocketNotifier::Write                   ? &watched.write
                                                                       : &watched.exception;
    if (*slot && *slot != notifier) {
        // Another notifier of this kind still holds the number: its descriptor was closed before it was
        // unregistered (libpq closes a lost PostgreSQL connection's socket while Qt's notifier on it lives
        // on), and this is a new descriptor under the same number. Closing took the old one out of the
        // kernel's set, so the mask kept here is stale: register the descriptor again, or the new socket
        // would never be reported (a client's request then sits unread).
        std::replace(m_pendingNotifiers.begin(), m_pendingNotifiers.end(), *slot,
                     static_cast<QSocketNotifier *>(nullptr));
        watched.mask = 0;
    }
    *slot = notifier;
    updateInterest(fd, watched);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    // A notifier switched off while others are being activated must not get the event collected for it.
    std::replace(m_pendingNotifiers.begin(), m_pendingNotifiers.end(), notifier,
                 static_cast<QSocketNotifier *>(nullptr));
    const auto it = m_watched.find(fd);
    if (it == m_watched.end())
        return;
    Watched &watched = it->second;
    if (watched.read == notifier)
        watched.read = nullptr;
    else if (watched.write == notifier)
        watched.write = nullptr;
    else if (watched.exception == notifier)
        watched.exception = nullptr;
    updateInterest(fd, watched);
    if (!watched.read && !watched.write && !watched.exception)
        m_watched.erase(it);
}

int EpollEventDispatcher::epollCtl(int op, int fd, epoll_event *ev)
{
    ++m_epollCtlCalls;
    return ::epoll_ctl(m_epollFd, op, fd, ev);
}

void EpollEventDispatcher::updateInterest(int fd, Watched &watched)
{
    uint32_t mask = 0;
    if (watched.read)
        mask |= EPOLLIN | EPOLLRDHUP;
    if (watched.write)
        mask |= EPOLLOUT;
    if (watched.exception)
        mask |= EPOLLPRI;
    watched.wanted = mask;
    if (mask != 0 && watched.mask != 0) {
        // The descriptor stays in the set: tell the kernel before the next wait, not now. QAbstractSocket
        // switches its write notifier on in write() and off again in the flush() that follows, which cost two
        // epoll_ctl calls per upstream request for nothing (docs/architecture.md, "The event loop").
        if (mask != watched.mask && !watched.queued) {
            watched.queued = true;
            m_changedInterest.push_back(fd);
        }
        return;
    }
    if (mask == watched.mask)
        return;
    // Added to or removed from the set: at once. A descriptor closed and reopened under the same number
    // must be registered again before anything else happens to it (registerSocketNotifier()).
    epoll_event ev {};
    ev.events = mask;
    ev.data.fd = fd;
    int rc = 0;
    if (mask == 0) {
        rc = epollCtl(EPOLL_CTL_DEL, fd, &ev);
        // The descriptor may already be closed (the kernel then dropped it from the set itself).
        if (rc != 0 && (errno == EBADF || errno == ENOENT))
            rc = 0;
    } else {
        rc = epollCtl(EPOLL_CTL_ADD, fd, &ev);
        if (rc != 0 && errno == EEXIST)
            rc = epollCtl(EPOLL_CTL_MOD, fd, &ev);
    }
    if (rc != 0)
        qCWarning(lcCore, "epoll_ctl on socket %d failed: %s", fd, std::strerror(errno));
    watched.mask = rc == 0 ? mask : 0;
}

void EpollEventDispatcher::applyInterest()
{
    for (const int fd : m_changedInterest) {
        const auto it = m_watched.find(fd);
        if (it == m_watched.end())
            continue; // unregistered since (and taken out of the set then)
        Watched &watched = it->second;
        watched.queued = false;
        if (watched.wanted == watched.mask || watched.mask == 0)
            continue; // switched back, or already registered afresh by updateInterest()
        epoll_event ev {};
        ev.events = watched.wanted;
        ev.data.fd = fd;
        int rc = epollCtl(EPOLL_CTL_MOD, fd, &ev);
        // Closed and reopened under the same number without the old notifier being unregistered first.
        if (rc != 0 && errno == ENOENT)
            rc = epollCtl(EPOLL_CTL_ADD, fd, &ev);
        if (rc != 0)
            qCWarning(lcCore, "epoll_ctl on socket %d failed: %s", fd, std::strerror(errno));
        watched.mask = rc == 0 ? watched.wanted : 0;
    }
    m_changedInterest.clear();
}

EpollEventDispatcher::Timer *EpollEventDispatcher::findOtherTimer(int timerId)
{
    const auto it = m_otherTimers.find(timerId);
    return it != m_otherTimers.end() ? &it->second : nullptr;
}

template<typename Visit> void EpollEventDispatcher::forEachTimer(Visit visit) const
{
    for (size_t id = 1; id < m_timers.size(); ++id) {
        if (m_timers[id].object)
            visit(int(id), m_timers[id]);
    }
    for (const auto &[id, timer] : m_otherTimers)
        visit(id, timer);
}

bool EpollEventDispatcher::earlier(int idA, int idB) const
{
    const Timer &a = *findTimer(idA);
    const Timer &b = *findTimer(idB);
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.order < b.order);
}

void EpollEventDispatcher::placeInHeap(int index, int timerId)
{
    m_heap[size_t(index)] = timerId;
    findTimer(timerId)->heapIndex = index;
}

void EpollEventDispatcher::siftUp(int index)
{
    const int id = m_heap[size_t(index)];
    while (index > 0) {
        const int parent = (index - 1) / 2;
        if (!earlier(id, m_heap[size_t(parent)]))
            break;
        placeInHeap(index, m_heap[size_t(parent)]);
        index = parent;
    }
    placeInHeap(index, id);
}

void EpollEventDispatcher::siftDown(int index)
{
    const int size = int(m_heap.size());
    const int id = m_heap[size_t(index)];
    for (;;) {
        int child = 2 * index + 1;
        if (child >= size)
            break;
        if (child + 1 < size && earlier(m_heap[size_t(child + 1)], m_heap[size_t(child)]))
            ++child;
        if (!earlier(m_heap[size_t(child)], id))
            break;
        placeInHeap(index, m_heap[size_t(child)]);
        index = child;
    }
    placeInHeap(index, id);
}

void EpollEventDispatcher::pushToHeap(int timerId)
{
    m_heap.push_back(timerId);
    siftUp(int(m_heap.size()) - 1);
}

void EpollEventDispatcher::removeFromHeap(int timerId)
{
    Timer &timer = *findTimer(timerId);
    const int index = timer.heapIndex;
    if (index < 0)
        return; // set aside by a pass (activateTimers())
    timer.heapIndex = -1;
    const int last = m_heap.back();
    m_heap.pop_back();
    if (last == timerId)
        return;
    placeInHeap(index, last);
    if (index > 0 && earlier(last, m_heap[size_t((index - 1) / 2)]))
        siftUp(index);
    else
        siftDown(index);
}

void EpollEventDispatcher::forget(int timerId)
{
    removeFromHeap(timerId);
    if (timerId > 0 && timerId < denseTimerIds)
        m_timers[size_t(timerId)] = Timer {};
    else
        m_otherTimers.erase(timerId);
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (!object)
        return; // QObject::startTimer() and QBasicTimer refuse that before it gets here
    // Qt never registers an id twice; should it happen, the id names the new timer only.
    unregisterTimer(timerId);
    Timer *timer;
    if (timerId > 0 && timerId < denseTimerIds) {
        if (size_t(timerId) >= m_timers.size())
            m_timers.resize(
                std::min(std::max(size_t(timerId) + 1, m_timers.size() * 2), size_t(denseTimerIds)));
        timer = &m_timers[size_t(timerId)];
    } else {
        timer = &m_otherTimers[timerId];
    }
    timer->object = object;
    timer->intervalMs = std::max<qint64>(0, interval);
    timer->type = timerType;
    timer->deadline = now() + std::chrono::milliseconds(timer->intervalMs);
    timer->order = ++m_nextOrder;
    timer->serial = m_nextOrder;
    pushToHeap(timerId);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    if (!findTimer(timerId))
        return false;
    forget(timerId);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    std::vector<int> ids;
    forEachTimer([&](int id, const Timer &timer) {
        if (timer.object == object)
            ids.push_back(id);
    });
    for (const int id : ids)
        forget(id);
    return !ids.empty();
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    forEachTimer([&](int id, const Timer &timer) {
        if (timer.object == object)
            list.append(TimerInfo(id, int(timer.intervalMs), timer.type));
    });
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const Timer *timer = findTimer(timerId);
    if (!timer)
        return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(timer->deadline - now()).count();
    return int(std::max<qint64>(0, left));
}

void EpollEventDispatcher::wakeUp()
{
    // From the loop's own thread (an event posted by a handler, a QSslSocket's queued flush after a write)
    // the loop is not asleep: it only must not go to sleep in its next wait. No eventfd write, and no read to
    // drain it (three system calls per request on the TLS upstream).
    if (t_looping == this) {
        m_localWakeUp = true;
        return;
    }
    // One write per sleep is enough; the flag keeps a burst of postEvent()s from each paying a syscall.
    if (m_wakeUpPending.exchange(true, std::memory_order_acq_rel))
        return;
    m_eventFdWrites.fetch_add(1, std::memory_order_relaxed);
    const uint64_t one = 1;
    ssize_t n;
    do {
        n = ::write(m_wakeFd, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_release);
    wakeUp();
}

void EpollEventDispatcher::drainWakeFd()
{
    uint64_t value;
    while (::read(m_wakeFd, &value, sizeof value) > 0) { }
    // Cleared after reading, as Qt's thread pipe does. Cleared before, a wakeUp() landing between the clear
    // and the read would have its write consumed here while the flag stayed set, and every later wakeUp()
    // would skip its write: cross-thread events would wait for unrelated socket traffic. A wakeUp() that
    // lands between this read and the clear skips its write, which is harmless: its event was posted before
    // it called wakeUp(), and every processEvents() starts by sending the posted events, before it may block.
    m_wakeUpPending.store(false, std::memory_order_release);
}

int EpollEventDispatcher::waitTimeoutMs() const
{
    if (m_heap.empty())
        return -1;
    // Round up: waking a little before a deadline would only spin back into epoll_wait.
    const TimePoint first = findTimer(m_heap.front())->deadline;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(first - now()).count();
    return int(std::clamp<qint64>(left, 0, 24 * 3600 * 1000));
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    t_looping = this;
    m_interrupted.store(false, std::memory_order_relaxed);
    Q_EMIT awake();
    // A local wake-up from before this point is answered by sending the posted events now.
    m_localWakeUp = false;
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    // Posted events that arrive from now on write the eventfd (QCoreApplication::postEvent calls wakeUp()),
    // so blocking below cannot miss them.
    const bool canWait
        = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_acquire);
    if (canWait)
        Q_EMIT aboutToBlock();
    if (m_interrupted.load(std::memory_order_acquire))
        return false;

    int timeout = 0;
    // Events posted from this thread since sendPostedEvents() (by its handlers, or aboutToBlock()'s) are
    // sent in the next call: do not sleep before it.
    if (canWait && !m_localWakeUp)
        timeout = includeTimers ? waitTimeoutMs() : -1;
    m_localWakeUp = false;
    int handled = 0;
    if (!includeNotifiers) {
        // Sockets must not be reported now, and as they are level-triggered, waiting on the epoll set would
        // spin while one is readable: wait for a wake-up (or the next timer) alone.
        pollfd wake { m_wakeFd, POLLIN, 0 };
        if (::poll(&wake, 1, timeout) > 0 && (wake.revents & POLLIN)) {
            drainWakeFd();
            ++handled;
        }
        if (includeTimers)
            handled += activateTimers();
        return handled > 0;
    }
    applyInterest();
    int ready;
    do {
        ready = ::epoll_wait(m_epollFd, m_events.data(), int(m_events.size()), timeout);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        qCWarning(lcCore, "epoll_wait failed: %s", std::strerror(errno));
        ready = 0;
    }

    if (ready > 0)
        handled += activateSocketNotifiers(ready);
    if (includeTimers)
        handled += activateTimers();
    return handled > 0;
}

int EpollEventDispatcher::activateSocketNotifiers(int readyCount)
{
    int handled = 0;
    for (int i = 0; i < readyCount; ++i) {
        const epoll_event &ev = m_events[size_t(i)];
        const int fd = ev.data.fd;
        if (fd == m_wakeFd) {
            drainWakeFd();
            ++handled;
            continue;
        }
        const auto it = m_watched.find(fd);
        if (it == m_watched.end())
            continue;
        const Watched &watched = it->second;
        if (watched.read && (ev.events & kReadReady))
            m_pendingNotifiers.push_back(watched.read);
        if (watched.write && (ev.events & kWriteReady))
            m_pendingNotifiers.push_back(watched.write);
        if (watched.exception && (ev.events & kExceptionReady))
            m_pendingNotifiers.push_back(watched.exception);
    }
    // Activated one by one from the front: a handler may unregister (or delete) notifiers still waiting here,
    // and unregisterSocketNotifier() takes them out of the list.
    // (A nested processEvents() in a handler works through the same list.)
    while (!m_pendingNotifiers.empty()) {
        QSocketNotifier *notifier = m_pendingNotifiers.front();
        m_pendingNotifiers.pop_front();
        if (!notifier)
            continue;
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        ++handled;
    }
    return handled;
}

int EpollEventDispatcher::activateTimers()
{
    if (m_heap.empty())
        return 0;
    const TimePoint current = now();
    // Only timers already due when this pass started fire, each at most once, so that a zero-interval timer
    // or one started by a handler cannot starve the sockets. Every timer (re)armed from here on gets a later
    // order than all those in the heap now and a deadline no earlier than `current`, so it sorts after every
    // timer that was already due: the first such timer at the top ends the pass.
    const quint64 lastOrder = m_nextOrder;
    // Timers whose handler runs the nested event loop that brought us here: due, but not fired again; set
    // aside (the heap only shows its top) and put back unchanged at the end.
    std::vector<std::pair<int, quint64>> setAside;
    int handled = 0;
    while (!m_heap.empty()) {
        const int id = m_heap.front();
        Timer &timer = *findTimer(id);
        if (timer.deadline > current || timer.order > lastOrder)
            break;
        if (timer.inHandler) {
            setAside.emplace_back(id, timer.serial);
            removeFromHeap(id);
            continue;
        }
        const auto interval = std::chrono::milliseconds(timer.intervalMs);
        timer.deadline += interval;
        if (timer.deadline < current)
            timer.deadline = current + interval; // fell behind: skip the missed intervals, as Qt does
        timer.order = ++m_nextOrder;
        siftDown(0);
        timer.inHandler = true;
        const quint64 serial = timer.serial;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(timer.object, &event);
        ++handled;
        // The handler may have killed the timer, started another under its id, or started others (the
        // vector may have moved): look again.
        Timer *after = findTimer(id);
        if (after && after->serial == serial)
            after->inHandler = false;
    }
    for (const auto &[id, serial] : setAside) {
        const Timer *timer = findTimer(id);
        if (timer && timer->serial == serial)
            pushToHeap(id);
    }
    return handled;
}

} // namespace Drawbridge
