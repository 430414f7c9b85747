// SPDX-License-Identifier: MIT
#include "accountpool.h"

#include <algorithm>
#include <limits>

#include <QRandomGenerator>

#include "clock.h"
#include "logging.h"
#include "sharedslots.h"

namespace Drawbridge {

namespace {

constexpr qint64 throttleBaseMs = 30'000;
constexpr qint64 throttleCapMs = 10 * 60'000;
constexpr qint64 suspiciousBaseMs = 5 * 60'000;
constexpr qint64 suspiciousCapMs = 60 * 60'000;
constexpr qint64 reducedConcurrencyMs = 60 * 60'000;
constexpr int transientThreshold = 3;
constexpr qint64 transientBaseMs = 5'000;
constexpr qint64 transientCapMs = 60'000;

qint64 backoff(qint64 base, qint64 cap, int streak)
{
    qint64 v = base;
    for (int i = 1; i < streak && v < cap; ++i)
        v *= 2;
    return std::min(v, cap);
}

} // namespace

// --- SlotLease
// ---------------------------------------------------------------------------------------------------

SlotLease::SlotLease(AccountPool *pool, quint64 id, QString accountId)
    : m_pool(pool), m_id(id), m_accountId(std::move(accountId))
{
}

SlotLease::SlotLease(SlotLease &&other) noexcept
    : m_pool(std::move(other.m_pool))
    , m_id(std::exchange(other.m_id, 0))
    , m_accountId(std::move(other.m_accountId))
{
}

SlotLease &SlotLease::operator=(SlotLease &&other) noexcept
{
    if (this != &other) {
        release();
        m_pool = std::move(other.m_pool);
        m_id = std::exchange(other.m_id, 0);
        m_accountId = std::move(other.m_accountId);
    }
    return *this;
}

SlotLease::~SlotLease()
{
    release();
}

void SlotLease::release()
{
    const quint64 id = std::exchange(m_id, 0);
    if (id != 0 && m_pool)
        m_pool->releaseLease(id);
}

// --- PoolTicket
// --------------------------------------------------------------------------------------------------

PoolTicket::PoolTicket(AccountPool *pool, quint64 id) : m_pool(pool), m_id(id) { }

PoolTicket::~PoolTicket()
{
    if (m_pool)
        m_pool->cancelWaiter(m_id);
}

// --- AccountPool
// -------------------------------------------------------------------------------------------------

AccountPool::AccountPool(const Clock &clock, Options options, QObject *parent)
    : QObject(parent), m_clock(clock), m_options(options)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &AccountPool::poll);
}

AccountPool::~AccountPool()
{
    // Waiters are told nothing: their owners are being torn down with us.
    m_queue.clear();
    // Team slots still held or kept go back now (one statement) rather than when their leases lapse.
    for (const Lease &lease : std::as_const(m_leases))
        keepSpare(lease);
    releaseSpares(std::numeric_limits<qint64>::max());
}

void AccountPool::setSharedSlots(SharedSlots *shared)
{
    m_shared = shared;
    m_instanceTag = QString::number(QRandomGenerator::global()->generate64(), 36);
    m_renewTimer.stop();
    if (!m_shared)
        return;
    connect(&m_renewTimer, &QTimer::timeout, this, &AccountPool::renewSharedLeases, Qt::UniqueConnection);
    m_renewTimer.start(std::chrono::milliseconds(m_options.sharedRenewMs));
}

