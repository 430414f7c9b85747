// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <utility>
#include <vector>

#include "adminmodule.h"
#include "histogram.h"
#include "metricslabelmap.h"
#include "poolstatus.h"
#include "requestrecord.h"

namespace Drawbridge {

class Clock;

/**
 * @brief The gateway's counters, gauges and histograms, served as Prometheus text (0.0.4) and as JSON.
 *
 * requestFinished() and upstreamError() are on the request path: they only touch atomics (relaxed) and find
 * labelled series without a lock once a label combination exists (see MetricsLabelMap). They may be called
 * from any thread, concurrently with a scrape. Gauges are read at scrape time from the callbacks given at
 * construction, on the scraping thread.
 */
class Metrics final : public RequestObserver, public MetricsSource
{
public:
    using PoolStatusSource = std::function<PoolStatus()>;
    /** (account id, status) of every configured account; status as in /admin/accounts ("active", …). */
    using AccountStates = std::vector<std::pair<QString, QString>>;
    using AccountStatusSource = std::function<AccountStates()>;

    /** Label combinations kept per family before new ones are folded into one "__overflow__" series. */
    static constexpr std::size_t maxSeriesPerFamily = 1000;

    /** Either source may be empty (no pool yet): the gauges then read 0 and no account_up series exist. */
    Metrics(const Clock &clock, PoolStatusSource poolStatus, AccountStatusSource accountStates = {});
    ~Metrics() override;
    Q_DISABLE_COPY_MOVE(Metrics)

    void requestFinished(const RequestRecord &record) override;
    /** One failed upstream attempt (the pool calls this, also for attempts that a failover later rescued). */
    void upstreamError(const QString &accountId, const QString &kind);

    QByteArray prometheusText() const override;
    QByteArray json() const override;

    /** Bucket bounds, in seconds. */
    static std::vector<double> requestDurationBuckets();
    static std::vector<double> timeToFirstTokenBuckets();
    static std::vector<double> gatewayOverheadBuckets();

private:
    struct Counter
    {
        std::atomic<quint64> value { 0 };
    };
    struct FloatCounter
    {
        std::atomic<double> value { 0 };
    };

    const PoolStatusSource m_poolStatus;
    const AccountStatusSource m_accountStates;
    const qint64 m_startMs;

    MetricsLabelMap<Counter, 2> m_requests { maxSeriesPerFamily }; ///< model, status
    MetricsLabelMap<FloatCounter, 1> m_credits { maxSeriesPerFamily }; ///< account
    MetricsLabelMap<Counter, 1> m_rateLimited { maxSeriesPerFamily }; ///< key
    MetricsLabelMap<Counter, 2> m_upstreamErrors { maxSeriesPerFamily }; ///< account, kind
    std::atomic<quint64> m_promptTokens { 0 };
    std::atomic<quint64> m_completionTokens { 0 };
    Histogram m_requestDuration;
    Histogram m_upstreamDuration;
    Histogram m_timeToFirstToken;
    Histogram m_gatewayOverhead;
};

} // namespace Drawbridge
