// SPDX-License-Identifier: MIT
#include "teamsnapshot.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

#include <algorithm>
#include <map>

namespace Drawbridge {

namespace {

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// Sums the labelled counters of the instances' arrays (`requests`, `credits`...): rows with the same
// @p labels add up their @p value. Ordered by label so the answer does not depend on which instance wrote
// first.
class LabelledSum
{
public:
    LabelledSum(QStringList labels, QString value)
        : m_labels(std::move(labels)), m_value(std::move(value)) { }

    void add(const QJsonArray &rows)
    {
        for (const QJsonValue &row : rows) {
            const QJsonObject o = row.toObject();
            QStringList key;
            for (const QString &label : m_labels)
                key.append(o.value(label).toString());
            m_sums[key] += o.value(m_value).toDouble();
        }
    }

    QJsonArray json() const
    {
        QJsonArray out;
        for (const auto &[key, sum] : m_sums) {
            QJsonObject o;
            for (qsizetype i = 0; i < m_labels.size(); ++i)
                o.insert(m_labels[i], key[i]);
            o.insert(m_value, sum);
            out.append(o);
        }
        return out;
    }

private:
    QStringList m_labels;
    QString m_value;
    std::map<QStringList, double> m_sums;
};

} // namespace

int TeamSnapshot::inFlight() const
{
    int sum = 0;
    for (const Instance &i : instances)
        sum += i.inFlight;
    return sum;
}

int TeamSnapshot::queued() const
{
    int sum = 0;
    for (const Instance &i : instances)
        sum += i.queued;
    return sum;
}

QString TeamSnapshot::accountStatus(const PoolStatus &pool)
{
    if (pool.usableAccounts == 0)
        return QStringLiteral("unavailable");
    if (pool.usableAccounts < pool.enabledAccounts)
        return QStringLiteral("degraded");
    return QStringLiteral("healthy");
}

QJsonObject TeamSnapshot::healthJson(const PoolStatus &pool, qint64 nowMs) const
{
    // The accounts, their states and slot counts are the team's (shared); the leases are every instance's.
    return QJsonObject {
        { QLatin1String("status"), accountStatus(pool) },
        { QLatin1String("instances"), int(instances.size()) },
        { QLatin1String("in_flight"), inFlight() },
        { QLatin1String("queued"), queued() },
        { QLatin1String("total_slots"), pool.totalSlots },
        { QLatin1String("slots_in_use"), slotsInUse },
        { QLatin1String("available_slots"), std::max(pool.totalSlots - slotsInUse, 0) },
        { QLatin1String("as_of"), isoTime(asOfMs) },
        { QLatin1String("age_ms"), double(std::max<qint64>(nowMs - asOfMs, 0)) },
    };
}

QJsonObject TeamSnapshot::metricsJson(qint64 nowMs) const
{
    QJsonArray perInstance;
    double requestsTotal = 0;
    double promptTokens = 0;
    double completionTokens = 0;
    LabelledSum requests({ QStringLiteral("model"), QStringLiteral("status") }, QStringLiteral("count"));
    LabelledSum credits({ QStringLiteral("account") }, QStringLiteral("credits"));
    LabelledSum rateLimited({ QStringLiteral("key") }, QStringLiteral("count"));
    LabelledSum upstreamErrors({ QStringLiteral("account"), QStringLiteral("kind") },
                               QStringLiteral("count"));
    for (const Instance &i : instances) {
        // An instance's metrics are its own JSON; one that cannot be read counts as empty, not as an error.
        const QJsonObject m = QJsonDocument::fromJson(i.metricsJson).object();
        requestsTotal += m.value(QLatin1String("requests_total")).toDouble();
        const QJsonObject tokens = m.value(QLatin1String("tokens")).toObject();
        promptTokens += tokens.value(QLatin1String("prompt")).toDouble();
        completionTokens += tokens.value(QLatin1String("completion")).toDouble();
        requests.add(m.value(QLatin1String("requests")).toArray());
        credits.add(m.value(QLatin1String("credits")).toArray());
        rateLimited.add(m.value(QLatin1String("rate_limited")).toArray());
        upstreamErrors.add(m.value(QLatin1String("upstream_errors")).toArray());
        perInstance.append(QJsonObject { { QLatin1String("id"), i.id },
                                         { QLatin1String("start_time"), isoTime(i.startedAtMs) },
                                         { QLatin1String("last_seen"), isoTime(i.lastSeenMs) },
                                         { QLatin1String("in_flight"), i.inFlight },
                                         { QLatin1String("queued"), i.queued },
                                         { QLatin1String("metrics"), m } });
    }
    const QJsonObject totals {
        { QLatin1String("requests_total"), requestsTotal },
        { QLatin1String("tokens"),
          QJsonObject { { QLatin1String("prompt"), promptTokens },
                        { QLatin1String("completion"), completionTokens } } },
        { QLatin1String("requests"), requests.json() },
        { QLatin1String("credits"), credits.json() },
        { QLatin1String("rate_limited"), rateLimited.json() },
        { QLatin1String("upstream_errors"), upstreamErrors.json() },
        { QLatin1String("in_flight"), inFlight() },
        { QLatin1String("queued"), queued() },
        { QLatin1String("slots_in_use"), slotsInUse },
    };
    return QJsonObject { { QLatin1String("as_of"), isoTime(asOfMs) },
                         { QLatin1String("age_ms"), double(std::max<qint64>(nowMs - asOfMs, 0)) },
                         { QLatin1String("instances"), perInstance },
                         { QLatin1String("totals"), totals } };
}

} // namespace Drawbridge