void AccountPool::renewSharedLeases()
{
    if (!m_shared)
        return;
    // Spares too: one may be taken again before it is given back.
    std::vector<TeamLease *> leases;
    for (Lease &lease : m_leases) {
        if (!lease.team.id.isEmpty())
            leases.push_back(&lease.team);
    }
    for (std::vector<SpareLease> &spares : m_spares) {
        for (SpareLease &spare : spares)
            leases.push_back(&spare.team);
    }
    if (leases.empty())
        return;
    QStringList ids;
    ids.reserve(qsizetype(leases.size()));
    for (const TeamLease *lease : leases)
        ids.append(lease->id);
    const qint64 expiresMs = m_clock.nowMs() + m_options.sharedLeaseTtlMs;
    const auto held = m_shared->renew(ids, expiresMs);
    if (!held) {
        qCWarning(lcPool) << "could not renew the team's slot leases:" << held.error();
    } else if (*held < ids.size()) {
        // Only after this instance went unheard for longer than a lease lives (a pause, a lost database).
        // Which ones lapsed is not known: none is counted as renewed, so none is taken again as a spare.
        qCWarning(lcPool) << ids.size() - *held << "team slot lease(s) lapsed before their renewal";
    } else {
        for (TeamLease *lease : leases)
            lease->expiresMs = expiresMs;
    }
}

void AccountPool::keepSpare(const Lease &lease)
{
    if (!m_shared || lease.team.id.isEmpty())
        return;
    m_spares[lease.accountId].push_back(SpareLease { lease.team, m_clock.nowMs() });
}

void AccountPool::releaseSpares(qint64 keptBeforeMs)
{
    QStringList ids;
    for (auto it = m_spares.begin(); it != m_spares.end();) {
        std::vector<SpareLease> &spares = it.value();
        const auto firstKept
            = std::find_if(spares.begin(), spares.end(),
                           [keptBeforeMs](const SpareLease &s) { return s.keptSinceMs > keptBeforeMs; });
        for (auto s = spares.begin(); s != firstKept; ++s)
            ids.append(s->team.id);
        spares.erase(spares.begin(), firstKept);
        it = spares.empty() ? m_spares.erase(it) : std::next(it);
    }
    if (ids.isEmpty() || !m_shared)
        return;
    if (const Status released = m_shared->release(ids, m_clock.nowMs()); !released)
        qCWarning(lcPool) << "could not give" << ids.size()
                          << "team slot(s) back (they lapse by themselves):" << released.error();
}

void AccountPool::upsertAccount(const QString &id, int slots, int priority, bool enabled)
{
    Account *found = findAccount(id);
    if (!found) {
        m_index.insert(id, qsizetype(m_accounts.size()));
        found = &m_accounts.emplace_back();
    }
    Account &a = *found;
    a.view.id = id;
    a.view.slots = std::max(1, slots);
    a.view.priority = priority;
    a.view.enabled = enabled;
    a.view.effectiveSlots = effectiveSlots(a);
    Q_EMIT accountChanged(id);
    Q_EMIT statusChanged();
    dispatch();
}

void AccountPool::removeAccount(const QString &id)
{
    const auto at = m_index.constFind(id);
    if (at == m_index.constEnd())
        return;
    // The last account takes the removed one's place: the order of m_accounts means nothing (pick() breaks
    // ties by id).
    const qsizetype i = *at;
    m_index.erase(at);
    if (i != qsizetype(m_accounts.size()) - 1) {
        m_accounts[size_t(i)] = std::move(m_accounts.back());
        m_index[m_accounts[size_t(i)].view.id] = i;
    }
    m_accounts.pop_back();
    // Leases on it stay valid until their requests end; releasing them is then a no-op for the counts.
    Q_EMIT accountChanged(id);
    Q_EMIT statusChanged();
    dispatch();
}

void AccountPool::setEnabled(const QString &id, bool enabled)
{
    Account *it = findAccount(id);
    if (!it || it->view.enabled == enabled)
        return;
    it->view.enabled = enabled;
    Q_EMIT accountChanged(id);
    Q_EMIT statusChanged();
    dispatch();
}

AccountPool::Account *AccountPool::findAccount(const QString &id)
{
    const auto at = m_index.constFind(id);
    return at == m_index.constEnd() ? nullptr : &m_accounts[size_t(*at)];
}

