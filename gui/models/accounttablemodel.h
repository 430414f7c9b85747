// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>

#include <functional>
#include <vector>

#include "server/kiroprovider/kiroaccountmanager.h"

namespace Drawbridge {

/**
 * @brief The upstream accounts as a table, kept current from KiroAccountManager's signals.
 *
 * The cooldown column counts down: call tick() every second (the widget's timer does).
 */
class AccountTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccountTableModel)

public:
    enum Column {
        Name,
        Status,
        Slots,
        Cooldown,
        CreditsUsed,
        CreditsRemaining,
        Requests,
        Endpoint, ///< the API base URL the account uses now
        LastError,
        ColumnCount
    };
    enum Role {
        AccountIdRole = Qt::UserRole + 1,
        SlotsInUseRole,
        SlotsTotalRole,
        EnabledRole,
        StatusRole, ///< the AccountStatus as int
    };
    using Now = std::function<qint64()>;

    /** @p now gives the wall clock in ms (defaults to the system clock). */
    explicit AccountTableModel(KiroAccountManager &accounts, Now now = {}, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    QString accountId(int row) const;
    int rowOf(const QString &id) const;

    /** Status word as shown ("Active", "Needs login", …). */
    static QString statusText(AccountStatus status);
    /** What the status means and what the user can do about it; empty when there is nothing to say. */
    static QString statusExplanation(AccountStatus status);

public Q_SLOTS:
    void reload();
    void refreshAccount(const QString &id);
    /** Updates the cooldown countdowns. */
    void tick();

private:
    KiroAccountManager &m_accounts;
    Now m_now;
    std::vector<KiroAccountManager::AccountInfo> m_rows;
};

} // namespace Drawbridge
