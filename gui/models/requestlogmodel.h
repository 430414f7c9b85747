// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>

#include <deque>

#include "server/core/requestrecord.h"

namespace Drawbridge {

/**
 * @brief The most recent requests, newest first, in a bounded ring buffer (qBittorrent LogModel style).
 */
class RequestLogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestLogModel)

public:
    enum Column { Time, Key, Model, Account, Status, HttpStatus, Latency, Tokens, Credits, ColumnCount };
    static constexpr int StatusRole = Qt::UserRole + 1; ///< the raw status word ("success", …)

    explicit RequestLogModel(int capacity = 1000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    int capacity() const { return m_capacity; }

public Q_SLOTS:
    /** Adds @p record at the top, dropping the oldest record when full. */
    void append(const Drawbridge::RequestRecord &record);
    void clear();

private:
    int m_capacity;
    std::deque<RequestRecord> m_records; ///< newest first
};

} // namespace Drawbridge