const AccountPool::Account *AccountPool::findAccount(const QString &id) const
{
    const auto at = m_index.constFind(id);
    return at == m_index.constEnd() ? nullptr : &m_accounts[size_t(*at)];
}

int AccountPool::effectiveSlots(const Account &a) const
{
    return effectiveSlots(a, m_clock.nowMs());
}

int AccountPool::effectiveSlots(const Account &a, qint64 nowMs) const
{
    if (a.reducedUntilMs > nowMs)
        return std::max(1, a.view.slots / 2);
    return a.view.slots;
}

bool AccountPool::usable(const Account &a) const
{
    return a.view.enabled && a.view.status == AccountStatus::Active;
}

AccountPool::Account *AccountPool::pick(const QSet<QString> &exclude)
{
    Account *best = nullptr;
    const qint64 now = m_clock.nowMs();
    const bool excluding = !exclude.isEmpty();
    for (Account &a : m_accounts) {
        if (!usable(a) || a.view.inUse >= effectiveSlots(a, now)
            || (excluding && exclude.contains(a.view.id)))
            continue;
        if (!best) {
            best = &a;
            continue;
        }
        // Priority first, then the least loaded (by share of its slots in use), then the least recently used.
        if (a.view.priority != best->view.priority) {
            if (a.view.priority > best->view.priority)
                best = &a;
            continue;
        }
        const qint64 lhs = qint64(a.view.inUse) * effectiveSlots(*best, now);
        const qint64 rhs = qint64(best->view.inUse) * effectiveSlots(a, now);
        if (lhs != rhs) {
            if (lhs < rhs)
                best = &a;
            continue;
        }
        if (a.lastAcquiredMs < best->lastAcquiredMs
            || (a.lastAcquiredMs == best->lastAcquiredMs && a.view.id < best->view.id))
            best = &a;
    }
    return best;
}

AccountPool::Account *AccountPool::claim(const QSet<QString> &exclude, QSet<QString> &teamFull,
                                         TeamLease &team)
{
    team = {};
    if (!m_shared)
        return pick(exclude);
    QSet<QString> skip = exclude;
    skip.unite(teamFull);
    while (Account *a = pick(skip)) {
        const qint64 now = m_clock.nowMs();
        if (auto spares = m_spares.find(a->view.id); spares != m_spares.end()) {
            // The newest spare, if its lease has a renewal's worth of life left: the team already counts
            // it as this instance's, so taking it needs no round trip. Older or shorter-lived ones go back
            // with the next release.
            SpareLease &newest = spares->back();
            if (newest.team.expiresMs - now >= m_options.sharedLeaseTtlMs / 2) {
                team = newest.team;
                spares->pop_back();
                if (spares->empty())
                    m_spares.erase(spares);
                return a;
            }
        }
        const QString id = m_instanceTag + QLatin1Char('-') + QString::number(m_nextId++);
        const qint64 expiresMs = now + m_options.sharedLeaseTtlMs;
        const auto taken = m_shared->acquire(a->view.id, id, effectiveSlots(*a), now, expiresMs);
        if (!taken) {
            // The database did not answer: this instance's own count still bounds the account.
            qCWarning(lcPool) << "team slots unavailable, granting on this instance's count:"
                              << taken.error();
            return a;
        }
        if (*taken) {
            team = TeamLease { id, expiresMs };
            return a;
        }
        teamFull.insert(a->view.id);
        skip.insert(a->view.id);
    }
    return nullptr;
}

SlotLease AccountPool::grant(Account &a, const TeamLease &team)
{
    const quint64 id = m_nextId++;
    ++a.view.inUse;
    ++a.view.requests;
    a.lastAcquiredMs = m_clock.nowMs();
    m_leases.insert(id, Lease { a.view.id, a.lastAcquiredMs, team });
    // Leases come in time order, so a new one is the next to reclaim only when it is the only one, and the
    // timer needs re-arming only when it is not running.
    m_nextSweepMs = std::min(m_nextSweepMs, a.lastAcquiredMs + m_options.leaseMaxAgeMs + 1);
    m_nextDueMs = std::min(m_nextDueMs, m_nextSweepMs);
    if (!m_timer.isActive())
        scheduleTimer();
    Q_EMIT accountLoadChanged(a.view.id);
    Q_EMIT statusChanged();
    return SlotLease(this, id, a.view.id);
}

