// SPDX-License-Identifier: MIT
#include "usageseriesmodel.h"

#include <QDateTime>
#include <QLocale>

#include <map>

namespace Drawbridge {

UsageSeriesModel::UsageSeriesModel(QObject *parent) : QAbstractTableModel(parent) { }

int UsageSeriesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_points.size());
}

int UsageSeriesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UsageSeriesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role == Qt::TextAlignmentRole && index.column() != Bucket)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != ValueRole)
        return {};
    const UsageSeriesPoint &p = m_points[size_t(index.row())];
    const bool raw = role == ValueRole;
    switch (Column(index.column())) {
    case Bucket: {
        if (raw)
            return p.bucketStartMs;
        const QDateTime t = QDateTime::fromMSecsSinceEpoch(p.bucketStartMs);
        return m_bucket == UsageBucket::Day ? QLocale().toString(t.date(), QLocale::ShortFormat)
                                            : QLocale().toString(t, QLocale::ShortFormat);
    }
    case Requests:
        return p.totals.requests;
    case Errors:
        return p.totals.errors;
    case PromptTokens:
        return p.totals.promptTokens;
    case CompletionTokens:
        return p.totals.completionTokens;
    case Credits:
        return raw ? QVariant(p.totals.credits) : QVariant(QLocale().toString(p.totals.credits, 'f', 2));
    case ColumnCount:
        break;
    }
    return {};
}

QVariant UsageSeriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Bucket:
        return m_bucket == UsageBucket::Day ? tr("Day") : tr("Hour");
    case Requests:
        return tr("Requests");
    case Errors:
        return tr("Errors");
    case PromptTokens:
        return tr("Prompt tokens");
    case CompletionTokens:
        return tr("Completion tokens");
    case Credits:
        return tr("Credits");
    case ColumnCount:
        break;
    }
    return {};
}

void UsageSeriesModel::setPoints(const std::vector<UsageSeriesPoint> &points, UsageBucket bucket)
{
    std::map<qint64, UsageTotals> merged;
    for (const UsageSeriesPoint &p : points)
        merged[p.bucketStartMs] += p.totals;
    beginResetModel();
    m_bucket = bucket;
    m_points.clear();
    for (const auto &[start, totals] : merged)
        m_points.push_back(UsageSeriesPoint { start, QString(), totals });
    endResetModel();
    Q_EMIT headerDataChanged(Qt::Horizontal, Bucket, Bucket);
}

UsageTotals UsageSeriesModel::totals() const
{
    UsageTotals sum;
    for (const UsageSeriesPoint &p : m_points)
        sum += p.totals;
    return sum;
}

QString UsageSeriesModel::toCsv() const
{
    QString csv
        = QStringLiteral("bucket_start_utc,requests,errors,prompt_tokens,completion_tokens,credits\r\n");
    for (const UsageSeriesPoint &p : m_points) {
        csv += QDateTime::fromMSecsSinceEpoch(p.bucketStartMs).toUTC().toString(Qt::ISODate)
            + QLatin1Char(',') + QString::number(p.totals.requests) + QLatin1Char(',')
            + QString::number(p.totals.errors) + QLatin1Char(',') + QString::number(p.totals.promptTokens)
            + QLatin1Char(',') + QString::number(p.totals.completionTokens) + QLatin1Char(',')
            + QString::number(p.totals.credits, 'f', 4) + QStringLiteral("\r\n");
    }
    return csv;
}

} // namespace Drawbridge
