// SPDX-License-Identifier: MIT
#include "keylimitstablemodel.h"

#include <QDateTime>

#include <algorithm>

#include "server/core/ratelimiter.h"
#include "server/gateway/keyservice.h"

namespace Drawbridge {

KeyLimitsTableModel::KeyLimitsTableModel(KeyService &keys, RateLimiter &limiter, int defaultRpm, Now now,
                                         QObject *parent)
    : QAbstractTableModel(parent)
    , m_keys(keys)
    , m_limiter(limiter)
    , m_defaultRpm(defaultRpm)
    , m_now(now ? std::move(now) : Now([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
    connect(&m_keys, &KeyService::keyAdded, this, &KeyLimitsTableModel::reload);
    connect(&m_keys, &KeyService::keyRevoked, this, &KeyLimitsTableModel::reload);
    connect(&m_keys, &KeyService::keyChanged, this, &KeyLimitsTableModel::reload);
    reload();
}

int KeyLimitsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int KeyLimitsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant KeyLimitsTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows[size_t(index.row())];
    if (role == Qt::EditRole && index.column() == Rpm)
        return r.rpm.value_or(0);
    if (role == Qt::ToolTipRole && index.column() == Rpm)
        return tr("Double-click to edit; 0 uses the default (%1 per minute)").arg(m_defaultRpm);
    if (role == Qt::TextAlignmentRole && index.column() >= Rpm)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Name:
        return r.name;
    case Id:
        return r.id;
    case Rpm:
        return r.rpm ? QString::number(*r.rpm) : tr("%1 (default)").arg(m_defaultRpm);
    case Used:
    case Remaining:
    case Reset: {
        const RateLimiter::Decision d = m_limiter.peek(r.id, limitOf(r));
        if (index.column() == Used)
            return tr("%1 / %2").arg(d.limit - d.remaining).arg(d.limit);
        if (index.column() == Remaining)
            return d.remaining;
        const qint64 inS = (d.resetMs - m_now() + 999) / 1000;
        return inS > 0 ? tr("in %n s", nullptr, int(inS)) : tr("now");
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant KeyLimitsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Name:
        return tr("Key");
    case Id:
        return tr("Key id");
    case Rpm:
        return tr("Limit (requests/min)");
    case Used:
        return tr("Used in window");
    case Remaining:
        return tr("Remaining");
    case Reset:
        return tr("Next slot");
    case ColumnCount:
        break;
    }
    return {};
}

Qt::ItemFlags KeyLimitsTableModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == Rpm)
        f |= Qt::ItemIsEditable;
    return f;
}

bool KeyLimitsTableModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.column() != Rpm)
        return false;
    bool ok = false;
    const int rpm = value.toInt(&ok);
    if (!ok || rpm < 0)
        return false;
    KeyService::Patch patch;
    patch.rateLimitRpm = rpm == 0 ? std::optional<int>() : std::optional<int>(rpm);
    const QString id = m_rows[size_t(index.row())].id;
    const auto updated = m_keys.update(id, patch);
    if (!updated.ok() || !updated->has_value())
        return false;
    // keyChanged reloads the rows; make sure the edited row is current even without the signal.
    const int row = index.row();
    if (row < int(m_rows.size()) && m_rows[size_t(row)].id == id) {
        m_rows[size_t(row)].rpm = (*updated)->rateLimitRpm;
        Q_EMIT dataChanged(this->index(row, 0), this->index(row, ColumnCount - 1));
    }
    return true;
}

void KeyLimitsTableModel::reload()
{
    std::vector<Row> rows;
    for (const ApiKeyRecord &k : m_keys.list()) {
        if (!k.revokedAtMs)
            rows.push_back(Row { k.id, k.name, k.rateLimitRpm });
    }
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.name < b.name; });
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

void KeyLimitsTableModel::refreshWindows()
{
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, Used), index(int(m_rows.size()) - 1, Reset), { Qt::DisplayRole });
}

} // namespace Drawbridge