void AccountPool::releaseLease(quint64 leaseId)
{
    auto it = m_leases.find(leaseId);
    if (it == m_leases.end())
        return; // reclaimed by the watchdog already
    const QString accountId = it->accountId;
    const bool kept = m_shared && !it->team.id.isEmpty();
    keepSpare(*it);
    m_leases.erase(it);
    if (kept)
        scheduleTimer(); // the spare's release
    if (Account *acc = findAccount(accountId)) {
        acc->view.inUse = std::max(0, acc->view.inUse - 1);
        Q_EMIT accountLoadChanged(accountId);
    }
    Q_EMIT statusChanged();
    dispatch();
}

bool AccountPool::anyUsableCandidate(const QSet<QString> &exclude) const
{
    return std::any_of(m_accounts.cbegin(), m_accounts.cend(),
                       [&](const Account &a) { return usable(a) && !exclude.contains(a.view.id); });
}

std::optional<qint64> AccountPool::earliestRecovery(const QSet<QString> &exclude) const
{
    std::optional<qint64> earliest;
    for (const Account &a : m_accounts) {
        if (!a.view.enabled || exclude.contains(a.view.id) || a.view.cooldownUntilMs <= 0)
            continue;
        if (!accountStatusRecovers(a.view.status))
            continue;
        if (!earliest || a.view.cooldownUntilMs < *earliest)
            earliest = a.view.cooldownUntilMs;
    }
    return earliest;
}

ProviderError AccountPool::noUpstreamError(const QSet<QString> &exclude) const
{
    ProviderError e { ProviderErrorKind::NoUpstream, {}, 0 };
    const bool anyEnabled = std::any_of(m_accounts.cbegin(), m_accounts.cend(),
                                        [](const Account &a) { return a.view.enabled; });
    if (!anyEnabled) {
        e.message = QStringLiteral(
            "No upstream account is configured or enabled; add a Kiro account in Drawbridge.");
        return e;
    }
    if (const auto until = earliestRecovery(exclude)) {
        e.retryAfterS = int(std::max<qint64>(1, (*until - m_clock.nowMs() + 999) / 1000));
        e.message = QStringLiteral(
                        "Every upstream account is cooling down or out of quota; the first is back in %1 s.")
                        .arg(e.retryAfterS);
    } else {
        e.message = QStringLiteral(
            "No upstream account is usable (they need a new login, are suspended or failing).");
    }
    return e;
}

AccountPool::Acquisition AccountPool::acquire(const QSet<QString> &exclude, Granted later)
{
    Acquisition out;
    // poll() has work only when something is due (a cooldown ends, the watchdog, a spare to give back) or
    // requests wait; scheduleTimer() noted when the next thing is due. Most requests skip it.
    if (!m_queue.empty() || m_clock.nowMs() >= m_nextDueMs)
        poll();
    // FIFO: a newcomer may not overtake requests already waiting for the same accounts.
    if (m_queue.empty()) {
        QSet<QString> teamFull;
        TeamLease team;
        if (Account *a = claim(exclude, teamFull, team)) {
            out.lease = grant(*a, team);
            return out;
        }
    }
    const qint64 now = m_clock.nowMs();
    const qint64 deadline = now + qint64(m_options.queueTimeoutS) * 1000;
    if (!anyUsableCandidate(exclude)) {
        const auto recovery = earliestRecovery(exclude);
        if (!recovery || *recovery > deadline) {
            out.error = noUpstreamError(exclude);
            return out;
        }
    }
    if (int(m_queue.size()) >= m_options.maxQueue || m_options.queueTimeoutS <= 0) {
        out.error = ProviderError {
            ProviderErrorKind::PoolBusy,
            QStringLiteral("Every upstream slot is busy and the wait queue is full; retry shortly."), 1
        };
        return out;
    }
    const quint64 id = m_nextId++;
    m_queue.push_back(Waiter { id, exclude, deadline, std::move(later) });
    out.ticket.reset(new PoolTicket(this, id));
    Q_EMIT statusChanged();
    scheduleTimer();
    return out;
}

