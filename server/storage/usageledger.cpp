// SPDX-License-Identifier: MIT
#include "usageledger.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#ifdef Q_OS_LINUX
#include <pthread.h>
#include <sched.h>
#endif

#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/core/settings.h"
#include "server/storage/database.h"
#include "server/storage/usagereport.h"
#include "server/storage/usagewriter.h"

namespace Drawbridge {

UsageLedgerOptions UsageLedgerOptions::fromSettings(const StorageSettings &settings)
{
    UsageLedgerOptions options;
    options.flushIntervalMs = std::max(settings.flushIntervalMs, 1);
    options.retentionDays = settings.retentionDays;
    return options;
}

namespace {

/**
 * The writer is background work: on Linux it runs under SCHED_IDLE, so that a request's thread (and the
 * client and upstream processes it waits on) waking up takes the core at once. At normal priority a writer
 * woken after its flush interval carries the scheduler's sleeper credit and kept its core for its whole
 * batch: the requests that fell into those few milliseconds, every 250 ms, made the gateway's p99 at
 * concurrency 1 five to ten times its median (docs/performance.md, "The usage writer at idle priority").
 * An unprivileged thread cannot come back from SCHED_IDLE, hence a flag to keep normal priority.
 */
bool runAtIdlePriority()
{
#if defined(Q_OS_LINUX) && defined(SCHED_IDLE)
    sched_param param {};
    param.sched_priority = 0;
    return pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0;
#else
    return false;
#endif
}

} // namespace

UsageLedger::UsageLedger(const Database &database, const Clock &clock, UsageLedgerOptions options)
    : m_database(database), m_clock(clock), m_options(options)
{
}

UsageLedger::~UsageLedger()
{
    stop();
}

Status UsageLedger::start()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_running)
            return Ok {};
        m_stopping = false;
        m_running = true;
    }
    auto started = std::make_shared<std::promise<Status>>();
    std::future<Status> result = started->get_future();
    m_thread.reset(QThread::create([this, started] { run(started); }));
    m_thread->setObjectName(QStringLiteral("drawbridge-usage-ledger"));
    m_thread->start();
    Status status = result.get();
    if (!status) {
        m_thread->wait();
        m_thread.reset();
        std::lock_guard lock(m_mutex);
        m_running = false;
    }
    return status;
}

bool UsageLedger::isRunning() const
{
    std::lock_guard lock(m_mutex);
    return m_running && !m_stopping;
}

void UsageLedger::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_running)
            return;
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread->wait();
    m_thread.reset();
    std::lock_guard lock(m_mutex);
    m_running = false;
    m_flushed.notify_all();
    if (!m_queue.empty())
        qCWarning(lcStorage) << "usage ledger stopped with" << m_queue.size()
                             << "records unwritten:" << m_lastWriteError;
}

Status UsageLedger::flush()
{
    return flush(std::chrono::milliseconds::max());
}

Status UsageLedger::flush(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    if (!m_running || m_stopping) {
        if (m_queue.empty())
            return Ok {};
        return Error {
            QStringLiteral("the usage ledger is not running; %1 records are not written").arg(m_queue.size())
        };
    }
    const quint64 ticket = ++m_flushRequested;
    m_wake.notify_all();
    const auto done = [&] { return m_flushDone >= ticket || !m_running; };
    if (timeout == std::chrono::milliseconds::max())
        m_flushed.wait(lock, done);
    else if (!m_flushed.wait_for(lock, timeout, done))
        return Error { QStringLiteral(
                           "the usage ledger did not finish writing within %1 ms (%2 records pending)")
                           .arg(timeout.count())
                           .arg(m_queue.size() + m_inFlight) };
    if (m_flushDone < ticket)
        return Error { QStringLiteral("the usage ledger stopped before the flush") };
    if (!m_lastWriteError.isEmpty())
        return Error { m_lastWriteError };
    return Ok {};
}

void UsageLedger::requestFinished(const RequestRecord &record)
{
    std::lock_guard lock(m_mutex);
    if (m_queue.size() + m_inFlight >= m_options.maxQueued) {
        // The writer is far behind (disk stalled?): losing the oldest records beats unbounded memory. The
        // writer logs the count; logging here would slow the request path down further. (Records the writer
        // has taken are older still, but may yet be written: then this one goes.)
        ++m_dropped;
        if (m_queue.empty())
            return;
        m_queue.pop_front();
    }
    m_queue.push_back(record);
    if (m_queue.size() == m_options.maxBatch)
        m_wake.notify_all();
}

quint64 UsageLedger::committedRecords() const
{
    std::lock_guard lock(m_mutex);
    return m_committed;
}

