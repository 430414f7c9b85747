// SPDX-License-Identifier: MIT
#include "kirousagelimits.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace Drawbridge {

namespace {

/** `<name>WithPrecision` when present, else the integer `<name>`, else 0. */
double preciseNumber(const QJsonObject &o, const QString &name)
{
    const QJsonValue precise = o.value(name + QStringLiteral("WithPrecision"));
    if (precise.isDouble())
        return precise.toDouble();
    const QJsonValue plain = o.value(name);
    if (plain.isDouble())
        return plain.toDouble();
    if (plain.isString()) // some sources serialise numbers as strings
        return plain.toString().toDouble();
    return 0.0;
}

bool isActive(const QJsonValue &status)
{
    return status.toString().compare(QStringLiteral("ACTIVE"), Qt::CaseInsensitive) == 0;
}

/** Epoch seconds (float or integer). Values that are clearly milliseconds are accepted too. */
std::optional<qint64> epochToMs(const QJsonValue &v)
{
    double d = 0.0;
    if (v.isDouble())
        d = v.toDouble();
    else if (v.isString())
        d = v.toString().toDouble();
    if (!std::isfinite(d) || d <= 0.0)
        return std::nullopt;
    // Seconds stay below 1e11 until the year 5138; anything larger was sent in milliseconds.
    return d < 1e11 ? qint64(std::llround(d * 1000.0)) : qint64(std::llround(d));
}

} // namespace

Result<KiroUsageLimits> KiroUsageLimits::parse(QByteArrayView json)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return Error { QStringLiteral("getUsageLimits answered something that is not a JSON object") };
    const QJsonObject root = doc.object();
    const QJsonArray list = root.value(QStringLiteral("usageBreakdownList")).toArray();
    if (list.isEmpty())
        return Error { QStringLiteral("getUsageLimits answered without a usageBreakdownList") };

    // In practice there is one entry; prefer the credit one when several are present.
    QJsonObject breakdown = list.first().toObject();
    for (const QJsonValue &entry : list) {
        const QJsonObject o = entry.toObject();
        if (o.value(QStringLiteral("resourceType")).toString() == QStringLiteral("CREDIT")) {
            breakdown = o;
            break;
        }
    }

    KiroUsageLimits out;
    out.usageLimit = preciseNumber(breakdown, QStringLiteral("usageLimit"));
    out.currentUsage = preciseNumber(breakdown, QStringLiteral("currentUsage"));

    const QJsonObject trial = breakdown.value(QStringLiteral("freeTrialInfo")).toObject();
    if (isActive(trial.value(QStringLiteral("freeTrialStatus")))) {
        out.usageLimit += preciseNumber(trial, QStringLiteral("usageLimit"));
        out.currentUsage += preciseNumber(trial, QStringLiteral("currentUsage"));
    }
    for (const QJsonValue &b : breakdown.value(QStringLiteral("bonuses")).toArray()) {
        const QJsonObject bonus = b.toObject();
        if (!isActive(bonus.value(QStringLiteral("status"))))
            continue;
        out.usageLimit += preciseNumber(bonus, QStringLiteral("usageLimit"));
        out.currentUsage += preciseNumber(bonus, QStringLiteral("currentUsage"));
    }

    out.nextResetMs = epochToMs(root.value(QStringLiteral("nextDateReset")));
    if (!out.nextResetMs)
        out.nextResetMs = epochToMs(breakdown.value(QStringLiteral("nextDateReset")));

    const QJsonObject subscription = root.value(QStringLiteral("subscriptionInfo")).toObject();
    out.subscriptionTitle = subscription.value(QStringLiteral("subscriptionTitle")).toString();
    out.email = root.value(QStringLiteral("userInfo")).toObject().value(QStringLiteral("email")).toString();
    out.overageEnabled = root.value(QStringLiteral("overageConfiguration"))
                             .toObject()
                             .value(QStringLiteral("overageStatus"))
                             .toString()
        == QStringLiteral("ENABLED");
    return out;
}

qint64 KiroUsageLimits::firstOfNextMonthMs(qint64 nowMs)
{
    const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC).date();
    const QDate first = QDate(today.year(), today.month(), 1).addMonths(1);
    return QDateTime(first, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
}

} // namespace Drawbridge
