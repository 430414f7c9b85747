// SPDX-License-Identifier: MIT
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <atomic>
#include <cmath>
#include <map>
#include <thread>
#include <vector>

#include "server/core/metrics.h"
#include "tests/core/tst_metrics_prometheusparser.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"

using namespace Drawbridge;
using Test::PrometheusText;

namespace {

using Labels = PrometheusText::Labels;

RequestRecord makeRecord(const QString &model, const QString &status,
                         const QString &key = QStringLiteral("aaaa2222"),
                         const QString &account = QStringLiteral("acct-1"))
{
    RequestRecord r;
    r.model = model;
    r.status = status;
    r.keyId = key;
    r.accountId = account;
    r.httpStatus = status == QLatin1String("success") ? 200 : 500;
    r.latencyMs = 100;
    r.overheadSeconds = 0.0002;
    return r;
}

double valueOr(const PrometheusText &text, const QString &name, const Labels &labels, double fallback = -1)
{
    return text.value(name, labels).value_or(fallback);
}

// Expected cumulative count of observations <= bound.
quint64 countAtMost(const std::vector<double> &observed, double bound)
{
    return quint64(std::count_if(observed.begin(), observed.end(), [bound](double v) { return v <= bound; }));
}

} // namespace

// Parses the metrics' Prometheus text into `var`, failing the test (with the text) when it is not valid.
#define PARSE_METRICS(var, metrics)                                                                          \
    auto var##Parsed = PrometheusText::parse((metrics).prometheusText());                                    \
    QVERIFY2(var##Parsed.ok(),                                                                               \
             QByteArray(Test::resultText(var##Parsed) + "\n" + (metrics).prometheusText()).constData());     \
    const PrometheusText &var = *var##Parsed

class TstMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parserRejectsInvalidText_data();
    void parserRejectsInvalidText();
    void parserAcceptsValidText();
    void emptyMetricsAreValid();
    void countsMatchRecorded_data();
    void countsMatchRecorded();
    void histogramBucketBoundaries_data();
    void histogramBucketBoundaries();
    void labelValuesAreEscaped_data();
    void labelValuesAreEscaped();
    void gaugesComeFromThePool();
    void upstreamErrorsAreCounted();
    void concurrentRecordingLosesNothing();
    void seriesAreCappedPerFamily();
    void jsonMatchesPrometheus();
};

void TstMetrics::parserRejectsInvalidText_data()
{
    QTest::addColumn<QByteArray>("text");
    const QByteArray counter = "# TYPE c counter\n";
    const QByteArray histogram = "# TYPE h histogram\n";
    QTest::newRow("no-final-newline") << QByteArray(counter + "c 1");
    QTest::newRow("undeclared") << QByteArray("x 1\n");
    QTest::newRow("sample-before-type") << QByteArray("c 1\n" + counter);
    QTest::newRow("type-after-sample") << QByteArray("# HELP c x\nc 1\n# TYPE c counter\n");
    QTest::newRow("second-type") << QByteArray(counter + counter + "c 1\n");
    QTest::newRow("unknown-type") << QByteArray("# TYPE c meter\nc 1\n");
    QTest::newRow("duplicate-series") << QByteArray(counter + "c{a=\"1\"} 1\nc{a=\"1\"} 2\n");
    QTest::newRow("not-grouped") << QByteArray(counter + "c{a=\"1\"} 1\n# TYPE g gauge\ng 1\nc{a=\"2\"} 1\n");
    QTest::newRow("negative-counter") << QByteArray(counter + "c -1\n");
    QTest::newRow("bad-value") << QByteArray(counter + "c one\n");
    QTest::newRow("bad-escape") << QByteArray(counter + "c{a=\"\\t\"} 1\n");
    QTest::newRow("unterminated-label") << QByteArray(counter + "c{a=\"x} 1\n");
    QTest::newRow("trailing-comma") << QByteArray(counter + "c{a=\"x\",} 1\n");
    QTest::newRow("duplicate-label") << QByteArray(counter + "c{a=\"x\",a=\"y\"} 1\n");
    QTest::newRow("blank-line") << QByteArray(counter + "\nc 1\n");
    QTest::newRow("missing-inf") << QByteArray(histogram + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");
    QTest::newRow("not-cumulative") << QByteArray(
        histogram
        + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n");
    QTest::newRow("le-not-ascending") << QByteArray(
        histogram
        + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n");
    QTest::newRow("inf-not-count") << QByteArray(histogram + "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n");
    QTest::newRow("no-sum") << QByteArray(histogram + "h_bucket{le=\"+Inf\"} 2\nh_count 2\n");
    QTest::newRow("bare-histogram-name") << QByteArray(histogram + "h 1\n");
}

void TstMetrics::parserRejectsInvalidText()
{
    QFETCH(QByteArray, text);
    const auto result = PrometheusText::parse(text);
    QVERIFY2(!result.ok(), text.constData());
}

void TstMetrics::parserAcceptsValidText()
{
    const QByteArray text
        = "# HELP c A counter with \\\\ and \\n.\n# TYPE c counter\nc{a=\"x\\\"y\\\\z\\nw\",b=\"\"} 3\n"
          "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5\nh_count 2\n"
          "# TYPE g gauge\ng -2.5e-3 1700000000000\n";
    const auto result = PrometheusText::parse(text);
    DRAWBRIDGE_VERIFY_OK(result);
    QCOMPARE(result->value(QStringLiteral("c"),
                           { { QStringLiteral("a"), QStringLiteral("x\"y\\z\nw") },
                             { QStringLiteral("b"), QString() } }),
             3.0);
    QCOMPARE(result->value(QStringLiteral("h_count")), 2.0);
    QCOMPARE(result->value(QStringLiteral("g")), -0.0025);
    QCOMPARE(result->type(QStringLiteral("h")), QStringLiteral("histogram"));
}

void TstMetrics::emptyMetricsAreValid()
{
    Test::FakeClock clock(1'700'000'000'000);
    Metrics metrics(clock, {});
    PARSE_METRICS(text, metrics);
    for (const char *family :
         { "drawbridge_requests_total", "drawbridge_tokens_total", "drawbridge_credits_total",
           "drawbridge_rate_limited_total", "drawbridge_upstream_errors_total" })
        QCOMPARE(text.type(QLatin1String(family)), QStringLiteral("counter"));
    for (const char *family :
         { "drawbridge_request_duration_seconds", "drawbridge_upstream_duration_seconds",
           "drawbridge_time_to_first_token_seconds", "drawbridge_gateway_overhead_seconds" }) {
        QCOMPARE(text.type(QLatin1String(family)), QStringLiteral("histogram"));
        QCOMPARE(text.value(QLatin1String(family) + QLatin1String("_count")), 0.0);
    }
    for (const char *family :
         { "drawbridge_slots_total", "drawbridge_slots_in_use", "drawbridge_queue_depth",
           "drawbridge_account_up", "drawbridge_build_info", "process_start_time_seconds" })
        QCOMPARE(text.type(QLatin1String(family)), QStringLiteral("gauge"));
    QVERIFY(text.samples(QStringLiteral("drawbridge_requests_total")).empty());
    QVERIFY(text.samples(QStringLiteral("drawbridge_account_up")).empty());
    QCOMPARE(text.value(QStringLiteral("drawbridge_slots_total")), 0.0);
    QCOMPARE(text.value(QStringLiteral("process_start_time_seconds")), 1'700'000'000.0);
    QCOMPARE(text.value(QStringLiteral("drawbridge_build_info"),
                        { { QStringLiteral("version"), QStringLiteral(DRAWBRIDGE_VERSION) },
                          { QStringLiteral("qt"), QString::fromLatin1(qVersion()) } }),
             1.0);
}

void TstMetrics::countsMatchRecorded_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("count");
    QTest::newRow("few") << 1u << 10;
    QTest::newRow("many-seed2") << 2u << 2000;
    QTest::newRow("many-seed3") << 3u << 5000;
}

void TstMetrics::countsMatchRecorded()
{
    QFETCH(quint32, seed);
    QFETCH(int, count);
    QRandomGenerator rng(seed);
    const QStringList models
        = { QStringLiteral("kiro"), QStringLiteral("claude-sonnet-4.5"), QStringLiteral("gpt-4o") };
    const QStringList statuses = { QStringLiteral("success"), QStringLiteral("error"),
                                   QStringLiteral("rate_limited"), QStringLiteral("upstream_error") };
    const QStringList keys = { QStringLiteral("aaaa2222"), QStringLiteral("bbbb3333"), QString() };
    const QStringList accounts = { QStringLiteral("acct-1"), QStringLiteral("acct-2") };

    Test::FakeClock clock;
    Metrics metrics(clock, {});
    std::map<std::pair<QString, QString>, double> requests;
    std::map<QString, double> credits;
    std::map<QString, double> rateLimited;
    double prompt = 0, completion = 0;
    std::vector<double> latencies, upstream, ttft, overhead;
    for (int i = 0; i < count; ++i) {
        RequestRecord r
            = makeRecord(models[rng.bounded(models.size())], statuses[rng.bounded(statuses.size())],
                         keys[rng.bounded(keys.size())], accounts[rng.bounded(accounts.size())]);
        r.latencyMs = rng.bounded(400'000);
        r.upstreamSeconds = rng.bounded(3) == 0 ? 0.0 : double(rng.bounded(100'000)) / 1000.0;
        r.ttftMs = rng.bounded(4) == 0 ? -1 : rng.bounded(60'000);
        r.overheadSeconds = double(rng.bounded(200'000)) / 1e6;
        r.usage.promptTokens = rng.bounded(5000);
        r.usage.completionTokens = rng.bounded(2000);
        r.usage.hasCredits = rng.bounded(2) == 0;
        r.usage.credits = r.usage.hasCredits ? double(rng.bounded(10'000)) / 1000.0 : 0.0;
        metrics.requestFinished(r);

        requests[{ r.model, r.status }] += 1;
        if (r.usage.hasCredits)
            credits[r.accountId] += r.usage.credits;
        if (r.status == QLatin1String("rate_limited"))
            rateLimited[r.keyId] += 1;
        prompt += r.usage.promptTokens;
        completion += r.usage.completionTokens;
        latencies.push_back(double(r.latencyMs) / 1000.0);
        if (r.upstreamSeconds > 0)
            upstream.push_back(r.upstreamSeconds);
        if (r.ttftMs >= 0)
            ttft.push_back(double(r.ttftMs) / 1000.0);
        overhead.push_back(r.overheadSeconds);
    }

    PARSE_METRICS(text, metrics);
    QCOMPARE(text.samples(QStringLiteral("drawbridge_requests_total")).size(), requests.size());
    for (const auto &[labels, n] : requests)
        QCOMPARE(valueOr(text, QStringLiteral("drawbridge_requests_total"),
                         { { QStringLiteral("model"), labels.first },
                           { QStringLiteral("status"), labels.second } }),
                 n);
    QCOMPARE(text.samples(QStringLiteral("drawbridge_credits_total")).size(), credits.size());
    for (const auto &[account, sum] : credits) {
        const double got = valueOr(text, QStringLiteral("drawbridge_credits_total"),
                                   { { QStringLiteral("account"), account } });
        QVERIFY2(std::abs(got - sum) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(got).arg(sum)));
    }
    QCOMPARE(text.samples(QStringLiteral("drawbridge_rate_limited_total")).size(), rateLimited.size());
    for (const auto &[key, n] : rateLimited)
        QCOMPARE(valueOr(text, QStringLiteral("drawbridge_rate_limited_total"),
                         { { QStringLiteral("key"), key } }),
                 n);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_tokens_total"),
                     { { QStringLiteral("type"), QStringLiteral("prompt") } }),
             prompt);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_tokens_total"),
                     { { QStringLiteral("type"), QStringLiteral("completion") } }),
             completion);

    const auto checkHistogram = [&text](const QString &name, const std::vector<double> &observed,
                                        const std::vector<double> &bounds) {
        QCOMPARE(valueOr(text, name + QLatin1String("_count"), {}), double(observed.size()));
        double sum = 0;
        for (double v : observed)
            sum += v;
        const double gotSum = valueOr(text, name + QLatin1String("_sum"), {});
        QVERIFY2(std::abs(gotSum - sum) <= 1e-6 * std::max(1.0, sum), qPrintable(name));
        const auto buckets = text.samples(name + QLatin1String("_bucket"));
        QCOMPARE(buckets.size(), bounds.size() + 1);
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            QCOMPARE(buckets[i].labels.value(QStringLiteral("le")).toDouble(), bounds[i]);
            QCOMPARE(buckets[i].value, double(countAtMost(observed, bounds[i])));
        }
    };
    checkHistogram(QStringLiteral("drawbridge_request_duration_seconds"), latencies,
                   Metrics::requestDurationBuckets());
    checkHistogram(QStringLiteral("drawbridge_upstream_duration_seconds"), upstream,
                   Metrics::requestDurationBuckets());
    checkHistogram(QStringLiteral("drawbridge_time_to_first_token_seconds"), ttft,
                   Metrics::timeToFirstTokenBuckets());
    checkHistogram(QStringLiteral("drawbridge_gateway_overhead_seconds"), overhead,
                   Metrics::gatewayOverheadBuckets());
}

void TstMetrics::histogramBucketBoundaries_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("firstLe"); // smallest bucket that counts it; "" = none (ignored)
    QTest::addColumn<double>("sum");
    QTest::newRow("exactly-on-bound-is-inside") << 0.01 << QStringLiteral("0.01") << 0.01;
    QTest::newRow("just-above-bound") << 0.0100001 << QStringLiteral("0.025") << 0.0100001;
    QTest::newRow("zero") << 0.0 << QStringLiteral("0.005") << 0.0;
    QTest::newRow("negative-counts-as-zero") << -3.0 << QStringLiteral("0.005") << 0.0;
    QTest::newRow("largest-bound") << 300.0 << QStringLiteral("300") << 300.0;
    QTest::newRow("beyond-all-bounds") << 301.0 << QStringLiteral("+Inf") << 301.0;
    QTest::newRow("nan-ignored") << std::nan("") << QString() << 0.0;
}

void TstMetrics::histogramBucketBoundaries()
{
    QFETCH(double, value);
    QFETCH(QString, firstLe);
    QFETCH(double, sum);
    Histogram histogram(Metrics::requestDurationBuckets());
    histogram.observe(value);
    const Histogram::Snapshot s = histogram.snapshot();
    QCOMPARE(s.count, firstLe.isEmpty() ? 0u : 1u);
    QCOMPARE(s.sum, sum);
    QCOMPARE(s.cumulativeCounts.size(), s.upperBounds.size() + 1);
    bool reached = false;
    for (std::size_t i = 0; i <= s.upperBounds.size(); ++i) {
        const QString le
            = i == s.upperBounds.size() ? QStringLiteral("+Inf") : QString::number(s.upperBounds[i]);
        reached = reached || le == firstLe;
        QCOMPARE(s.cumulativeCounts[i], reached ? 1u : 0u);
    }
    QCOMPARE(reached, !firstLe.isEmpty());
}

void TstMetrics::labelValuesAreEscaped_data()
{
    QTest::addColumn<QString>("model");
    QTest::newRow("plain") << QStringLiteral("claude-sonnet-4.5");
    QTest::newRow("quote") << QStringLiteral("say \"hi\"");
    QTest::newRow("backslash") << QStringLiteral("C:\\models\\x");
    QTest::newRow("newline") << QStringLiteral("two\nlines");
    QTest::newRow("all-and-trailing-backslash") << QStringLiteral("\"\\\n\\");
    QTest::newRow("braces-and-comma") << QStringLiteral("a},b=\"c\"");
    QTest::newRow("unicode") << QStringLiteral("mod\u00e8le-\u6a21\u578b");
    QTest::newRow("empty") << QString();
}

void TstMetrics::labelValuesAreEscaped()
{
    QFETCH(QString, model);
    Test::FakeClock clock;
    Metrics metrics(clock, {});
    metrics.requestFinished(makeRecord(model, QStringLiteral("success")));
    metrics.requestFinished(makeRecord(QStringLiteral("other"), QStringLiteral("success")));
    RequestRecord limited = makeRecord(model, QStringLiteral("rate_limited"), model);
    metrics.requestFinished(limited);
    PARSE_METRICS(text, metrics);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_requests_total"),
                     { { QStringLiteral("model"), model },
                       { QStringLiteral("status"), QStringLiteral("success") } }),
             1.0);
    QCOMPARE(
        valueOr(text, QStringLiteral("drawbridge_rate_limited_total"), { { QStringLiteral("key"), model } }),
        1.0);
}

void TstMetrics::gaugesComeFromThePool()
{
    Test::FakeClock clock;
    PoolStatus pool { 2, 2, 6, 2, 4, 7 };
    Metrics::AccountStates accounts
        = { { QStringLiteral("a1"), QStringLiteral("active") },
            { QStringLiteral("a2"), QStringLiteral("cooling_down") },
            { QStringLiteral("a2"), QStringLiteral("cooling_down") }, // reported twice
            { QStringLiteral("a\"3"), QStringLiteral("needs_login") } };
    Metrics metrics(
        clock, [&pool] { return pool; }, [&accounts] { return accounts; });
    PARSE_METRICS(text, metrics);
    QCOMPARE(text.value(QStringLiteral("drawbridge_slots_total")), 6.0);
    QCOMPARE(text.value(QStringLiteral("drawbridge_slots_in_use")), 4.0);
    QCOMPARE(text.value(QStringLiteral("drawbridge_queue_depth")), 7.0);
    QCOMPARE(text.samples(QStringLiteral("drawbridge_account_up")).size(), 3u);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_account_up"),
                     { { QStringLiteral("account"), QStringLiteral("a1") },
                       { QStringLiteral("status"), QStringLiteral("active") } }),
             1.0);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_account_up"),
                     { { QStringLiteral("account"), QStringLiteral("a2") },
                       { QStringLiteral("status"), QStringLiteral("cooling_down") } }),
             0.0);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_account_up"),
                     { { QStringLiteral("account"), QStringLiteral("a\"3") },
                       { QStringLiteral("status"), QStringLiteral("needs_login") } }),
             0.0);

    // Gauges are read at scrape time, not cached.
    pool = PoolStatus { 1, 1, 3, 3, 0, 0 };
    accounts = { { QStringLiteral("a1"), QStringLiteral("suspended") } };
    PARSE_METRICS(later, metrics);
    QCOMPARE(later.value(QStringLiteral("drawbridge_slots_total")), 3.0);
    QCOMPARE(later.value(QStringLiteral("drawbridge_slots_in_use")), 0.0);
    QCOMPARE(later.value(QStringLiteral("drawbridge_queue_depth")), 0.0);
    QCOMPARE(later.samples(QStringLiteral("drawbridge_account_up")).size(), 1u);
    QCOMPARE(valueOr(later, QStringLiteral("drawbridge_account_up"),
                     { { QStringLiteral("account"), QStringLiteral("a1") },
                       { QStringLiteral("status"), QStringLiteral("suspended") } }),
             0.0);
}

