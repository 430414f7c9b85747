// SPDX-License-Identifier: MIT
#include "metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <map>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "clock.h"

namespace Drawbridge {

namespace {

using Label = std::pair<const char *, QString>;

// Prometheus text format 0.0.4: in label values only backslash, double quote and line feed are escaped.
void appendLabelValue(QByteArray &out, const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    for (const char c : utf8) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
}

// Shortest text that reads back as the same double, in the Go ParseFloat syntax Prometheus uses.
void appendNumber(QByteArray &out, double value)
{
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr - buffer);
}

void appendNumber(QByteArray &out, quint64 value)
{
    out += QByteArray::number(value);
}

void appendFamily(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

template<typename Value>
void appendSample(QByteArray &out, const char *name, const char *suffix, std::initializer_list<Label> labels,
                  Value value)
{
    out += name;
    out += suffix;
    if (labels.size() > 0) {
        out += '{';
        bool first = true;
        for (const Label &label : labels) {
            if (!first)
                out += ',';
            first = false;
            out += label.first;
            out += "=\"";
            appendLabelValue(out, label.second);
            out += '"';
        }
        out += '}';
    }
    out += ' ';
    appendNumber(out, value);
    out += '\n';
}

void appendHistogram(QByteArray &out, const char *name, const char *help, const Histogram &histogram)
{
    appendFamily(out, name, "histogram", help);
    const Histogram::Snapshot s = histogram.snapshot();
    for (std::size_t i = 0; i < s.upperBounds.size(); ++i) {
        QByteArray le;
        appendNumber(le, s.upperBounds[i]);
        appendSample(out, name, "_bucket", { { "le", QString::fromLatin1(le) } }, s.cumulativeCounts[i]);
    }
    appendSample(out, name, "_bucket", { { "le", QStringLiteral("+Inf") } }, s.count);
    appendSample(out, name, "_sum", {}, s.sum);
    appendSample(out, name, "_count", {}, s.count);
}

QJsonObject histogramJson(const Histogram &histogram)
{
    const Histogram::Snapshot s = histogram.snapshot();
    QJsonArray buckets;
    for (std::size_t i = 0; i < s.upperBounds.size(); ++i)
        buckets.append(QJsonObject { { QLatin1String("le"), s.upperBounds[i] },
                                     { QLatin1String("count"), double(s.cumulativeCounts[i]) } });
    return QJsonObject { { QLatin1String("count"), double(s.count) },
                         { QLatin1String("sum"), s.sum },
                         { QLatin1String("buckets"), buckets } };
}

// Duplicate (account, status) pairs from the source would be duplicate series, which scrapers reject.
std::map<std::pair<QString, QString>, int> accountUp(const Metrics::AccountStatusSource &source)
{
    std::map<std::pair<QString, QString>, int> up;
    if (!source)
        return up;
    for (const auto &[account, status] : source())
        up.emplace(std::pair(account, status), status == QLatin1String("active") ? 1 : 0);
    return up;
}

} // namespace

Metrics::Metrics(const Clock &clock, PoolStatusSource poolStatus, AccountStatusSource accountStates)
    : m_poolStatus(std::move(poolStatus))
    , m_accountStates(std::move(accountStates))
    , m_startMs(clock.nowMs())
    , m_requestDuration(requestDurationBuckets())
    , m_upstreamDuration(requestDurationBuckets())
    , m_timeToFirstToken(timeToFirstTokenBuckets())
    , m_gatewayOverhead(gatewayOverheadBuckets())
{
}

Metrics::~Metrics() = default;

std::vector<double> Metrics::requestDurationBuckets()
{
    // LLM calls range from a fast refusal to minutes of streamed output.
    return { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300 };
}

std::vector<double> Metrics::timeToFirstTokenBuckets()
{
    return { 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120 };
}

std::vector<double> Metrics::gatewayOverheadBuckets()
{
    // The gateway's own work should be tens of microseconds; the fine low end shows regressions early.
    return {
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1
    };
}

void Metrics::requestFinished(const RequestRecord &record)
{
    m_requests.at({ record.model, record.status }).value.fetch_add(1, std::memory_order_relaxed);
    m_requestDuration.observe(double(record.latencyMs) / 1000.0);
    // Requests refused before reaching the pool (401, 429, bad JSON) have no upstream time to report.
    if (record.upstreamSeconds > 0)
        m_upstreamDuration.observe(record.upstreamSeconds);
    if (record.ttftMs >= 0)
        m_timeToFirstToken.observe(double(record.ttftMs) / 1000.0);
    m_gatewayOverhead.observe(record.overheadSeconds);
    if (record.usage.promptTokens > 0)
        m_promptTokens.fetch_add(quint64(record.usage.promptTokens), std::memory_order_relaxed);
    if (record.usage.completionTokens > 0)
        m_completionTokens.fetch_add(quint64(record.usage.completionTokens), std::memory_order_relaxed);
    if (record.usage.hasCredits)
        m_credits.at({ record.accountId }).value.fetch_add(record.usage.credits, std::memory_order_relaxed);
    if (record.status == QLatin1String("rate_limited"))
        m_rateLimited.at({ record.keyId }).value.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::upstreamError(const QString &accountId, const QString &kind)
{
    m_upstreamErrors.at({ accountId, kind }).value.fetch_add(1, std::memory_order_relaxed);
}

QByteArray Metrics::prometheusText() const
{
    QByteArray out;
    out.reserve(8192);

    appendFamily(out, "drawbridge_build_info", "gauge", "Build information; the value is always 1.");
    appendSample(
        out, "drawbridge_build_info", "",
        { { "version", QStringLiteral(DRAWBRIDGE_VERSION) }, { "qt", QString::fromLatin1(qVersion()) } },
        quint64(1));
    appendFamily(out, "process_start_time_seconds", "gauge",
                 "Start time of the process since the Unix epoch.");
    appendSample(out, "process_start_time_seconds", "", {}, double(m_startMs) / 1000.0);

    appendFamily(out, "drawbridge_requests_total", "counter",
                 "API requests by the model id the client sent and outcome.");
    m_requests.forEach([&out](const auto &labels, const Counter &c) {
        appendSample(out, "drawbridge_requests_total", "",
                     { { "model", labels[0] }, { "status", labels[1] } },
                     c.value.load(std::memory_order_relaxed));
    });

    appendHistogram(out, "drawbridge_request_duration_seconds", "Time from request arrival to the last byte.",
                    m_requestDuration);
    appendHistogram(out, "drawbridge_upstream_duration_seconds", "Time spent waiting on upstream calls.",
                    m_upstreamDuration);
    appendHistogram(out, "drawbridge_time_to_first_token_seconds",
                    "Time from request arrival to the first output token.", m_timeToFirstToken);
    appendHistogram(out, "drawbridge_gateway_overhead_seconds",
                    "Time spent in the gateway itself, upstream wait excluded.", m_gatewayOverhead);

    appendFamily(out, "drawbridge_tokens_total", "counter",
                 "Tokens processed (estimated where Kiro gives none).");
    appendSample(out, "drawbridge_tokens_total", "", { { "type", QStringLiteral("prompt") } },
                 m_promptTokens.load(std::memory_order_relaxed));
    appendSample(out, "drawbridge_tokens_total", "", { { "type", QStringLiteral("completion") } },
                 m_completionTokens.load(std::memory_order_relaxed));

    appendFamily(out, "drawbridge_credits_total", "counter",
                 "Upstream credits metered through this gateway.");
    m_credits.forEach([&out](const auto &labels, const FloatCounter &c) {
        appendSample(out, "drawbridge_credits_total", "", { { "account", labels[0] } },
                     c.value.load(std::memory_order_relaxed));
    });

    appendFamily(out, "drawbridge_rate_limited_total", "counter",
                 "Requests refused by a client key's rate limit.");
    m_rateLimited.forEach([&out](const auto &labels, const Counter &c) {
        appendSample(out, "drawbridge_rate_limited_total", "", { { "key", labels[0] } },
                     c.value.load(std::memory_order_relaxed));
    });

    appendFamily(out, "drawbridge_upstream_errors_total", "counter",
                 "Failed upstream attempts by account and kind.");
    m_upstreamErrors.forEach([&out](const auto &labels, const Counter &c) {
        appendSample(out, "drawbridge_upstream_errors_total", "",
                     { { "account", labels[0] }, { "kind", labels[1] } },
                     c.value.load(std::memory_order_relaxed));
    });

    const PoolStatus pool = m_poolStatus ? m_poolStatus() : PoolStatus {};
    appendFamily(out, "drawbridge_slots_total", "gauge", "Slots of the accounts usable right now.");
    appendSample(out, "drawbridge_slots_total", "", {}, quint64(std::max(pool.totalSlots, 0)));
    appendFamily(out, "drawbridge_slots_in_use", "gauge", "Busy slots among them.");
    appendSample(out, "drawbridge_slots_in_use", "", {},
                 quint64(std::max(pool.totalSlots - pool.availableSlots, 0)));
    appendFamily(out, "drawbridge_queue_depth", "gauge", "Requests waiting for a free slot.");
    appendSample(out, "drawbridge_queue_depth", "", {}, quint64(std::max(pool.queued, 0)));
    appendFamily(out, "drawbridge_requests_in_flight", "gauge", "Requests being served upstream.");
    appendSample(out, "drawbridge_requests_in_flight", "", {}, quint64(std::max(pool.inFlight, 0)));

    appendFamily(out, "drawbridge_account_up", "gauge",
                 "1 when the account can serve requests, else 0; the status label says why.");
    for (const auto &[labels, up] : accountUp(m_accountStates))
        appendSample(out, "drawbridge_account_up", "",
                     { { "account", labels.first }, { "status", labels.second } }, quint64(up));
    return out;
}

QByteArray Metrics::json() const
{
    QJsonObject root;
    root.insert(QLatin1String("version"), QStringLiteral(DRAWBRIDGE_VERSION));
    root.insert(QLatin1String("start_time"),
                QDateTime::fromMSecsSinceEpoch(m_startMs, Qt::UTC).toString(Qt::ISODateWithMs));

    QJsonArray requests;
    quint64 requestsTotal = 0;
    m_requests.forEach([&](const auto &labels, const Counter &c) {
        const quint64 n = c.value.load(std::memory_order_relaxed);
        requestsTotal += n;
        requests.append(QJsonObject { { QLatin1String("model"), labels[0] },
                                      { QLatin1String("status"), labels[1] },
                                      { QLatin1String("count"), double(n) } });
    });
    root.insert(QLatin1String("requests"), requests);
    root.insert(QLatin1String("requests_total"), double(requestsTotal));

    root.insert(
        QLatin1String("tokens"),
        QJsonObject {
            { QLatin1String("prompt"), double(m_promptTokens.load(std::memory_order_relaxed)) },
            { QLatin1String("completion"), double(m_completionTokens.load(std::memory_order_relaxed)) } });

    QJsonArray credits;
    m_credits.forEach([&](const auto &labels, const FloatCounter &c) {
        credits.append(QJsonObject { { QLatin1String("account"), labels[0] },
                                     { QLatin1String("credits"), c.value.load(std::memory_order_relaxed) } });
    });
    root.insert(QLatin1String("credits"), credits);

    QJsonArray rateLimited;
    m_rateLimited.forEach([&](const auto &labels, const Counter &c) {
        rateLimited.append(
            QJsonObject { { QLatin1String("key"), labels[0] },
                          { QLatin1String("count"), double(c.value.load(std::memory_order_relaxed)) } });
    });
    root.insert(QLatin1String("rate_limited"), rateLimited);

    QJsonArray upstreamErrors;
    m_upstreamErrors.forEach([&](const auto &labels, const Counter &c) {
        upstreamErrors.append(
            QJsonObject { { QLatin1String("account"), labels[0] },
                          { QLatin1String("kind"), labels[1] },
                          { QLatin1String("count"), double(c.value.load(std::memory_order_relaxed)) } });
    });
    root.insert(QLatin1String("upstream_errors"), upstreamErrors);

    root.insert(
        QLatin1String("histograms"),
        QJsonObject { { QLatin1String("request_duration_seconds"), histogramJson(m_requestDuration) },
                      { QLatin1String("upstream_duration_seconds"), histogramJson(m_upstreamDuration) },
                      { QLatin1String("time_to_first_token_seconds"), histogramJson(m_timeToFirstToken) },
                      { QLatin1String("gateway_overhead_seconds"), histogramJson(m_gatewayOverhead) } });

    const PoolStatus pool = m_poolStatus ? m_poolStatus() : PoolStatus {};
    root.insert(
        QLatin1String("pool"),
        QJsonObject { { QLatin1String("enabled_accounts"), pool.enabledAccounts },
                      { QLatin1String("usable_accounts"), pool.usableAccounts },
                      { QLatin1String("total_slots"), pool.totalSlots },
                      { QLatin1String("available_slots"), pool.availableSlots },
                      { QLatin1String("slots_in_use"), std::max(pool.totalSlots - pool.availableSlots, 0) },
                      { QLatin1String("in_flight"), pool.inFlight },
                      { QLatin1String("queued"), pool.queued } });

    QJsonArray accounts;
    for (const auto &[labels, up] : accountUp(m_accountStates))
        accounts.append(QJsonObject { { QLatin1String("id"), labels.first },
                                      { QLatin1String("status"), labels.second },
                                      { QLatin1String("up"), up == 1 } });
    root.insert(QLatin1String("accounts"), accounts);

    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

} // namespace Drawbridge
