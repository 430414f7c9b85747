// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>

#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace Drawbridge {

class KeyService;
class RateLimiter;

/**
 * @brief Each active key's rate limit (editable) and its live sliding window (used / limit / reset).
 *
 * The window columns are read with RateLimiter::peek, which records nothing; call refreshWindows() on a
 * timer.
 */
class KeyLimitsTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyLimitsTableModel)

public:
    enum Column { Name, Id, Rpm, Used, Remaining, Reset, ColumnCount };
    using Now = std::function<qint64()>;

    KeyLimitsTableModel(KeyService &keys, RateLimiter &limiter, int defaultRpm, Now now = {},
                        QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    /** Rpm column: a positive number sets the key's limit; 0 puts it back to the default. */
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

    int defaultRpm() const { return m_defaultRpm; }

public Q_SLOTS:
    void reload();
    void refreshWindows();

private:
    struct Row
    {
        QString id;
        QString name;
        std::optional<int> rpm;
    };
    int limitOf(const Row &row) const { return row.rpm.value_or(m_defaultRpm); }

    KeyService &m_keys;
    RateLimiter &m_limiter;
    int m_defaultRpm;
    Now m_now;
    std::vector<Row> m_rows;
};

} // namespace Drawbridge
