// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>

#include "server/core/requestrecord.h"
#include "server/core/result.h"

class QThread;

namespace Drawbridge {

class Clock;
class Database;
class UsageWriter;
struct StorageSettings;

/** Tuning of a UsageLedger; fromSettings() maps the user's settings, the rest rarely needs changing. */
struct UsageLedgerOptions
{
    int flushIntervalMs = 250; ///< storage.flush_interval_ms
    int retentionDays = 30; ///< storage.retention_days; <= 0 keeps raw records forever
    std::size_t maxQueued = 200'000; ///< records waiting for the writer before the oldest are dropped
    std::size_t maxBatch = 5'000; ///< records per transaction; a fuller queue wakes the writer early
    int pruneRowsPerStep = 1'000; ///< raw records deleted per DELETE statement
    int pruneBudgetMs = 20; ///< pruning time per writer cycle, so flushes are never held up for long
    int pruneIdleIntervalMs = 600'000; ///< how often to look for expired records once none are left
    bool idlePriority = true; ///< the writer thread runs under SCHED_IDLE (Linux; see usageledger.cpp)

    static UsageLedgerOptions fromSettings(const StorageSettings &settings);
};

/**
 * @brief Persists every finished request: raw rows, hourly rollups and keys' last use, written in batches.
 *
 * requestFinished() only appends to an in-memory queue (a mutex held for a push, no I/O): it runs on the
 * gateway thread. A writer thread with its own connection writes the queue every flushIntervalMs, one
 * transaction per batch (UsageWriter), and between flushes deletes raw records older than the retention
 * period in small time-boxed steps. A crash therefore loses at most what was still queued or being written;
 * stop() (and the destructor) write everything first. The writer thread runs at idle priority (Linux
 * SCHED_IDLE) so that it never delays a request, and takes the whole queue under the lock in O(1).
 *
 * When the writer falls far behind (maxQueued records waiting) the oldest queued records are dropped and
 * counted (droppedRecords()), and a warning is logged by the writer, rather than letting memory grow without
 * bound.
 *
 * The Clock is read on the writer thread (retention cutoff) and must be safe to use from there.
 */
class UsageLedger final : public RequestObserver
{
public:
    UsageLedger(const Database &database, const Clock &clock, UsageLedgerOptions options = {});
    ~UsageLedger() override;
    Q_DISABLE_COPY_MOVE(UsageLedger)

    /** Starts the writer thread and opens its connection; records handed over before are kept and written. */
    Status start();
    /**
     * Blocks until every record handed over before the call is committed (or the attempt failed; the records
     * then stay queued for the next cycle). Use before reading when the caller needs its own requests
     * counted.
     */
    Status flush();
    /**
     * The same, waiting at most @p timeout: the writer runs at idle priority, so on a machine whose cores
     * are all busy it may take long, and a caller on the gateway thread must not stall every request.
     */
    Status flush(std::chrono::milliseconds timeout);
    /** Writes everything still queued and ends the writer thread. Idempotent; the destructor calls it. */
    void stop();
    bool isRunning() const;

    void requestFinished(const RequestRecord &record) override;

    /** Records committed by this ledger since construction. */
    quint64 committedRecords() const;
    /** Records dropped because the queue was full. */
    quint64 droppedRecords() const;
    /** Records handed over but not committed yet (queued or in the batch being written). */
    std::size_t pendingRecords() const;

private:
    void run(const std::shared_ptr<std::promise<Status>> &started);
    /**
     * Writes the queue in batches. @p drain: all of it, records that arrive meanwhile included (a flush or
     * the stop waits for them); else only what was queued when it began, so that under a steady stream of
     * requests the ledger writes once per flush interval rather than once per write's duration.
     */
    void writeQueued(UsageWriter &writer, std::unique_lock<std::mutex> &lock, bool drain);
    bool pruneExpired(UsageWriter &writer);

    const Database &m_database;
    const Clock &m_clock;
    const UsageLedgerOptions m_options;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake; ///< the writer waits here
    std::condition_variable m_flushed; ///< flush() waits here
    std::deque<RequestRecord> m_queue;
    std::size_t m_inFlight = 0;
    quint64 m_committed = 0;
    quint64 m_dropped = 0;
    quint64 m_droppedReported = 0;
    quint64 m_flushRequested = 0;
    quint64 m_flushDone = 0;
    QString m_lastWriteError; ///< of the latest write attempt; empty when it succeeded
    bool m_running = false;
    bool m_stopping = false;
    std::unique_ptr<QThread> m_thread;
};

} // namespace Drawbridge