void TstMetrics::upstreamErrorsAreCounted()
{
    Test::FakeClock clock;
    Metrics metrics(clock, {});
    for (int i = 0; i < 3; ++i)
        metrics.upstreamError(QStringLiteral("a1"), QStringLiteral("throttled"));
    metrics.upstreamError(QStringLiteral("a1"), QStringLiteral("timeout"));
    metrics.upstreamError(QStringLiteral("a2"), QStringLiteral("throttled"));
    PARSE_METRICS(text, metrics);
    QCOMPARE(text.samples(QStringLiteral("drawbridge_upstream_errors_total")).size(), 3u);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_upstream_errors_total"),
                     { { QStringLiteral("account"), QStringLiteral("a1") },
                       { QStringLiteral("kind"), QStringLiteral("throttled") } }),
             3.0);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_upstream_errors_total"),
                     { { QStringLiteral("account"), QStringLiteral("a1") },
                       { QStringLiteral("kind"), QStringLiteral("timeout") } }),
             1.0);
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_upstream_errors_total"),
                     { { QStringLiteral("account"), QStringLiteral("a2") },
                       { QStringLiteral("kind"), QStringLiteral("throttled") } }),
             1.0);
}

void TstMetrics::concurrentRecordingLosesNothing()
{
    // Several threads create new label combinations at once (forcing the lock-free table to grow while others
    // read it) and a scraper runs alongside; every increment must still be counted exactly once.
    Test::FakeClock clock;
    Metrics metrics(clock, {});
    constexpr int threads = 4;
    constexpr int perThread = 20'000;
    constexpr int models = 300;
    std::atomic<bool> done { false };
    std::atomic<int> scrapes { 0 };
    std::thread scraper([&] {
        while (!done.load()) {
            if (!PrometheusText::parse(metrics.prometheusText()).ok())
                return;
            scrapes.fetch_add(1);
        }
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&metrics, t] {
            for (int i = 0; i < perThread; ++i) {
                RequestRecord r
                    = makeRecord(QStringLiteral("m%1").arg((i * 7 + t) % models), QStringLiteral("success"));
                r.usage.promptTokens = 1;
                r.usage.hasCredits = true;
                r.usage.credits = 0.5;
                metrics.requestFinished(r);
                metrics.upstreamError(QStringLiteral("a%1").arg(i % 50), QStringLiteral("timeout"));
            }
        });
    }
    for (auto &w : workers)
        w.join();
    done.store(true);
    scraper.join();
    QVERIFY(scrapes.load() > 0);

    PARSE_METRICS(text, metrics);
    const auto series = text.samples(QStringLiteral("drawbridge_requests_total"));
    QCOMPARE(int(series.size()), models);
    double total = 0;
    for (const auto &s : series)
        total += s.value;
    QCOMPARE(total, double(threads * perThread));
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_tokens_total"),
                     { { QStringLiteral("type"), QStringLiteral("prompt") } }),
             double(threads * perThread));
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_credits_total"),
                     { { QStringLiteral("account"), QStringLiteral("acct-1") } }),
             0.5 * threads * perThread);
    QCOMPARE(text.value(QStringLiteral("drawbridge_request_duration_seconds_count")),
             double(threads * perThread));
    double errors = 0;
    for (const auto &s : text.samples(QStringLiteral("drawbridge_upstream_errors_total")))
        errors += s.value;
    QCOMPARE(errors, double(threads * perThread));
}

