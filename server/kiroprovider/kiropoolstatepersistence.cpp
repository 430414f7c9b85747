// SPDX-License-Identifier: MIT
#include "kiropoolstatepersistence.h"

#include <optional>
#include <utility>

#include "server/core/accountpool.h"
#include "server/core/logging.h"
#include "server/kiroprovider/kiroaccountregistry.h"
#include "server/storage/accountrepository.h"

namespace Drawbridge {

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

void KiroPoolStatePersistence::flush()
{
    const QSet<QString> dirty = std::exchange(m_dirty, {});
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
        Q_EMIT accountUpdated(id);
    }
}

} // namespace Drawbridge
