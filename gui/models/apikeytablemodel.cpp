// SPDX-License-Identifier: MIT
#include "apikeytablemodel.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>

#include "server/gateway/keyservice.h"

namespace Drawbridge {

namespace {

QString formatTime(std::optional<qint64> ms)
{
    if (!ms)
        return {};
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(*ms), QLocale::ShortFormat);
}

} // namespace

ApiKeyTableModel::ApiKeyTableModel(KeyService &keys, int defaultRpm, QObject *parent)
    : QAbstractTableModel(parent), m_keys(keys), m_defaultRpm(defaultRpm)
{
    connect(&m_keys, &KeyService::keyAdded, this, [this](const QString &id) {
        const auto record = m_keys.find(id);
        if (!record || rowOf(id) >= 0)
            return;
        const int row = int(m_rows.size());
        beginInsertRows({}, row, row);
        m_rows.push_back(*record);
        endInsertRows();
    });
    connect(&m_keys, &KeyService::keyChanged, this, &ApiKeyTableModel::refreshKey);
    connect(&m_keys, &KeyService::keyRevoked, this, &ApiKeyTableModel::refreshKey);
    reload();
}

int ApiKeyTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ApiKeyTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ApiKeyTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ApiKeyRecord &k = m_rows[size_t(index.row())];
    if (role == KeyIdRole)
        return k.id;
    if (role == RevokedRole)
        return k.revokedAtMs.has_value();
    if (role == Qt::ToolTipRole && index.column() == Rpm && !k.rateLimitRpm)
        return tr("Uses the default limit of %n request(s) per minute", nullptr, m_defaultRpm);
    if (role == Qt::TextAlignmentRole && (index.column() == Rpm || index.column() == Requests))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::EditRole) {
        switch (index.column()) {
        case Name:
            return k.name;
        case Rpm:
            return k.rateLimitRpm.value_or(0);
        case Models:
            return k.models.join(QStringLiteral(", "));
        default:
            return {};
        }
    }
    const bool sort = role == Qt::UserRole;
    if (role != Qt::DisplayRole && !sort)
        return {};
    switch (Column(index.column())) {
    case Name:
        return k.name;
    case Id:
        return k.id;
    case Rpm:
        if (sort)
            return k.rateLimitRpm.value_or(m_defaultRpm);
        return k.rateLimitRpm ? QString::number(*k.rateLimitRpm) : tr("%1 (default)").arg(m_defaultRpm);
    case Models:
        return k.models.isEmpty() ? tr("all") : k.models.join(QStringLiteral(", "));
    case Created:
        return sort ? QVariant(k.createdAtMs) : QVariant(formatTime(k.createdAtMs));
    case LastUsed:
        if (sort)
            return k.lastUsedAtMs.value_or(0);
        return k.lastUsedAtMs ? formatTime(k.lastUsedAtMs) : tr("never");
    case Requests:
        return m_keys.requestCount(k.id);
    case State:
        if (k.revokedAtMs)
            return tr("revoked");
        if (k.expiresAtMs && *k.expiresAtMs <= QDateTime::currentMSecsSinceEpoch())
            return tr("expired");
        return tr("active");
    case ColumnCount:
        break;
    }
    return {};
}

QVariant ApiKeyTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Name:
        return tr("Name");
    case Id:
        return tr("Key id");
    case Rpm:
        return tr("Requests/min");
    case Models:
        return tr("Models");
    case Created:
        return tr("Created");
    case LastUsed:
        return tr("Last used");
    case Requests:
        return tr("Requests");
    case State:
        return tr("State");
    case ColumnCount:
        break;
    }
    return {};
}

Qt::ItemFlags ApiKeyTableModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (!index.isValid() || m_rows[size_t(index.row())].revokedAtMs)
        return f;
    if (index.column() == Name || index.column() == Rpm || index.column() == Models)
        f |= Qt::ItemIsEditable;
    return f;
}

bool ApiKeyTableModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !(flags(index) & Qt::ItemIsEditable))
        return false;
    KeyService::Patch patch;
    switch (index.column()) {
    case Name: {
        const QString name = value.toString().trimmed();
        if (name.isEmpty())
            return false;
        patch.name = name;
        break;
    }
    case Rpm: {
        bool ok = false;
        const int rpm = value.toInt(&ok);
        if (!ok || rpm < 0)
            return false;
        patch.rateLimitRpm = rpm == 0 ? std::optional<int>() : std::optional<int>(rpm);
        break;
    }
    case Models: {
        QStringList models;
        for (const QString &m : value.toString().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!m.trimmed().isEmpty())
                models.append(m.trimmed());
        }
        patch.models = models;
        break;
    }
    default:
        return false;
    }
    const auto updated = m_keys.update(m_rows[size_t(index.row())].id, patch);
    return updated.ok() && updated->has_value(); // keyChanged has refreshed the row
}

int ApiKeyTableModel::rowOf(const QString &id) const
{
    const auto it
        = std::find_if(m_rows.begin(), m_rows.end(), [&](const ApiKeyRecord &r) { return r.id == id; });
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

QString ApiKeyTableModel::keyId(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[size_t(row)].id : QString();
}

void ApiKeyTableModel::refreshKey(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    const auto record = m_keys.find(id);
    if (!record) {
        beginRemoveRows({}, row, row);
        m_rows.erase(m_rows.begin() + row);
        endRemoveRows();
        return;
    }
    m_rows[size_t(row)] = *record;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ApiKeyTableModel::reload()
{
    beginResetModel();
    m_rows = m_keys.list();
    std::sort(m_rows.begin(), m_rows.end(),
              [](const ApiKeyRecord &a, const ApiKeyRecord &b) { return a.createdAtMs < b.createdAtMs; });
    endResetModel();
}

} // namespace Drawbridge