void AccountPool::cancelWaiter(quint64 waiterId)
{
    const auto before = m_queue.size();
    m_queue.remove_if([waiterId](const Waiter &w) { return w.id == waiterId; });
    if (m_queue.size() != before)
        Q_EMIT statusChanged();
}

void AccountPool::dispatch()
{
    if (m_dispatching) {
        m_redispatch = true;
        return;
    }
    m_dispatching = true;
    do {
        m_redispatch = false;
        // Accounts the team holds entirely in this pass: asked once, not once per waiter.
        QSet<QString> teamFull;
        for (auto it = m_queue.begin(); it != m_queue.end();) {
            TeamLease team;
            Account *a = claim(it->exclude, teamFull, team);
            if (!a) {
                ++it;
                continue;
            }
            Granted cb = std::move(it->callback);
            m_queue.erase(it);
            SlotLease lease = grant(*a, team);
            cb(std::move(lease), std::nullopt);
            // The callback may have changed anything (released, queued, removed accounts): rescan.
            m_redispatch = true;
            break;
        }
    } while (m_redispatch);
    m_dispatching = false;
}

void AccountPool::sweepLeases(qint64 now)
{
    qint64 oldest = std::numeric_limits<qint64>::max();
    for (auto it = m_leases.begin(); it != m_leases.end();) {
        if (now - it->acquiredMs > m_options.leaseMaxAgeMs) {
            qCWarning(lcPool) << "reclaiming a slot of account" << it->accountId << "held for"
                              << (now - it->acquiredMs) / 1000 << "s";
            if (Account *acc = findAccount(it->accountId))
                acc->view.inUse = std::max(0, acc->view.inUse - 1);
            // Its request may still be running: given back with the next release, not kept for another.
            if (m_shared && !it->team.id.isEmpty())
                m_spares[it->accountId].insert(m_spares[it->accountId].begin(),
                                               SpareLease { TeamLease { it->team.id, 0 }, 0 });
            it = m_leases.erase(it);
        } else {
            oldest = std::min(oldest, it->acquiredMs);
            ++it;
        }
    }
    m_nextSweepMs
        = oldest == std::numeric_limits<qint64>::max() ? oldest : oldest + m_options.leaseMaxAgeMs + 1;
}

