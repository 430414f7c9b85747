// SPDX-License-Identifier: MIT
#include "usagewidget.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>

#include "emptyhint.h"
#include "gui/models/usageseriesmodel.h"
#include "prompter.h"
#include "server/storage/usagequery.h"

namespace Drawbridge {

namespace {

struct Range
{
    qint64 spanMs;
    UsageBucket bucket;
};

Range rangeAt(int index)
{
    switch (index) {
    case 0:
        return { usageDayMs, UsageBucket::Hour };
    case 1:
        return { 7 * usageDayMs, UsageBucket::Hour };
    case 2:
        return { 30 * usageDayMs, UsageBucket::Day };
    default:
        return { 90 * usageDayMs, UsageBucket::Day };
    }
}

double niceCeiling(double v)
{
    if (v <= 1)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
    for (double step : { 1.0, 2.0, 5.0, 10.0 }) {
        if (v <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

UsageWidget::UsageWidget(UsageQuery &usage, Prompter &prompter, Now now, QWidget *parent)
    : QWidget(parent)
    , m_usage(usage)
    , m_prompter(prompter)
    , m_now(now ? std::move(now) : Now([] { return QDateTime::currentMSecsSinceEpoch(); }))
    , m_model(new UsageSeriesModel(this))
    , m_range(new QComboBox(this))
    , m_split(new QComboBox(this))
    , m_totals(new QLabel(this))
    , m_error(new QLabel(this))
    , m_export(new QPushButton(tr("E&xport CSV…"), this))
    , m_chart(new QChart)
    , m_chartView(new QChartView(m_chart, this))
    , m_requests(new QLineSeries(m_chart))
    , m_credits(new QLineSeries(m_chart))
    , m_timeAxis(new QDateTimeAxis(m_chart))
    , m_requestsAxis(new QValueAxis(m_chart))
    , m_creditsAxis(new QValueAxis(m_chart))
    , m_table(new QTableView(this))
    , m_timer(new QTimer(this))
{
    m_range->addItem(tr("Last 24 hours (hourly)"));
    m_range->addItem(tr("Last 7 days (hourly)"));
    m_range->addItem(tr("Last 30 days (daily)"));
    m_range->addItem(tr("Last 90 days (daily)"));
    m_range->setAccessibleName(tr("Time range"));
    m_split->addItem(tr("Nothing"), int(UsageSplit::None));
    m_split->addItem(tr("Key"), int(UsageSplit::Key));
    m_split->addItem(tr("Model"), int(UsageSplit::Model));
    m_split->addItem(tr("Account"), int(UsageSplit::Account));
    m_split->setAccessibleName(tr("Split the requests by"));
    auto *splitLabel = new QLabel(tr("S&plit by:"), this);
    splitLabel->setBuddy(m_split);
    auto *rangeLabel = new QLabel(tr("&Range:"), this);
    rangeLabel->setBuddy(m_range);
    m_export->setAccessibleName(tr("Export usage as CSV"));
    m_totals->setAccessibleName(tr("Usage totals"));
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();

    m_requests->setName(tr("Requests"));
    m_credits->setName(tr("Credits"));
    m_requests->setPointsVisible(true);
    m_credits->setPointsVisible(true);
    m_chart->addSeries(m_requests);
    m_chart->addSeries(m_credits);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_requestsAxis, Qt::AlignLeft);
    m_chart->addAxis(m_creditsAxis, Qt::AlignRight);
    m_requests->attachAxis(m_timeAxis);
    m_requests->attachAxis(m_requestsAxis);
    m_credits->attachAxis(m_timeAxis);
    m_credits->attachAxis(m_creditsAxis);
    m_requestsAxis->setTitleText(tr("Requests"));
    m_requestsAxis->setLabelFormat(QStringLiteral("%d"));
    m_creditsAxis->setTitleText(tr("Credits"));
    m_creditsAxis->setLabelFormat(QStringLiteral("%.2f"));
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(240);
    m_chartView->setAccessibleName(tr("Usage chart"));

    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setAlternatingRowColors(true);
    m_table->setAccessibleName(tr("Usage per period"));

    auto *top = new QHBoxLayout;
    top->addWidget(rangeLabel);
    top->addWidget(m_range);
    top->addWidget(splitLabel);
    top->addWidget(m_split);
    top->addSpacing(12);
    top->addWidget(m_totals, 1);
    top->addWidget(m_export);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_chartView);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_error);
    layout->addWidget(new EmptyHint(*m_model,
                                    tr("No usage in this range yet. Requests through the gateway are counted "
                                       "here per hour or day, with the credits they used."),
                                    this));
    layout->addWidget(splitter, 1);

    connect(m_range, &QComboBox::currentIndexChanged, this, &UsageWidget::reload);
    connect(m_split, &QComboBox::currentIndexChanged, this, &UsageWidget::reload);
    connect(m_export, &QPushButton::clicked, this, &UsageWidget::exportCsv);
    connect(m_timer, &QTimer::timeout, this, &UsageWidget::reload);
    m_timer->start(30'000);
    reload();
}

void UsageWidget::reload()
{
    const Range range = rangeAt(m_range->currentIndex());
    const qint64 unit = range.bucket == UsageBucket::Day ? usageDayMs : usageHourMs;
    const qint64 to = usageBucketStart(m_now(), unit) + unit;
    const qint64 from = to - range.spanMs;
    const auto split = UsageSplit(m_split->currentData().toInt());
    const auto series = m_usage.series(from, to, range.bucket, split);
    if (!series.ok()) {
        m_error->setText(tr("Usage could not be read: %1").arg(series.error()));
        m_error->show();
        return;
    }
    m_error->hide();
    m_model->setPoints(*series, range.bucket);
    const UsageTotals t = m_model->totals();
    const QLocale locale;
    m_totals->setText(tr("%1 requests, %2 errors, %3 prompt / %4 completion tokens, %5 credits")
                          .arg(locale.toString(t.requests), locale.toString(t.errors),
                               locale.toString(t.promptTokens), locale.toString(t.completionTokens),
                               locale.toString(t.credits, 'f', 2)));
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(to));
    m_timeAxis->setFormat(range.bucket == UsageBucket::Day ? QStringLiteral("MMM d")
                              : range.spanMs <= usageDayMs ? QStringLiteral("HH:mm")
                                                           : QStringLiteral("MMM d HH:mm"));
    m_timeAxis->setTickCount(7);
    rebuildChart(*series);
}

void UsageWidget::rebuildChart(const std::vector<UsageSeriesPoint> &points)
{
    for (QLineSeries *line : m_splitSeries) {
        m_chart->removeSeries(line);
        delete line;
    }
    m_splitSeries.clear();
    const bool split = UsageSplit(m_split->currentData().toInt()) != UsageSplit::None;
    m_credits->setVisible(!split);
    m_requests->setName(split ? tr("All requests") : tr("Requests"));
    if (split) {
        // The busiest few get a line each; the "all" line keeps the total honest.
        constexpr int maxLines = 6;
        std::map<QString, qint64> volume;
        for (const UsageSeriesPoint &p : points)
            volume[p.series] += p.totals.requests;
        std::vector<std::pair<QString, qint64>> ranked(volume.begin(), volume.end());
        std::stable_sort(ranked.begin(), ranked.end(),
                         [](const auto &a, const auto &b) { return a.second > b.second; });
        if (ranked.size() > size_t(maxLines))
            ranked.resize(size_t(maxLines));
        for (const auto &[name, total] : ranked) {
            Q_UNUSED(total);
            auto *line = new QLineSeries;
            line->setName(name.isEmpty() ? tr("(none)") : name);
            line->setPointsVisible(true);
            QList<QPointF> values;
            for (const UsageSeriesPoint &p : points) {
                if (p.series == name)
                    values.append(QPointF(double(p.bucketStartMs), double(p.totals.requests)));
            }
            line->replace(values);
            m_chart->addSeries(line);
            line->attachAxis(m_timeAxis);
            line->attachAxis(m_requestsAxis);
            m_splitSeries.push_back(line);
        }
    }
    QList<QPointF> requests;
    QList<QPointF> credits;
    double maxRequests = 0;
    double maxCredits = 0;
    for (const UsageSeriesPoint &p : m_model->points()) {
        requests.append(QPointF(double(p.bucketStartMs), double(p.totals.requests)));
        credits.append(QPointF(double(p.bucketStartMs), p.totals.credits));
        maxRequests = qMax(maxRequests, double(p.totals.requests));
        maxCredits = qMax(maxCredits, p.totals.credits);
    }
    m_requests->replace(requests);
    m_credits->replace(credits);
    m_requestsAxis->setRange(0, niceCeiling(maxRequests));
    m_requestsAxis->applyNiceNumbers();
    m_creditsAxis->setRange(0, maxCredits > 0 ? maxCredits : 1.0);
    m_creditsAxis->applyNiceNumbers();
}

void UsageWidget::exportCsv()
{
    const QString path = m_prompter.saveFileName(
        this, tr("Export usage"), QStringLiteral("drawbridge-usage.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(m_model->toCsv().toUtf8()) < 0) {
        m_prompter.error(this, tr("Export usage"),
                         tr("Could not write %1: %2").arg(path, file.errorString()));
    }
}

} // namespace Drawbridge
