// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

#include <functional>
#include <vector>

#include "server/storage/usagereport.h"

class QChart;
class QChartView;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QPushButton;
class QTableView;
class QTimer;
class QValueAxis;

namespace Drawbridge {

class Prompter;
class UsageQuery;
class UsageSeriesModel;

/**
 * @brief The Usage tab: requests and credits over time (hourly or daily) with a range picker, totals and a
 * CSV export. Reads UsageQuery on a timer (cheap aggregate reads).
 */
class UsageWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageWidget)

public:
    using Now = std::function<qint64()>;
    UsageWidget(UsageQuery &usage, Prompter &prompter, Now now = {}, QWidget *parent = nullptr);

    UsageSeriesModel *model() const { return m_model; }
    QLineSeries *requestsSeries() const { return m_requests; }
    QLineSeries *creditsSeries() const { return m_credits; }
    QComboBox *rangePicker() const { return m_range; }
    QComboBox *splitPicker() const { return m_split; }
    /** One requests line per key/model/account when split (the busiest few), else empty. */
    const std::vector<QLineSeries *> &splitSeries() const { return m_splitSeries; }
    QLabel *totalsLabel() const { return m_totals; }

public Q_SLOTS:
    void reload();
    void exportCsv();

private:
    void rebuildChart(const std::vector<UsageSeriesPoint> &points);

    UsageQuery &m_usage;
    Prompter &m_prompter;
    Now m_now;
    UsageSeriesModel *m_model;
    QComboBox *m_range;
    QComboBox *m_split;
    std::vector<QLineSeries *> m_splitSeries;
    QLabel *m_totals;
    QLabel *m_error;
    QPushButton *m_export;
    QChart *m_chart;
    QChartView *m_chartView;
    QLineSeries *m_requests;
    QLineSeries *m_credits;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_requestsAxis;
    QValueAxis *m_creditsAxis;
    QTableView *m_table;
    QTimer *m_timer;
};

} // namespace Drawbridge
