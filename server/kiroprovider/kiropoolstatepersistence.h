// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

#include <functional>

#include "server/storage/accountrecord.h"

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class KiroAccountRegistry;

/**
 * @brief Keeps the pool-owned state of each Kiro account (status, last error, cooldown, and the API endpoint
 * that works) in the database, so needs_login, suspended, quota_exhausted, error and the endpoint outlive a
 * restart.
 *
 * The pool reports every state change; those only mark the account, and one flush per event-loop turn writes
 * the accounts whose stored state really differs. Lease grants and releases (slots in use) change nothing
 * stored: they are announced, coalesced the same way, only while someone shows them (announceLoadWhile()),
 * and otherwise cost a request nothing here.
 */
class KiroPoolStatePersistence final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroPoolStatePersistence)

public:
    KiroPoolStatePersistence(KiroAccountRegistry &registry, AccountPool &pool, AccountRepository &repository,
                             QObject *parent = nullptr);
    ~KiroPoolStatePersistence() override;

    /** Writes what is pending now (also done on destruction). */
    void flush();
    /** The account's API endpoint may have changed: store the one it uses now with the next flush. */
    void endpointMoved(const QString &accountId);
    /**
     * Team mode: @p stored is the account's row as another instance left it. A state that instance found
     * (cooling down, out of quota, needs login, suspended, or active again) is taken over by this instance's
     * pool without being written back; `error` stays each instance's own (it is about reaching the auth
     * service from there). An account that becomes usable again after a login elsewhere re-reads its secrets.
     */
    void adoptStored(const AccountRecord &stored);
    /**
     * Slot grants and releases are announced (accountUpdated()) too while @p listened says someone shows
     * them (the desktop's account table); off by default, and off again, at the next grant or release, once
     * @p listened says no.
     */
    void announceLoadWhile(std::function<bool()> listened);

Q_SIGNALS:
    /** Something the pool shows about the account changed (state, slots in use). */
    void accountUpdated(const QString &accountId);

private:
    void onPoolAccountChanged(const QString &accountId);
    void onPoolLoadChanged(const QString &accountId);

    KiroAccountRegistry &m_registry;
    AccountPool &m_pool;
    AccountRepository &m_repository;
    QSet<QString> m_dirty; ///< accounts whose pool state may need persisting
    QSet<QString> m_loaded; ///< accounts whose slots in use changed, to announce only
    QMetaObject::Connection m_loadConnection;
    std::function<bool()> m_loadListened;
    QTimer m_flushTimer;
};

} // namespace Drawbridge
