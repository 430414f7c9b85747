// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class KiroAccountRegistry;

/**
 * @brief Keeps the pool-owned state of each Kiro account (status, last error, cooldown) in the database, so
 * needs_login, suspended, quota_exhausted and error outlive a restart.
 *
 * The pool reports every change, lease grants and releases included; those only mark the account, and one
 * flush per event-loop turn writes the accounts whose stored state really differs.
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

Q_SIGNALS:
    /** Something the pool shows about the account changed (state, slots in use). */
    void accountUpdated(const QString &accountId);

private:
    void onPoolAccountChanged(const QString &accountId);

    KiroAccountRegistry &m_registry;
    AccountPool &m_pool;
    AccountRepository &m_repository;
    QSet<QString> m_dirty; ///< accounts whose pool state may need persisting
    QTimer m_flushTimer;
};

} // namespace Drawbridge
