// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QTimer>

#include <functional>
#include <limits>
#include <list>
#include <memory>
#include <optional>
#include <vector>

#include "accountstatus.h"
#include "poolstatus.h"
#include "provider.h"

namespace Drawbridge {

class AccountPool;
class Clock;
class SharedSlots;

/**
 * @brief One concurrency slot of one upstream account, held for the duration of a request.
 *
 * Move-only; the slot goes back to the pool when the lease is destroyed or release() is called, whichever
 * comes first, on every path. A lease outliving its pool is harmless.
 */
class SlotLease final
{
public:
    SlotLease() = default;
    SlotLease(SlotLease &&other) noexcept;
    SlotLease &operator=(SlotLease &&other) noexcept;
    SlotLease(const SlotLease &) = delete;
    SlotLease &operator=(const SlotLease &) = delete;
    ~SlotLease();

    explicit operator bool() const { return m_id != 0; }
    const QString &accountId() const { return m_accountId; }
    void release();

private:
    friend class AccountPool;
    SlotLease(AccountPool *pool, quint64 id, QString accountId);

    QPointer<AccountPool> m_pool;
    quint64 m_id = 0;
    QString m_accountId;
};

/** A request waiting in the pool's queue; destroying it leaves the queue. */
class PoolTicket final
{
public:
    ~PoolTicket();
    PoolTicket(const PoolTicket &) = delete;
    PoolTicket &operator=(const PoolTicket &) = delete;

private:
    friend class AccountPool;
    PoolTicket(AccountPool *pool, quint64 id);
    QPointer<AccountPool> m_pool;
    quint64 m_id;
};

/**
 * @brief Upstream accounts, their concurrency slots, states, cooldowns and the wait queue.
 *
 * Pure scheduling: knows nothing about Kiro. Time comes from the injected Clock; poll() applies everything
 * that is due (cooldown ends, queue timeouts, the lease watchdog) and is called by an internal timer, or by
 * tests after moving a fake clock.
 */
class AccountPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccountPool)

public:
    struct Options
    {
        int queueTimeoutS = 30;
        int maxQueue = 256;
        qint64 leaseMaxAgeMs = 11 * 60 * 1000; ///< watchdog: leases older than this are reclaimed
        // Team mode (setSharedSlots()): a team lease lapses this long after its last renewal, renewals go out
        // this often, and waiters look for slots other instances gave back this often.
        qint64 sharedLeaseTtlMs = 20'000;
        qint64 sharedRenewMs = 5'000;
        qint64 sharedRetryMs = 250;
        // A team lease whose request ended is kept this long for this instance's next request on the account
        // (taken without a round trip), then given back to the team with every other one kept since, in one
        // statement.
        qint64 sharedSpareMs = 50;
    };

    struct AccountView
    {
        QString id;
        bool enabled = true;
        AccountStatus status = AccountStatus::Active;
        int slots = 0; ///< configured
        int effectiveSlots = 0; ///< after a throttling cut
        int inUse = 0;
        int priority = 0;
        qint64 cooldownUntilMs = 0; ///< 0 = none
        QString lastError;
        qint64 lastErrorAtMs
            = 0; ///< when lastError last happened (this instance's clock); 0 = unknown or none
        qint64 requests = 0; ///< leases granted since start
    };

    AccountPool(const Clock &clock, Options options, QObject *parent = nullptr);
    ~AccountPool() override;

    /**
     * Team mode: every slot is also taken in @p shared (the team's slots) before it is granted, and given
     * back there; without it (SQLite, one instance) nothing changes. Starts the renewal timer. Call before
     * the first acquire(); @p shared must outlive the pool.
     */
    void setSharedSlots(SharedSlots *shared);
    /**
     * Changes limits.max_queue and limits.queue_timeout_s while running (the desktop's settings apply live):
     * requests already waiting keep the deadline they were given.
     */
    void setQueueLimits(int maxQueue, int queueTimeoutS)
    {
        m_options.maxQueue = maxQueue;
        m_options.queueTimeoutS = queueTimeoutS;
    }
    int maxQueue() const { return m_options.maxQueue; }
    int queueTimeoutS() const { return m_options.queueTimeoutS; }
    /** Pushes the expiry of this instance's team leases forward (one statement); the renewal timer's job. */
    void renewSharedLeases();

    void upsertAccount(const QString &id, int slots, int priority, bool enabled);
    void removeAccount(const QString &id);
    void setEnabled(const QString &id, bool enabled);

    using Granted = std::function<void(SlotLease lease, std::optional<ProviderError> error)>;
    struct Acquisition
    {
        SlotLease lease; ///< granted at once
        std::optional<ProviderError> error; ///< refused at once
        std::unique_ptr<PoolTicket>
            ticket; ///< queued: @p later is called exactly once unless the ticket dies
    };
    /** A slot on an account not in @p exclude: now, later (queued, FIFO), or an error. */
    Acquisition acquire(const QSet<QString> &exclude, Granted later);

    // State reports from the provider.
    void markSuccess(const QString &id);
    /** 429: cools down exponentially; the suspicious-activity kind longer and with fewer slots for a while.
     */
    void markThrottled(const QString &id, bool suspicious, const QString &message);
    void markQuotaExhausted(const QString &id, qint64 untilMs, const QString &message);
    void markNeedsLogin(const QString &id, const QString &message);
    void markSuspended(const QString &id, const QString &message);
    /** Network errors and 5xx: after a few in a row, a short cooldown. */
    void markTransientFailure(const QString &id, const QString &message);
    /** Not usable until @p retryAtMs (e.g. the auth service was unreachable). */
    void markError(const QString &id, const QString &message, qint64 retryAtMs);
    void markActive(const QString &id);
    /**
     * Team mode: the state another instance found for the account (read back from the database), taken as it
     * is: no backoff of this instance's own is computed, and the failure streaks stay.
     */
    void applyTeamState(const QString &id, AccountStatus status, qint64 untilMs, const QString &message);

    PoolStatus status() const;
    std::optional<AccountView> account(const QString &id) const;
    std::vector<AccountView> accounts() const;
    int queued() const { return int(m_queue.size()); }

    /** Applies what is due now; see the class comment. */
    void poll();

