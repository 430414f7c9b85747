// SPDX-License-Identifier: MIT
#include "kirotokenservice.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>

#include "server/core/accountpool.h"
#include "server/core/clock.h"
#include "server/core/logging.h"

namespace Drawbridge {

namespace {

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

KiroTokenService::KiroTokenService(KiroAccountUpstream &upstream, AccountPool &pool, const Clock &clock,
                                   Options options, QObject *parent)
    : QObject(parent), m_upstream(upstream), m_pool(pool), m_clock(clock), m_options(options)
{
}

KiroTokenService::~KiroTokenService()
{
    // Pending refreshes end silently with their entries; team locks they held go back.
    for (const auto &[id, entry] : m_entries) {
        if (entry->teamLocked && m_team)
            m_team->unlock(id);
    }
    m_entries.clear();
}

KiroTokenService::Entry *KiroTokenService::find(const QString &accountId) const
{
    const auto it = m_entries.find(accountId);
    return it == m_entries.end() ? nullptr : it->second.get();
}

qint64 KiroTokenService::backoffMs(int streak) const
{
    qint64 v = m_options.retryBaseMs;
    for (int i = 1; i < streak && v < m_options.retryCapMs; ++i)
        v *= 2;
    return std::min(v, m_options.retryCapMs);
}

bool KiroTokenService::tokenUsable(const Entry &e) const
{
    return !e.accessToken.isEmpty() && e.accessExpiresMs - m_options.minTokenValidityMs > m_clock.nowMs();
}

bool KiroTokenService::refreshDue(const Entry &e) const
{
    return e.accessToken.isEmpty() || e.accessExpiresMs - m_options.refreshAheadMs <= m_clock.nowMs();
}

bool KiroTokenService::needsLogin(const QString &accountId, QString *message) const
{
    const auto view = m_pool.account(accountId);
    if (!view || view->status != AccountStatus::NeedsLogin)
        return false;
    *message = view->lastError.isEmpty() ? QStringLiteral("Account %1 needs a new login.").arg(accountId)
                                         : view->lastError;
    return true;
}

bool KiroTokenService::isLoaded(const QString &accountId) const
{
    const Entry *e = find(accountId);
    return e && e->state == State::Loaded;
}

const KiroTokenService::Credentials *KiroTokenService::credentials(const QString &accountId) const
{
    const Entry *e = find(accountId);
    return e && e->state == State::Loaded ? &e->credentials : nullptr;
}

bool KiroTokenService::isUnavailable(const QString &accountId) const
{
    const Entry *e = find(accountId);
    return e && e->state == State::Unavailable;
}

bool KiroTokenService::isRefreshing(const QString &accountId) const
{
    const Entry *e = find(accountId);
    return e && busy(*e);
}

qint64 KiroTokenService::retryAtMs(const QString &accountId) const
{
    const Entry *e = find(accountId);
    return e ? e->retryAtMs : 0;
}

// --- the account's lifecycle
// -------------------------------------------------------------------------------------

void KiroTokenService::track(const QString &accountId)
{
    auto &slot = m_entries[accountId];
    if (!slot)
        slot = std::make_unique<Entry>();
    slot->state = State::Loading;
}

void KiroTokenService::setCredentials(const QString &accountId, const Credentials &credentials,
                                      const QString &accessToken, qint64 accessExpiresMs)
{
    Entry *e = find(accountId);
    if (!e)
        return;
    e->state = State::Loaded;
    e->credentials = credentials;
    e->accessToken = accessToken;
    e->accessExpiresMs = accessExpiresMs;

    const bool incomplete = credentials.refreshToken.isEmpty()
        || (credentials.authMethod == QStringLiteral("idc")
            && (credentials.clientId.isEmpty() || credentials.clientSecret.isEmpty()));
    if (incomplete) {
        const QString message = QStringLiteral(
            "The account's credentials are missing from the keychain; log in again and re-add the account.");
        qCWarning(lcKiro) << "account" << accountId << ":" << message;
        m_pool.markNeedsLogin(accountId, message);
        resolveWaiters(*e, message);
        return;
    }
    QString loginMessage;
    if (needsLogin(accountId, &loginMessage)) {
        // Whatever token the keychain still holds belongs to a login the service has already refused.
        resolveWaiters(*e, loginMessage);
        return;
    }
    const auto view = m_pool.account(accountId);
    if (view && view->status == AccountStatus::Error && e->retryAtMs == 0) {
        // In error only because the keychain failed earlier: prove the credentials again now.
        e->retryAtMs = m_clock.nowMs();
    }
    if (!e->waiters.empty()) {
        if (tokenUsable(*e) && !e->forceQueued)
            resolveWaiters(*e, {});
        else
            startRefresh(accountId, *e);
    }
}

void KiroTokenService::adopt(const QString &accountId, const Credentials &credentials,
                             const QString &accessToken, qint64 accessExpiresMs, qint64 retryAtMs)
{
    auto &slot = m_entries[accountId];
    if (!slot)
        slot = std::make_unique<Entry>();
    slot->state = State::Loaded;
    slot->credentials = credentials;
    slot->accessToken = accessToken;
    slot->accessExpiresMs = accessExpiresMs;
    slot->failureStreak = retryAtMs > 0 ? 1 : 0;
    slot->retryAtMs = retryAtMs;
}

qint64 KiroTokenService::setUnavailable(const QString &accountId, const QString &message)
{
    Entry *e = find(accountId);
    if (!e)
        return 0;
    e->state = State::Unavailable;
    ++e->failureStreak;
    const qint64 retryAt = m_clock.nowMs() + backoffMs(e->failureStreak);
    m_pool.markError(accountId, message, retryAt);
    resolveWaiters(*e, message);
    return retryAt;
}

void KiroTokenService::scheduleRetry(const QString &accountId, qint64 atMs, int failureStreak)
{
    if (Entry *e = find(accountId)) {
        e->retryAtMs = atMs;
        e->failureStreak = failureStreak;
    }
}

void KiroTokenService::forget(const QString &accountId, const QString &message)
{
    const auto it = m_entries.find(accountId);
    if (it == m_entries.end())
        return;
    std::unique_ptr<Entry> gone = std::move(it->second);
    m_entries.erase(it);
    if (gone->teamLocked && m_team)
        m_team->unlock(accountId);
    for (Waiter &w : gone->waiters) {
        if (!w.guarded || w.guard)
            failLater(w.guarded ? w.guard.data() : nullptr, std::move(w.done), message);
    }
    // Destroying the entry aborts its refresh.
}

// --- tokens
// ----------------------------------------------------------------------------------------------------------

void KiroTokenService::failLater(QObject *guard, TokenCallback done, const QString &error)
{
    QMetaObject::invokeMethod(
        guard ? guard : this, [done = std::move(done), error] { done(QString(), error); },
        Qt::QueuedConnection);
}

void KiroTokenService::request(const QString &accountId, bool forceRefresh, QObject *guard,
                               TokenCallback done)
{
    Entry *e = find(accountId);
    if (!e)
        return failLater(guard, std::move(done), QStringLiteral("Unknown Kiro account '%1'.").arg(accountId));
    if (e->state == State::Unavailable)
        return failLater(
            guard, std::move(done),
            QStringLiteral("The keychain holding account %1's credentials is unavailable.").arg(accountId));
    if (e->state == State::Loaded) {
        QString loginMessage;
        if (needsLogin(accountId, &loginMessage))
            return failLater(guard, std::move(done), loginMessage);
        if (!forceRefresh && tokenUsable(*e)) {
            // The hot path: the cached token is good. When it is within the refresh window, renew it in the
            // background so no request ever waits for a refresh while the old token still works.
            if (refreshDue(*e) && !busy(*e) && e->retryAtMs == 0)
                startRefresh(accountId, *e);
            done(e->accessToken, QString());
            return;
        }
    }
    e->waiters.push_back(Waiter { QPointer<QObject>(guard), guard != nullptr, std::move(done) });
    e->forceQueued = e->forceQueued || forceRefresh;
    if (e->state == State::Loaded && !busy(*e))
        startRefresh(accountId, *e);
}

void KiroTokenService::poll(const QString &accountId)
{
    Entry *e = find(accountId);
    if (!e || e->state != State::Loaded || busy(*e))
        return;
    const auto view = m_pool.account(accountId);
    if (!view || view->status == AccountStatus::NeedsLogin || view->status == AccountStatus::Suspended)
        return;
    if (e->retryAtMs > 0 ? e->retryAtMs <= m_clock.nowMs() : refreshDue(*e))
        startRefresh(accountId, *e);
}

void KiroTokenService::startRefresh(const QString &accountId, Entry &e)
{
    if (busy(e))
        return;
    if (!m_team)
        return callUpstream(accountId, e);
    // Team mode: from the event loop, so that failures reach the waiters asynchronously as promised.
    e.teamWaiting = true;
    e.teamWaitSinceMs = m_clock.nowMs();
    QMetaObject::invokeMethod(
        this, [this, accountId] { teamStep(accountId); }, Qt::QueuedConnection);
}

void KiroTokenService::teamStep(const QString &accountId)
{
    Entry *e = find(accountId);
    if (!e || !e->teamWaiting)
        return;
    const auto locked = m_team->tryLock(accountId);
    if (!locked) {
        e->teamWaiting = false;
        return failWithoutCall(accountId,
                               QStringLiteral("cannot take the team's refresh lock: %1").arg(locked.error()));
    }
    if (!*locked) {
        // Another instance is refreshing this account; its rotated refresh token is what we need next.
        if (m_clock.nowMs() - e->teamWaitSinceMs > teamWaitMaxMs) {
            e->teamWaiting = false;
            return failWithoutCall(
                accountId,
                QStringLiteral("another instance has been refreshing the token for over %1 s")
                    .arg(teamWaitMaxMs / 1000));
        }
        QTimer::singleShot(teamRetryMs, this, [this, accountId] { teamStep(accountId); });
        return;
    }
    e->teamWaiting = false;
    e->teamLocked = true;
    const auto stored = m_team->read(accountId);
    if (!stored) {
        e->teamLocked = false;
        m_team->unlock(accountId);
        return failWithoutCall(accountId,
                               QStringLiteral("cannot read the team's tokens: %1").arg(stored.error()));
    }
    if (!stored->refreshToken.isEmpty() && stored->refreshToken != e->credentials.refreshToken) {
        // Rotated by another instance: ours is dead now. Stored already, so nothing to announce.
        qCInfo(lcKiro) << "account" << accountId << ": using the refresh token another instance rotated";
        e->credentials.refreshToken = stored->refreshToken;
    }
    const QString distrusted = e->forceQueued ? e->accessToken : QString();
    if (!stored->accessToken.isEmpty() && stored->accessToken != e->accessToken
        && stored->accessExpiresMs >= e->accessExpiresMs) {
        e->accessToken = stored->accessToken;
        e->accessExpiresMs = stored->accessExpiresMs;
    }
    const bool fresh
        = tokenUsable(*e) && !refreshDue(*e) && (!e->forceQueued || e->accessToken != distrusted);
    if (!fresh)
        return callUpstream(accountId, *e);
    // Another instance refreshed while we waited: no call, and the login survives the rotation.
    qCDebug(lcKiro) << "account" << accountId << ": another instance refreshed the token already";
    e->teamLocked = false;
    m_team->unlock(accountId);
    e->failureStreak = 0;
    e->retryAtMs = 0;
    if (const auto view = m_pool.account(accountId); view && view->status == AccountStatus::Error)
        m_pool.markActive(accountId);
    resolveWaiters(*e, {});
    Q_EMIT refreshFinished(accountId, RefreshOutcome::Refreshed);
}

void KiroTokenService::failWithoutCall(const QString &accountId, const QString &message)
{
    KiroAccountUpstream::RefreshResult failed;
    failed.failure = KiroAccountUpstream::Failure::Transient;
    failed.message = message;
    onRefreshed(accountId, failed);
}

void KiroTokenService::callUpstream(const QString &accountId, Entry &e)
{
    KiroAccountUpstream::RefreshInput input;
    input.authMethod = e.credentials.authMethod;
    input.refreshToken = e.credentials.refreshToken;
    input.clientId = e.credentials.clientId;
    input.clientSecret = e.credentials.clientSecret;
    input.authBaseUrl = e.credentials.authBaseUrl;
    input.fingerprint = e.credentials.fingerprint;
    qCDebug(lcKiro) << "refreshing the access token of account" << accountId;
    e.refreshCall = m_upstream.refresh(
        input, [this, accountId](const KiroAccountUpstream::RefreshResult &r) { onRefreshed(accountId, r); });
    Q_EMIT refreshStarted(accountId);
}

void KiroTokenService::onRefreshed(const QString &accountId, const KiroAccountUpstream::RefreshResult &r)
{
    Entry *e = find(accountId);
    if (!e)
        return;
    // Destroyed when this handler returns, which the HTTP client allows from inside the call's callback.
    const std::unique_ptr<KiroPendingCall> finished = std::move(e->refreshCall);
    // Team mode: the lock goes back when this handler returns, after a rotated token was stored (the
    // signals below write it synchronously), so the next instance reads that one.
    struct TeamUnlock
    {
        TeamStore *team;
        QString id;
        ~TeamUnlock()
        {
            if (team)
                team->unlock(id);
        }
    } const unlock { std::exchange(e->teamLocked, false) ? m_team : nullptr, accountId };
    const qint64 now = m_clock.nowMs();

    if (r.failure == KiroAccountUpstream::Failure::None) {
        e->accessToken = r.tokens.accessToken;
        e->accessExpiresMs = now + r.tokens.expiresInS * 1000;
        if (!r.tokens.refreshToken.isEmpty() && r.tokens.refreshToken != e->credentials.refreshToken) {
            // The service rotated the refresh token: the old one is dead from now on.
            e->credentials.refreshToken = r.tokens.refreshToken;
            Q_EMIT refreshTokenRotated(accountId, e->credentials.refreshToken);
        }
        if (!r.tokens.profileArn.isEmpty())
            Q_EMIT profileArnReceived(accountId, r.tokens.profileArn);
        Q_EMIT accessTokenChanged(accountId, e->accessToken, e->accessExpiresMs);
        e->failureStreak = 0;
        e->retryAtMs = 0;
        if (const auto view = m_pool.account(accountId); view && view->status == AccountStatus::Error)
            m_pool.markActive(accountId);
        qCDebug(lcKiro) << "account" << accountId << "has a new access token until"
                        << isoTime(e->accessExpiresMs);
        // A waiter may forget this very account; from here on only the id is used.
        resolveWaiters(*e, {});
        Q_EMIT refreshFinished(accountId, RefreshOutcome::Refreshed);
        return;
    }

    if (r.failure == KiroAccountUpstream::Failure::Rejected) {
        e->accessToken.clear();
        e->accessExpiresMs = 0;
        e->retryAtMs = 0;
        e->failureStreak = 0;
        Q_EMIT accessTokenDropped(accountId);
        const QString message
            = QStringLiteral(
                  "The refresh token was rejected; log in to Kiro again and re-add the account (%1).")
                  .arg(r.message);
        qCWarning(lcKiro) << "account" << accountId << "needs a new login:" << r.message;
        m_pool.markNeedsLogin(accountId, message);
        resolveWaiters(*e, message);
        Q_EMIT refreshFinished(accountId, RefreshOutcome::Rejected);
        return;
    }

    ++e->failureStreak;
    e->retryAtMs = now + backoffMs(e->failureStreak);
    if (tokenUsable(*e) && !e->forceQueued) {
        // A refresh ahead of expiry failed, but the current token still works: keep serving and retry later.
        qCWarning(lcKiro) << "account" << accountId << ": early token refresh failed, retrying at"
                          << isoTime(e->retryAtMs) << ":" << r.message;
        resolveWaiters(*e, {});
        Q_EMIT refreshFinished(accountId, RefreshOutcome::Failed);
        return;
    }
    if (e->forceQueued) {
        // The upstream has called the cached token invalid; it must not be handed out again.
        e->accessToken.clear();
        e->accessExpiresMs = 0;
    }
    const QString message
        = QStringLiteral("Token refresh failed; retrying at %1 (%2).").arg(isoTime(e->retryAtMs), r.message);
    qCWarning(lcKiro) << "account" << accountId << ":" << message;
    m_pool.markError(accountId, message, e->retryAtMs);
    resolveWaiters(*e, message);
    Q_EMIT refreshFinished(accountId, RefreshOutcome::Failed);
}

void KiroTokenService::resolveWaiters(Entry &e, const QString &error)
{
    std::vector<Waiter> waiters;
    waiters.swap(e.waiters);
    e.forceQueued = false;
    const QString token = error.isEmpty() ? e.accessToken : QString();
    // A callback may forget this very account; from here on only the local copies are used.
    for (Waiter &w : waiters) {
        if (w.guarded && !w.guard)
            continue;
        w.done(token, error);
    }
}

} // namespace Drawbridge
