// SPDX-License-Identifier: MIT
#include "kiropoolstatepersistence.h"

#include <optional>
#include <utility>

#include "server/core/accountpool.h"
#include "server/core/logging.h"
#include "server/kiroprovider/kiroaccountregistry.h"
#include "server/storage/accountrepository.h"

namespace Drawbridge {

namespace {

// The pool state a stored status word names; Disabled is the account's own setting, not a pool state.
std::optional<AccountStatus> poolStatusNamed(const QString &name)
{
    for (AccountStatus s :
         { AccountStatus::Active, AccountStatus::CoolingDown, AccountStatus::NeedsLogin,
           AccountStatus::QuotaExhausted, AccountStatus::Suspended, AccountStatus::Error }) {
        if (accountStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

} // namespace

KiroPoolStatePersistence::KiroPoolStatePersistence(KiroAccountRegistry &registry, AccountPool &pool,
                                                   AccountRepository &repository, QObject *parent)
    : QObject(parent), m_registry(registry), m_pool(pool), m_repository(repository)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(0);
    connect(&m_flushTimer, &QTimer::timeout, this, &KiroPoolStatePersistence::flush);
    connect(&m_pool, &AccountPool::accountChanged, this, &KiroPoolStatePersistence::onPoolAccountChanged);
}

KiroPoolStatePersistence::~KiroPoolStatePersistence()
{
    flush();
}

void KiroPoolStatePersistence::onPoolAccountChanged(const QString &accountId)
{
    if (!m_registry.find(accountId))
        return;
    m_dirty.insert(accountId);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void KiroPoolStatePersistence::announceLoadWhile(std::function<bool()> listened)
{
    m_loadListened = std::move(listened);
    if (!m_loadConnection)
        m_loadConnection = connect(&m_pool, &AccountPool::accountLoadChanged, this,
                                   &KiroPoolStatePersistence::onPoolLoadChanged);
}

void KiroPoolStatePersistence::onPoolLoadChanged(const QString &accountId)
{
    if (!m_loadListened || !m_loadListened()) {
        // Nobody shows slots in use any more (a listener that is destroyed tells no one): stop hearing of
        // them.
        disconnect(m_loadConnection);
        m_loadConnection = {};
        return;
    }
    if (!m_registry.find(accountId))
        return;
    m_loaded.insert(accountId);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void KiroPoolStatePersistence::adoptStored(const AccountRecord &stored)
{
    KiroAccount *a = m_registry.find(stored.id);
    const auto view = m_pool.account(stored.id);
    if (!a || !view)
        return;
    KiroAccount::Persisted &p = a->persisted;
    if (stored.status == p.status && stored.lastError == p.error
        && stored.cooldownUntilMs == p.cooldownUntilMs)
        return; // what this instance wrote or adopted last
    const std::optional<AccountStatus> status = poolStatusNamed(stored.status);
    if (!status || *status == AccountStatus::Error)
        return; // p stays: this instance's flush writes its own view only when that view changes
    const bool relogged = *status == AccountStatus::Active
        && (view->status == AccountStatus::NeedsLogin || view->status == AccountStatus::Error);
    // Noted as stored first, so the pool's change below is not written back (and announced) again.
    p.status = stored.status; // the stored endpoint stays this instance's own
    p.error = stored.lastError;
    p.cooldownUntilMs = stored.cooldownUntilMs;
    a->record.status = stored.status;
    a->record.lastError = stored.lastError;
    a->record.cooldownUntilMs = stored.cooldownUntilMs;
    qCInfo(lcKiro) << "account" << stored.id << "is" << stored.status << "as another instance found";
    m_pool.applyTeamState(stored.id, *status, stored.cooldownUntilMs.value_or(0), stored.lastError);
    if (relogged)
        m_registry.loadSecrets(stored.id);
}

void KiroPoolStatePersistence::flush()
{
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    QSet<QString> loaded = std::exchange(m_loaded, {});
    for (const QString &id : std::as_const(loaded)) {
        if (!dirty.contains(id) && m_registry.find(id))
            Q_EMIT accountUpdated(id); // slots in use: nothing to store
    }
    for (const QString &id : dirty) {
        KiroAccount *a = m_registry.find(id);
        if (!a)
            continue;
        const auto view = m_pool.account(id);
        if (!view)
            continue;
        const QString status = accountStatusName(view->status);
        const std::optional<qint64> cooldown
            = view->cooldownUntilMs > 0 ? std::optional<qint64>(view->cooldownUntilMs) : std::nullopt;
        KiroAccount::Persisted &p = a->persisted;
        if (status != p.status || view->lastError != p.error || cooldown != p.cooldownUntilMs) {
            if (auto saved = m_repository.updateStatus(id, status, view->lastError, cooldown); saved) {
                p = { status, view->lastError, cooldown };
                a->record.status = status;
                a->record.lastError = view->lastError;
                a->record.cooldownUntilMs = cooldown;
            } else {
                qCWarning(lcKiro) << "could not store the state of account" << id << ":" << saved.error();
            }
        }
        // The endpoint that works (docs/kiro.md#api-endpoints), so that a restart starts there.
        if (const QString endpoint = a->endpoints.current(); endpoint != a->persisted.endpoint) {
            if (auto saved = m_repository.updateEndpoint(id, endpoint); saved) {
                a->persisted.endpoint = endpoint;
                a->record.apiEndpoint = endpoint;
            } else {
                qCWarning(lcKiro) << "could not store the endpoint of account" << id << ":" << saved.error();
            }
        }
        Q_EMIT accountUpdated(id);
    }
}

void KiroPoolStatePersistence::endpointMoved(const QString &accountId)
{
    onPoolAccountChanged(accountId);
}

} // namespace Drawbridge