void TstMetrics::seriesAreCappedPerFamily()
{
    Test::FakeClock clock;
    Metrics metrics(clock, {});
    const int distinct = int(Metrics::maxSeriesPerFamily) + 250;
    for (int i = 0; i < distinct; ++i)
        metrics.requestFinished(makeRecord(QStringLiteral("model-%1").arg(i), QStringLiteral("success")));
    PARSE_METRICS(text, metrics);
    const auto series = text.samples(QStringLiteral("drawbridge_requests_total"));
    QCOMPARE(series.size(), Metrics::maxSeriesPerFamily + 1);
    double total = 0;
    for (const auto &s : series)
        total += s.value;
    QCOMPARE(total, double(distinct));
    QCOMPARE(valueOr(text, QStringLiteral("drawbridge_requests_total"),
                     { { QStringLiteral("model"), QStringLiteral("__overflow__") },
                       { QStringLiteral("status"), QStringLiteral("__overflow__") } }),
             250.0);
}

void TstMetrics::jsonMatchesPrometheus()
{
    Test::FakeClock clock(1'700'000'000'000);
    const PoolStatus pool { 3, 2, 6, 1, 5, 2 };
    Metrics metrics(
        clock, [pool] { return pool; },
        [] {
            return Metrics::AccountStates { { QStringLiteral("a1"), QStringLiteral("active") } };
        });
    RequestRecord r = makeRecord(QStringLiteral("kiro"), QStringLiteral("success"));
    r.usage.promptTokens = 10;
    r.usage.completionTokens = 5;
    r.usage.hasCredits = true;
    r.usage.credits = 0.25;
    r.ttftMs = 300;
    metrics.requestFinished(r);
    metrics.requestFinished(r);
    metrics.requestFinished(makeRecord(QStringLiteral("kiro"), QStringLiteral("rate_limited")));
    metrics.upstreamError(QStringLiteral("a1"), QStringLiteral("throttled"));

    QJsonParseError error;
    const QJsonObject root = QJsonDocument::fromJson(metrics.json(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(root.value(QLatin1String("requests_total")).toDouble(), 3.0);
    const QJsonArray requests = root.value(QLatin1String("requests")).toArray();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests[0].toObject().value(QLatin1String("status")).toString(),
             QStringLiteral("rate_limited"));
    QCOMPARE(requests[1].toObject().value(QLatin1String("count")).toDouble(), 2.0);
    QCOMPARE(root.value(QLatin1String("tokens")).toObject().value(QLatin1String("prompt")).toDouble(), 20.0);
    QCOMPARE(root.value(QLatin1String("tokens")).toObject().value(QLatin1String("completion")).toDouble(),
             10.0);
    QCOMPARE(root.value(QLatin1String("credits"))
                 .toArray()[0]
                 .toObject()
                 .value(QLatin1String("credits"))
                 .toDouble(),
             0.5);
    QCOMPARE(root.value(QLatin1String("rate_limited"))
                 .toArray()[0]
                 .toObject()
                 .value(QLatin1String("key"))
                 .toString(),
             QStringLiteral("aaaa2222"));
    QCOMPARE(root.value(QLatin1String("upstream_errors")).toArray().size(), 1);
    const QJsonObject ttft = root.value(QLatin1String("histograms"))
                                 .toObject()
                                 .value(QLatin1String("time_to_first_token_seconds"))
                                 .toObject();
    QCOMPARE(ttft.value(QLatin1String("count")).toDouble(), 2.0);
    QCOMPARE(ttft.value(QLatin1String("sum")).toDouble(), 0.6);
    const QJsonObject poolJson = root.value(QLatin1String("pool")).toObject();
    QCOMPARE(poolJson.value(QLatin1String("total_slots")).toInt(), 6);
    QCOMPARE(poolJson.value(QLatin1String("available_slots")).toInt(), 1);
    QCOMPARE(poolJson.value(QLatin1String("slots_in_use")).toInt(), 5);
    QCOMPARE(poolJson.value(QLatin1String("in_flight")).toInt(), 5);
    QCOMPARE(poolJson.value(QLatin1String("queued")).toInt(), 2);
    QCOMPARE(poolJson.value(QLatin1String("enabled_accounts")).toInt(), 3);
    QCOMPARE(poolJson.value(QLatin1String("usable_accounts")).toInt(), 2);
    QCOMPARE(
        root.value(QLatin1String("accounts")).toArray()[0].toObject().value(QLatin1String("up")).toBool(),
        true);
    QCOMPARE(root.value(QLatin1String("start_time")).toString(), QStringLiteral("2023-11-14T22:13:20.000Z"));
}

QTEST_GUILESS_MAIN(TstMetrics)
#include "tst_metrics.moc"