quint64 UsageLedger::droppedRecords() const
{
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

std::size_t UsageLedger::pendingRecords() const
{
    std::lock_guard lock(m_mutex);
    return m_queue.size() + m_inFlight;
}

void UsageLedger::run(const std::shared_ptr<std::promise<Status>> &started)
{
    if (m_options.idlePriority && !runAtIdlePriority())
        qCDebug(lcStorage) << "usage ledger: the writer thread keeps normal priority (no SCHED_IDLE here)";
    {
        std::unique_ptr<UsageWriter> writer;
        {
            // No handle outlives the writer: a lost connection is then replaced without QtSql warnings.
            auto db = m_database.connection();
            if (!db) {
                started->set_value(Error { QStringLiteral("usage ledger: %1").arg(db.error()) });
                return;
            }
            writer = std::make_unique<UsageWriter>(*db);
        }
        started->set_value(Ok {});

        using SteadyClock = std::chrono::steady_clock;
        auto nextPrune = SteadyClock::now(); // look for expired records right away
        std::unique_lock lock(m_mutex);
        while (true) {
            m_wake.wait_for(lock, std::chrono::milliseconds(m_options.flushIntervalMs), [this] {
                return m_stopping || m_flushRequested > m_flushDone || m_queue.size() >= m_options.maxBatch;
            });
            const bool stopping = m_stopping;
            const quint64 target = m_flushRequested;
            if (!writer || writer->connectionLost()) {
                // The database went away (restart, terminated backend): a new connection and statements; the
                // records stay queued meanwhile.
                writer.reset(); // its statements go before the connection they were prepared on
                lock.unlock();
                auto again = m_database.connection();
                lock.lock();
                if (again)
                    writer = std::make_unique<UsageWriter>(*again);
                else
                    m_lastWriteError = again.error();
            }
            if (writer)
                writeQueued(*writer, lock, stopping || target > m_flushDone);
            m_flushDone = std::max(m_flushDone, target);
            m_flushed.notify_all();
            if (m_dropped > m_droppedReported) {
                qCWarning(lcStorage) << "usage ledger queue full: dropped" << m_dropped - m_droppedReported
                                     << "of the oldest unwritten records (" << m_dropped << "in total)";
                m_droppedReported = m_dropped;
            }
            if (stopping)
                break;
            if (writer && m_options.retentionDays > 0 && SteadyClock::now() >= nextPrune) {
                lock.unlock();
                const bool more = pruneExpired(*writer);
                lock.lock();
                nextPrune = SteadyClock::now()
                    + std::chrono::milliseconds(more ? m_options.flushIntervalMs
                                                     : m_options.pruneIdleIntervalMs);
            }
        }
    }
    // Every query and handle of the connection is gone now.
    m_database.releaseConnection();
}

void UsageLedger::writeQueued(UsageWriter &writer, std::unique_lock<std::mutex> &lock, bool drain)
{
    do {
        // Everything queued is taken in O(1) and written without the lock. The gateway thread appends under
        // it for every request, and this thread runs at idle priority: any wake-up preempts it, so it must
        // never be caught holding the lock for longer than a swap.
        std::deque<RequestRecord> taken;
        taken.swap(m_queue);
        m_inFlight = taken.size();
        lock.unlock();
        Status outcome = Ok {};
        while (!taken.empty()) {
            const std::size_t n = std::min(taken.size(), m_options.maxBatch);
            std::vector<RequestRecord> batch(std::make_move_iterator(taken.begin()),
                                             std::make_move_iterator(taken.begin() + std::ptrdiff_t(n)));
            taken.erase(taken.begin(), taken.begin() + std::ptrdiff_t(n));
            if (Status written = writer.write(batch); !written) {
                taken.insert(taken.begin(), std::make_move_iterator(batch.begin()),
                             std::make_move_iterator(batch.end()));
                outcome = written;
                break;
            }
            lock.lock();
            m_committed += n;
            m_inFlight -= n;
            lock.unlock();
        }
        lock.lock();
        m_inFlight = 0;
        if (!outcome) {
            // Kept for the next cycle, in front (they are older), within the queue bound: the newest of them
            // stay, as requestFinished() would have kept them.
            qCWarning(lcStorage) << "usage ledger: writing" << taken.size()
                                 << "records failed, retrying:" << outcome.error();
            m_lastWriteError = outcome.error();
            const std::size_t room
                = m_options.maxQueued > m_queue.size() ? m_options.maxQueued - m_queue.size() : 0;
            const std::size_t keep = std::min(room, taken.size());
            m_dropped += taken.size() - keep;
            m_queue.insert(m_queue.begin(), std::make_move_iterator(taken.end() - std::ptrdiff_t(keep)),
                           std::make_move_iterator(taken.end()));
            return;
        }
        m_lastWriteError.clear();
    } while (drain && !m_queue.empty());
}

bool UsageLedger::pruneExpired(UsageWriter &writer)
{
    const qint64 cutoff = m_clock.nowMs() - qint64(m_options.retentionDays) * usageDayMs;
    QElapsedTimer elapsed;
    elapsed.start();
    int deleted = 0;
    while (true) {
        const Result<int> step = writer.pruneStep(cutoff, m_options.pruneRowsPerStep);
        if (!step) {
            qCWarning(lcStorage) << "usage ledger:" << step.error();
            return false;
        }
        deleted += *step;
        if (*step < m_options.pruneRowsPerStep) {
            if (deleted > 0)
                qCDebug(lcStorage) << "usage ledger pruned" << deleted << "raw records";
            return false;
        }
        // More remain: continue in the next cycle, so queued records are written in between.
        if (elapsed.elapsed() >= m_options.pruneBudgetMs)
            return true;
    }
}

} // namespace Drawbridge
