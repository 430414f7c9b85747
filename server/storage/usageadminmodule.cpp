// SPDX-License-Identifier: MIT
#include "usageadminmodule.h"

#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTime>

#include <limits>

#include "server/core/apierror.h"
#include "server/core/logging.h"
#include "server/storage/usageledger.h"
#include "server/storage/usagequery.h"

namespace Drawbridge {

namespace {

const QString fromParam = QStringLiteral("from");
const QString toParam = QStringLiteral("to");
const QString groupByParam = QStringLiteral("group_by");

AdminReply badParam(const QString &param, const QString &message)
{
    return AdminReply::failure(ApiError { ApiErrorKind::InvalidRequest, message, param });
}

std::optional<UsageGroupBy> groupByFromText(const QString &text)
{
    if (text == QLatin1String("key"))
        return UsageGroupBy::Key;
    if (text == QLatin1String("model"))
        return UsageGroupBy::Model;
    if (text == QLatin1String("account"))
        return UsageGroupBy::Account;
    if (text == QLatin1String("day"))
        return UsageGroupBy::Day;
    if (text == QLatin1String("hour"))
        return UsageGroupBy::Hour;
    return std::nullopt;
}

QJsonObject totalsJson(const UsageTotals &t)
{
    return QJsonObject { { QLatin1String("requests"), double(t.requests) },
                         { QLatin1String("errors"), double(t.errors) },
                         { QLatin1String("prompt_tokens"), double(t.promptTokens) },
                         { QLatin1String("completion_tokens"), double(t.completionTokens) },
                         { QLatin1String("credits"), t.credits } };
}

QJsonValue isoOrNull(const std::optional<qint64> &ms)
{
    if (!ms)
        return QJsonValue(QJsonValue::Null);
    return QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

UsageAdminModule::UsageAdminModule(const UsageQuery &query, UsageLedger *ledger)
    : m_query(query), m_ledger(ledger)
{
}

std::vector<AdminRoute> UsageAdminModule::routes()
{
    return { { "GET", QStringLiteral("usage"),
               [this](const AdminRequest &request, AdminResponder reply) { reply(usage(request)); } } };
}

std::optional<qint64> UsageAdminModule::parseTime(const QString &text)
{
    // YYYY-MM-DD, optionally followed by Thh:mm[:ss[.fraction]] and Z or ±hh[:mm]; no offset means UTC.
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?"
                       "([Zz]|[+-]\\d{2}(?::?\\d{2})?)?)?$"));
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const QDate date(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
    if (!date.isValid())
        return std::nullopt;
    QTime time(0, 0);
    qint64 offsetMs = 0;
    if (m.hasCaptured(4)) {
        // Only milliseconds matter; further fraction digits are cut off.
        const int ms = m.hasCaptured(7) ? m.captured(7).left(3).leftJustified(3, u'0').toInt() : 0;
        time = QTime(m.captured(4).toInt(), m.captured(5).toInt(),
                     m.hasCaptured(6) ? m.captured(6).toInt() : 0, ms);
        if (!time.isValid())
            return std::nullopt;
        const QString zone = m.captured(8);
        if (!zone.isEmpty() && zone.compare(QLatin1String("z"), Qt::CaseInsensitive) != 0) {
            const QString digits = zone.mid(1).remove(u':');
            const int hours = digits.left(2).toInt();
            const int minutes = digits.size() > 2 ? digits.mid(2).toInt() : 0;
            if (hours > 18 || minutes > 59)
                return std::nullopt;
            offsetMs = (qint64(hours) * 60 + minutes) * 60'000 * (zone.startsWith(u'-') ? -1 : 1);
        }
    }
    return QDateTime(date, time, Qt::UTC).toMSecsSinceEpoch() - offsetMs;
}

AdminReply UsageAdminModule::usage(const AdminRequest &request) const
{
    std::optional<qint64> from;
    std::optional<qint64> to;
    for (const auto &[name, bound] : { std::pair(fromParam, &from), std::pair(toParam, &to) }) {
        if (!request.query.hasQueryItem(name))
            continue;
        const QString text = request.query.queryItemValue(name, QUrl::FullyDecoded);
        *bound = parseTime(text);
        if (!*bound)
            return badParam(name,
                            QStringLiteral("'%1' is not an ISO 8601 date (2025-01-31) or date-time "
                                           "(2025-01-31T13:00:00Z): '%2'.")
                                .arg(name, text));
    }
    if (from && to && *from > *to)
        return badParam(fromParam, QStringLiteral("'from' must not be later than 'to'."));

    UsageGroupBy groupBy = UsageGroupBy::Key;
    QString groupByText = QStringLiteral("key");
    if (request.query.hasQueryItem(groupByParam)) {
        groupByText = request.query.queryItemValue(groupByParam, QUrl::FullyDecoded);
        const auto parsed = groupByFromText(groupByText);
        if (!parsed)
            return badParam(
                groupByParam,
                QStringLiteral("'group_by' must be one of key, model, account, day, hour; got '%1'.")
                    .arg(groupByText));
        groupBy = *parsed;
    }

    if (m_ledger) {
        // A failed flush still leaves everything committed so far readable; answer with that. Bounded: this
        // is the gateway thread, and the writer runs at idle priority (slow only when every core is busy).
        if (const Status flushed = m_ledger->flush(std::chrono::seconds(2)); !flushed)
            qCWarning(lcStorage) << "usage report without the latest records:" << flushed.error();
    }
    const auto report = m_query.usage(from.value_or(std::numeric_limits<qint64>::min()),
                                      to.value_or(std::numeric_limits<qint64>::max()), groupBy);
    if (!report) {
        qCWarning(lcStorage) << "usage report failed:" << report.error();
        return AdminReply::failure(
            ApiError { ApiErrorKind::Internal, QStringLiteral("Reading the usage ledger failed.") });
    }

    QJsonArray data;
    for (const UsageRow &row : report->rows) {
        QJsonObject o = totalsJson(row.totals);
        // Requests without a key (401s), model or account are grouped under null rather than "".
        o.insert(QLatin1String("group"),
                 row.group.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(row.group));
        data.append(o);
    }
    const QJsonObject root { { QLatin1String("data"), data },
                             { QLatin1String("totals"), totalsJson(report->totals) },
                             { QLatin1String("from"), isoOrNull(from) },
                             { QLatin1String("to"), isoOrNull(to) },
                             { QLatin1String("group_by"), groupByText } };
    return AdminReply::ok(200, root);
}

} // namespace Drawbridge
