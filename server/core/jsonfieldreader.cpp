// SPDX-License-Identifier: MIT
#include "jsonfieldreader.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace Drawbridge {

JsonFieldReader::JsonFieldReader(const QByteArray &body, EmptyBody empty)
{
    if (body.trimmed().isEmpty() && empty == EmptyBody::IsObject)
        return;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        m_error = ApiError { ApiErrorKind::InvalidJson,
                             QStringLiteral("The request body must be a JSON object.") };
        return;
    }
    m_object = doc.object();
}

bool JsonFieldReader::has(QLatin1StringView field) const
{
    return m_object.contains(field);
}

std::optional<QJsonValue> JsonFieldReader::value(QLatin1StringView field, Null null, const char *expected)
{
    if (m_error)
        return std::nullopt;
    const QJsonValue v = m_object.value(field);
    if (v.isUndefined())
        return std::nullopt;
    if (v.isNull()) {
        if (null == Null::Refused)
            fail(field, QStringLiteral("'%1' must be %2, not null.").arg(field, QLatin1String(expected)));
        return std::nullopt;
    }
    return v;
}

std::optional<QString> JsonFieldReader::string(QLatin1StringView field, qsizetype maxChars, Null null)
{
    const auto v = value(field, null, "a string");
    if (!v)
        return std::nullopt;
    if (!v->isString()) {
        fail(field, QStringLiteral("'%1' must be a string.").arg(field));
        return std::nullopt;
    }
    QString s = v->toString();
    if (s.size() > maxChars) {
        fail(field, QStringLiteral("'%1' must be at most %2 characters long.").arg(field).arg(maxChars));
        return std::nullopt;
    }
    return s;
}

std::optional<qint64> JsonFieldReader::integer(QLatin1StringView field, qint64 min, qint64 max, Null null)
{
    const auto v = value(field, null, "an integer");
    if (!v)
        return std::nullopt;
    // JSON numbers arrive as doubles; only whole numbers inside the range (which keeps them exact) pass.
    const double d = v->toDouble(std::nan(""));
    if (!v->isDouble() || d != std::floor(d) || d < double(min) || d > double(max)) {
        fail(field,
             QStringLiteral("'%1' must be an integer between %2 and %3%4.")
                 .arg(field)
                 .arg(min)
                 .arg(max)
                 .arg(null == Null::Allowed ? QStringLiteral(", or null") : QString()));
        return std::nullopt;
    }
    return qint64(d);
}

std::optional<bool> JsonFieldReader::boolean(QLatin1StringView field, Null null)
{
    const auto v = value(field, null, "true or false");
    if (!v)
        return std::nullopt;
    if (!v->isBool()) {
        fail(field, QStringLiteral("'%1' must be true or false.").arg(field));
        return std::nullopt;
    }
    return v->toBool();
}

std::optional<QStringList> JsonFieldReader::stringList(QLatin1StringView field, qsizetype maxItems,
                                                       qsizetype maxChars, Null null)
{
    const auto v = value(field, null, "an array of strings");
    if (!v)
        return std::nullopt;
    if (!v->isArray()) {
        fail(field, QStringLiteral("'%1' must be an array of strings.").arg(field));
        return std::nullopt;
    }
    const QJsonArray array = v->toArray();
    if (array.size() > maxItems) {
        fail(field, QStringLiteral("'%1' may hold at most %2 entries.").arg(field).arg(maxItems));
        return std::nullopt;
    }
    QStringList out;
    for (const QJsonValue &item : array) {
        if (!item.isString() || item.toString().size() > maxChars) {
            fail(field,
                 QStringLiteral("'%1' must be an array of strings of at most %2 characters.")
                     .arg(field)
                     .arg(maxChars));
            return std::nullopt;
        }
        out.append(item.toString());
    }
    return out;
}

std::optional<qint64> JsonFieldReader::dateTime(QLatin1StringView field, Null null)
{
    const auto v = value(field, null, "an ISO-8601 date-time");
    if (!v)
        return std::nullopt;
    const QDateTime t = v->isString() ? QDateTime::fromString(v->toString(), Qt::ISODateWithMs) : QDateTime();
    if (!t.isValid()) {
        fail(field,
             QStringLiteral("'%1' must be an ISO-8601 date-time, e.g. 2027-01-31T00:00:00Z.").arg(field));
        return std::nullopt;
    }
    return t.toMSecsSinceEpoch();
}

void JsonFieldReader::fail(const QString &field, const QString &message)
{
    if (!m_error)
        m_error = ApiError { ApiErrorKind::InvalidRequest, message, field };
}

} // namespace Drawbridge