void AccountPool::poll()
{
    const qint64 now = m_clock.nowMs();
    for (Account &a : m_accounts) {
        if (a.view.cooldownUntilMs > 0 && a.view.cooldownUntilMs <= now
            && accountStatusRecovers(a.view.status) && a.view.status != AccountStatus::Active) {
            qCInfo(lcPool) << "account" << a.view.id << "recovered from" << accountStatusName(a.view.status);
            setState(a, AccountStatus::Active, 0, a.view.lastError);
        }
        const int eff = effectiveSlots(a, now);
        if (eff != a.view.effectiveSlots) {
            a.view.effectiveSlots = eff;
            Q_EMIT accountChanged(a.view.id);
        }
    }

    // Watchdog: a lease this old belongs to a request that should long have ended; take the slot back.
    if (now >= m_nextSweepMs)
        sweepLeases(now);

    // Spares kept long enough go back to the team, after the watchdog so its reclaims go with them.
    if (!m_spares.isEmpty())
        releaseSpares(now - m_options.sharedSpareMs);

    dispatch();

    // Queue timeouts, after dispatch so a slot that just freed is used first.
    std::vector<Waiter> expired;
    for (auto it = m_queue.begin(); it != m_queue.end();) {
        // A waiter whose every candidate is unusable and recovers only after its deadline (or never) cannot
        // be served: tell it now rather than at the deadline.
        bool hopeless = false;
        if (!anyUsableCandidate(it->exclude)) {
            const auto recovery = earliestRecovery(it->exclude);
            hopeless = !recovery || *recovery > it->deadlineMs;
        }
        if (it->deadlineMs <= now || hopeless) {
            expired.push_back(std::move(*it));
            it = m_queue.erase(it);
        } else {
            ++it;
        }
    }
    if (!expired.empty())
        Q_EMIT statusChanged();
    for (Waiter &w : expired) {
        ProviderError e = anyUsableCandidate(w.exclude)
            ? ProviderError { ProviderErrorKind::PoolBusy,
                              QStringLiteral(
                                  "No upstream slot became free within %1 s (limits.queue_timeout_s).")
                                  .arg(m_options.queueTimeoutS),
                              1 }
            : noUpstreamError(w.exclude);
        w.callback(SlotLease(), e);
    }
    scheduleTimer();
}

void AccountPool::scheduleTimer()
{
    const qint64 now = m_clock.nowMs();
    std::optional<qint64> next;
    auto consider = [&](qint64 t) {
        if (t > 0 && (!next || t < *next))
            next = t;
    };
    for (const Account &a : m_accounts) {
        if (a.view.status != AccountStatus::Active && accountStatusRecovers(a.view.status))
            consider(a.view.cooldownUntilMs);
        if (a.reducedUntilMs > now)
            consider(a.reducedUntilMs);
        else if (a.view.effectiveSlots != effectiveSlots(a, now))
            consider(now); // a cut that has just ended: poll() shows the slots again
    }
    for (const Waiter &w : m_queue)
        consider(w.deadlineMs);
    if (m_shared && !m_queue.empty())
        consider(now + m_options.sharedRetryMs); // other instances give slots back without telling us
    for (const std::vector<SpareLease> &spares : std::as_const(m_spares))
        consider(std::max<qint64>(1, spares.front().keptSinceMs + m_options.sharedSpareMs));
    if (!m_leases.isEmpty())
        consider(m_nextSweepMs); // the watchdog's next reclaim
    m_nextDueMs = next.value_or(std::numeric_limits<qint64>::max());
    if (!next) {
        m_timer.stop();
        return;
    }
    const qint64 delay = std::clamp<qint64>(*next - now, 0, 60'000);
    if (!m_timer.isActive() || m_timer.remainingTime() > delay)
        m_timer.start(std::chrono::milliseconds(delay));
}

void AccountPool::setState(Account &a, AccountStatus status, qint64 untilMs, const QString &message)
{
    const bool changed
        = a.view.status != status || a.view.cooldownUntilMs != untilMs || a.view.lastError != message;
    a.view.status = status;
    a.view.cooldownUntilMs = untilMs;
    // The time of the error, not of the state: a recovery keeps the message (and its time) until a request
    // succeeds, and an account restored from storage shows its stored error without a time.
    if (!message.isEmpty() && (message != a.view.lastError || status != AccountStatus::Active))
        a.view.lastErrorAtMs = m_clock.nowMs();
    else if (message.isEmpty())
        a.view.lastErrorAtMs = 0;
    a.view.lastError = message;
    a.view.effectiveSlots = effectiveSlots(a);
    if (changed) {
        Q_EMIT accountChanged(a.view.id);
        Q_EMIT statusChanged();
    }
    if (status != AccountStatus::Active && !m_queue.empty())
        QTimer::singleShot(0, this, &AccountPool::poll); // waiters may have just lost their last account
    scheduleTimer();
}

void AccountPool::markSuccess(const QString &id)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    it->throttleStreak = 0;
    it->transientStreak = 0;
    // A request went through: the account has recovered, and an old error would only mislead.
    if (it->view.status == AccountStatus::Active && !it->view.lastError.isEmpty()) {
        it->view.lastError.clear();
        it->view.lastErrorAtMs = 0;
        Q_EMIT accountChanged(id);
    }
}

