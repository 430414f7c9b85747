// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "server/storage/usagereport.h"

namespace Drawbridge {

/**
 * @brief A usage time series (UsageQuery::series with UsageSplit::None) as a table: one row per bucket.
 *
 * The chart and the CSV export both read it.
 */
class UsageSeriesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageSeriesModel)

public:
    enum Column { Bucket, Requests, Errors, PromptTokens, CompletionTokens, Credits, ColumnCount };
    /** Raw values: the bucket start in ms for Bucket, numbers for the rest. */
    static constexpr int ValueRole = Qt::UserRole + 1;

    explicit UsageSeriesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /** Replaces the points; points of the same bucket (several split values) are summed. */
    void setPoints(const std::vector<UsageSeriesPoint> &points, UsageBucket bucket);
    const std::vector<UsageSeriesPoint> &points() const { return m_points; }
    UsageTotals totals() const;
    /** RFC 4180 CSV with a header line; times in ISO 8601 UTC. */
    QString toCsv() const;

private:
    std::vector<UsageSeriesPoint> m_points;
    UsageBucket m_bucket = UsageBucket::Hour;
};

} // namespace Drawbridge
