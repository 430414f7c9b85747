// SPDX-License-Identifier: MIT
#include "accounttablemodel.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>

namespace Drawbridge {

AccountTableModel::AccountTableModel(KiroAccountManager &accounts, Now now, QObject *parent)
    : QAbstractTableModel(parent)
    , m_accounts(accounts)
    , m_now(now ? std::move(now) : Now([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
    connect(&m_accounts, &KiroAccountManager::accountsChanged, this, &AccountTableModel::reload);
    connect(&m_accounts, &KiroAccountManager::accountUpdated, this, &AccountTableModel::refreshAccount);
    reload();
}

int AccountTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AccountTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AccountTableModel::statusText(AccountStatus status)
{
    switch (status) {
    case AccountStatus::Active:
        return tr("Active");
    case AccountStatus::CoolingDown:
        return tr("Cooling down");
    case AccountStatus::NeedsLogin:
        return tr("Needs login");
    case AccountStatus::QuotaExhausted:
        return tr("Quota exhausted");
    case AccountStatus::Suspended:
        return tr("Suspended");
    case AccountStatus::Error:
        return tr("Error");
    case AccountStatus::Disabled:
        return tr("Disabled");
    }
    return tr("Error");
}

QString AccountTableModel::statusExplanation(AccountStatus status)
{
    switch (status) {
    case AccountStatus::Active:
        return {};
    case AccountStatus::CoolingDown:
        return tr(
            "The upstream throttled this account. Drawbridge rests it until the cooldown ends and serves "
            "from other accounts meanwhile.");
    case AccountStatus::NeedsLogin:
        return tr("The refresh token was rejected (expired or signed out). Log in to Kiro again, then remove "
                  "this account and import it again.");
    case AccountStatus::QuotaExhausted:
        return tr("The account has used up its monthly credits. It is used again after the quota resets.");
    case AccountStatus::Suspended:
        return tr("The provider suspended this account, often after unusual traffic such as heavy pooling or "
                  "high concurrency. Contact the provider; Drawbridge will not use it.");
    case AccountStatus::Error:
        return tr("The auth service or the keychain could not be reached. Drawbridge retries by itself.");
    case AccountStatus::Disabled:
        return tr("You disabled this account; enable it to serve requests again.");
    }
    return {};
}

QVariant AccountTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const KiroAccountManager::AccountInfo &a = m_rows[size_t(index.row())];
    switch (role) {
    case AccountIdRole:
        return a.record.id;
    case SlotsInUseRole:
        return a.slotsInUse;
    case SlotsTotalRole:
        return a.slotsTotal;
    case EnabledRole:
        return a.record.enabled;
    case StatusRole:
        return int(a.status);
    case Qt::ToolTipRole:
        if (index.column() == Status || index.column() == LastError)
            return statusExplanation(a.status);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= Slots && index.column() <= Requests)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    const QLocale locale;
    switch (Column(index.column())) {
    case Name:
        return a.record.name.isEmpty() ? a.record.id : a.record.name;
    case Status:
        return statusText(a.status);
    case Slots:
        return tr("%1 / %2").arg(a.slotsInUse).arg(a.slotsTotal);
    case Cooldown: {
        if (!a.cooldownUntilMs)
            return QString();
        const qint64 left = (*a.cooldownUntilMs - m_now() + 999) / 1000;
        if (left <= 0)
            return QString();
        return tr("%1:%2").arg(left / 60).arg(left % 60, 2, 10, QLatin1Char('0'));
    }
    case CreditsUsed:
        return locale.toString(a.creditsUsed, 'f', 2);
    case CreditsRemaining:
        if (!a.creditsRemaining)
            return tr("unknown");
        if (a.record.nextResetMs)
            return tr("%1 (resets %2)")
                .arg(locale.toString(*a.creditsRemaining, 'f', 2),
                     locale.toString(QDateTime::fromMSecsSinceEpoch(*a.record.nextResetMs).date(),
                                     QLocale::ShortFormat));
        return locale.toString(*a.creditsRemaining, 'f', 2);
    case Requests:
        return a.requests;
    case Endpoint:
        return a.endpoint;
    case LastError: {
        if (a.lastError.isEmpty() || !a.lastErrorAtMs)
            return a.lastError;
        // When it happened: the time today, the date as well before that.
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(*a.lastErrorAtMs);
        const QString when = at.date() == QDateTime::fromMSecsSinceEpoch(m_now()).date()
            ? locale.toString(at.time(), QLocale::ShortFormat)
            : locale.toString(at, QLocale::ShortFormat);
        return tr("%1: %2").arg(when, a.lastError);
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant AccountTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Name:
        return tr("Account");
    case Status:
        return tr("Status");
    case Slots:
        return tr("Slots in use");
    case Cooldown:
        return tr("Cooldown");
    case CreditsUsed:
        return tr("Credits used");
    case CreditsRemaining:
        return tr("Credits left");
    case Requests:
        return tr("Requests");
    case Endpoint:
        return tr("Endpoint");
    case LastError:
        return tr("Last error");
    case ColumnCount:
        break;
    }
    return {};
}

QString AccountTableModel::accountId(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[size_t(row)].record.id : QString();
}

int AccountTableModel::rowOf(const QString &id) const
{
    const auto it = std::find_if(m_rows.begin(), m_rows.end(),
                                 [&](const KiroAccountManager::AccountInfo &a) { return a.record.id == id; });
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

void AccountTableModel::reload()
{
    beginResetModel();
    m_rows = m_accounts.accounts();
    endResetModel();
}

void AccountTableModel::refreshAccount(const QString &id)
{
    const int row = rowOf(id);
    const auto info = m_accounts.account(id);
    if (row < 0 || !info) {
        reload();
        return;
    }
    m_rows[size_t(row)] = *info;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void AccountTableModel::tick()
{
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, Cooldown), index(int(m_rows.size()) - 1, Cooldown), { Qt::DisplayRole });
}

} // namespace Drawbridge