Q_SIGNALS:
    /**
     * The account's state changed: status, cooldown, last error, enabled, slots configured or effective. Not
     * on lease grants and releases: they are accountLoadChanged().
     */
    void accountChanged(const QString &id);
    /** A slot of the account was taken or given back (AccountView::inUse, AccountView::requests). */
    void accountLoadChanged(const QString &id);
    void statusChanged();

private:
    friend class SlotLease;
    friend class PoolTicket;

    struct Account
    {
        AccountView view;
        qint64 lastAcquiredMs = 0;
        int throttleStreak = 0;
        int transientStreak = 0;
        qint64 reducedUntilMs = 0;
    };
    /** A team lease: its id in the team's slots (empty without them) and when it lapses unless renewed. */
    struct TeamLease
    {
        QString id;
        qint64 expiresMs = 0;
    };
    struct Lease
    {
        QString accountId;
        qint64 acquiredMs;
        TeamLease team;
    };
    /** A team lease whose request ended, kept for the next request on its account (Options::sharedSpareMs).
     */
    struct SpareLease
    {
        TeamLease team;
        qint64 keptSinceMs;
    };
    struct Waiter
    {
        quint64 id;
        QSet<QString> exclude;
        qint64 deadlineMs;
        Granted callback;
    };

    Account *findAccount(const QString &id);
    const Account *findAccount(const QString &id) const;
    bool usable(const Account &a) const;
    int effectiveSlots(const Account &a) const;
    int effectiveSlots(const Account &a, qint64 nowMs) const;
    Account *pick(const QSet<QString> &exclude);
    /**
     * pick(), then (team mode) the team's slot on it: a spare lease of the account if one is kept, else one
     * taken in the team's slots; accounts the team holds entirely go to @p teamFull and the next candidate is
     * tried. @p team receives the team lease.
     */
    Account *claim(const QSet<QString> &exclude, QSet<QString> &teamFull, TeamLease &team);
    SlotLease grant(Account &a, const TeamLease &team);
    /** Keeps the team lease of a request that ended as a spare of its account. */
    void keepSpare(const Lease &lease);
    /** Gives the team the spares kept since @p keptBeforeMs or earlier (all of them: INT64_MAX), one
     * statement. */
    void releaseSpares(qint64 keptBeforeMs);
    void releaseLease(quint64 leaseId);
    void cancelWaiter(quint64 waiterId);
    /** Earliest time a candidate account recovers by itself, or nullopt. */
    std::optional<qint64> earliestRecovery(const QSet<QString> &exclude) const;
    bool anyUsableCandidate(const QSet<QString> &exclude) const;
    ProviderError noUpstreamError(const QSet<QString> &exclude) const;
    void setState(Account &a, AccountStatus status, qint64 untilMs, const QString &message);
    void dispatch();
    void scheduleTimer();
    /** The watchdog: reclaims leases older than leaseMaxAgeMs and finds when the next one will be. */
    void sweepLeases(qint64 now);

    const Clock &m_clock;
    Options m_options;
    /**
     * In a vector, found through m_index: every request walks them (poll, pick, scheduleTimer), and a QHash
     * walk visits each of its 128 buckets per span, however few accounts there are. An Account pointer
     * lives until the next upsertAccount() or removeAccount().
     */
    std::vector<Account> m_accounts;
    QHash<QString, qsizetype> m_index;
    QHash<quint64, Lease> m_leases;
    /**
     * When the watchdog next has a lease to reclaim (the oldest lease's acquiredMs + leaseMaxAgeMs + 1), so
     * poll(), which every acquire() runs, does not walk every lease each time.
     */
    qint64 m_nextSweepMs = std::numeric_limits<qint64>::max();
    /**
     * No earlier than the next time poll() has something due to apply (scheduleTimer() sets it, anything that
     * brings a due time forward lowers it), so acquire() skips poll() until then unless requests wait.
     */
    qint64 m_nextDueMs = std::numeric_limits<qint64>::max();
    std::list<Waiter> m_queue;
    quint64 m_nextId = 1;
    QTimer m_timer;
    bool m_dispatching = false;
    bool m_redispatch = false;
    SharedSlots *m_shared = nullptr;
    QHash<QString, std::vector<SpareLease>> m_spares; ///< by account, oldest first
    QString m_instanceTag; ///< prefix of this instance's team lease ids
    QTimer m_renewTimer;
};

} // namespace Drawbridge
