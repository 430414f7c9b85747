// SPDX-License-Identifier: MIT
#include "requestlogmodel.h"

#include <QDateTime>
#include <QLocale>

namespace Drawbridge {

RequestLogModel::RequestLogModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent), m_capacity(qMax(1, capacity))
{
}

int RequestLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int RequestLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RequestRecord &r = m_records[size_t(index.row())];
    if (role == StatusRole)
        return r.status;
    if (role == Qt::ToolTipRole)
        return r.errorMessage.isEmpty() ? QVariant() : QVariant(r.errorMessage);
    if (role == Qt::TextAlignmentRole && index.column() >= HttpStatus)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    const QLocale locale;
    switch (Column(index.column())) {
    case Time:
        return locale.toString(QDateTime::fromMSecsSinceEpoch(r.startedMs).time(),
                               QStringLiteral("HH:mm:ss"));
    case Key:
        return r.keyId;
    case Model:
        return r.model;
    case Account:
        return r.accountId;
    case Status:
        return r.status;
    case HttpStatus:
        return r.httpStatus;
    case Latency:
        return tr("%1 ms").arg(r.latencyMs);
    case Tokens:
        return tr("%1 / %2").arg(r.usage.promptTokens).arg(r.usage.completionTokens);
    case Credits:
        return r.usage.hasCredits ? locale.toString(r.usage.credits, 'f', 3) : QString();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant RequestLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Time:
        return tr("Time");
    case Key:
        return tr("Key");
    case Model:
        return tr("Model");
    case Account:
        return tr("Account");
    case Status:
        return tr("Status");
    case HttpStatus:
        return tr("HTTP");
    case Latency:
        return tr("Latency");
    case Tokens:
        return tr("Tokens in / out");
    case Credits:
        return tr("Credits");
    case ColumnCount:
        break;
    }
    return {};
}

void RequestLogModel::append(const RequestRecord &record)
{
    if (int(m_records.size()) >= m_capacity) {
        const int last = int(m_records.size()) - 1;
        beginRemoveRows({}, last, last);
        m_records.pop_back();
        endRemoveRows();
    }
    beginInsertRows({}, 0, 0);
    m_records.push_front(record);
    endInsertRows();
}

void RequestLogModel::clear()
{
    beginResetModel();
    m_records.clear();
    endResetModel();
}

} // namespace Drawbridge
