// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "server/storage/apikeyrecord.h"

namespace Drawbridge {

class KeyService;

/**
 * @brief The client keys as a table: one row per key, kept current from KeyService's signals.
 *
 * Revoked keys stay listed (marked revoked) so the user can see what happened to them.
 */
class ApiKeyTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiKeyTableModel)

public:
    enum Column { Name, Id, Rpm, Models, Created, LastUsed, Requests, State, ColumnCount };
    enum Role { KeyIdRole = Qt::UserRole + 1, RevokedRole };

    ApiKeyTableModel(KeyService &keys, int defaultRpm, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    /**
     * Edits an active key in place: Name (non-empty), Rpm (a number; 0 = the default) or Models (a
     * comma-separated list; empty = every model). The change goes through KeyService.
     */
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

    /** The row of key @p id, or -1. */
    int rowOf(const QString &id) const;
    QString keyId(int row) const;

public Q_SLOTS:
    /** Re-reads one key (e.g. after it served a request: last used and request count changed). */
    void refreshKey(const QString &id);
    /** Re-reads every key. */
    void reload();

private:
    KeyService &m_keys;
    int m_defaultRpm;
    std::vector<ApiKeyRecord> m_rows;
};

} // namespace Drawbridge