void AccountPool::markThrottled(const QString &id, bool suspicious, const QString &message)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    ++it->throttleStreak;
    const qint64 now = m_clock.nowMs();
    const qint64 cool = suspicious ? backoff(suspiciousBaseMs, suspiciousCapMs, it->throttleStreak)
                                   : backoff(throttleBaseMs, throttleCapMs, it->throttleStreak);
    if (suspicious)
        it->reducedUntilMs = now + reducedConcurrencyMs;
    qCWarning(lcPool) << "account" << id << (suspicious ? "throttled for suspicious activity" : "throttled")
                      << "; cooling down for" << cool / 1000 << "s";
    setState(*it, AccountStatus::CoolingDown, now + cool, message);
}

void AccountPool::markQuotaExhausted(const QString &id, qint64 untilMs, const QString &message)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    setState(*it, AccountStatus::QuotaExhausted, untilMs, message);
}

void AccountPool::markNeedsLogin(const QString &id, const QString &message)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    setState(*it, AccountStatus::NeedsLogin, 0, message);
}

void AccountPool::markSuspended(const QString &id, const QString &message)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    setState(*it, AccountStatus::Suspended, 0, message);
}

void AccountPool::markTransientFailure(const QString &id, const QString &message)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    ++it->transientStreak;
    if (it->transientStreak < transientThreshold) {
        it->view.lastError = message;
        it->view.lastErrorAtMs = m_clock.nowMs();
        Q_EMIT accountChanged(id);
        return;
    }
    const qint64 cool
        = backoff(transientBaseMs, transientCapMs, it->transientStreak - transientThreshold + 1);
    setState(*it, AccountStatus::CoolingDown, m_clock.nowMs() + cool, message);
}

void AccountPool::markError(const QString &id, const QString &message, qint64 retryAtMs)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    setState(*it, AccountStatus::Error, retryAtMs, message);
}

void AccountPool::markActive(const QString &id)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    it->throttleStreak = 0;
    it->transientStreak = 0;
    setState(*it, AccountStatus::Active, 0, {});
    dispatch();
}

void AccountPool::applyTeamState(const QString &id, AccountStatus status, qint64 untilMs,
                                 const QString &message)
{
    Account *it = findAccount(id);
    if (!it)
        return;
    setState(*it, status, untilMs, message);
    if (status == AccountStatus::Active)
        dispatch();
}

PoolStatus AccountPool::status() const
{
    PoolStatus s;
    for (const Account &a : m_accounts) {
        if (!a.view.enabled)
            continue;
        ++s.enabledAccounts;
        if (!usable(a))
            continue;
        ++s.usableAccounts;
        const int eff = effectiveSlots(a);
        s.totalSlots += eff;
        s.availableSlots += std::max(0, eff - a.view.inUse);
    }
    s.inFlight = int(m_leases.size());
    s.queued = int(m_queue.size());
    return s;
}

std::optional<AccountPool::AccountView> AccountPool::account(const QString &id) const
{
    const Account *it = findAccount(id);
    if (!it)
        return std::nullopt;
    AccountView v = it->view;
    v.effectiveSlots = effectiveSlots(*it);
    return v;
}

std::vector<AccountPool::AccountView> AccountPool::accounts() const
{
    std::vector<AccountView> out;
    for (const Account &a : m_accounts) {
        AccountView v = a.view;
        v.effectiveSlots = effectiveSlots(a);
        out.push_back(v);
    }
    std::sort(out.begin(), out.end(), [](const AccountView &a, const AccountView &b) { return a.id < b.id; });
    return out;
}

} // namespace Drawbridge
