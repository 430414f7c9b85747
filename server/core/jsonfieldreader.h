// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

#include "server/core/apierror.h"

namespace Drawbridge {

/**
 * @brief Reads the typed fields of a JSON request object, each bounded, and turns the first problem into a
 * 400 naming the field (docs/api.md#errors).
 *
 * Every reader returns nullopt when the field is absent, when it is null and null is allowed, and after a
 * problem; a field the caller must tell apart as absent or null is checked with has(). The first problem
 * wins: later reads do not overwrite it, so the client hears about one field at a time, in reading order.
 */
class JsonFieldReader final
{
public:
    enum class EmptyBody { IsObject, IsError };
    enum class Null { Allowed, Refused };

    /** @p body must be a JSON object; otherwise error() is 400 `invalid_json`. */
    explicit JsonFieldReader(const QByteArray &body, EmptyBody empty = EmptyBody::IsError);

    /** Present in the object, null included. */
    bool has(QLatin1StringView field) const;
    QStringList fields() const { return m_object.keys(); }

    std::optional<QString> string(QLatin1StringView field, qsizetype maxChars, Null null = Null::Allowed);
    std::optional<qint64> integer(QLatin1StringView field, qint64 min, qint64 max, Null null = Null::Allowed);
    std::optional<bool> boolean(QLatin1StringView field, Null null = Null::Allowed);
    std::optional<QStringList> stringList(QLatin1StringView field, qsizetype maxItems, qsizetype maxChars,
                                          Null null = Null::Allowed);
    /** An ISO-8601 date-time (`2027-01-31T00:00:00Z`) as milliseconds since the epoch. */
    std::optional<qint64> dateTime(QLatin1StringView field, Null null = Null::Allowed);

    /** Records a problem the caller found in @p field (a range, an unknown id), unless one is recorded. */
    void fail(const QString &field, const QString &message);

    bool ok() const { return !m_error.has_value(); }
    /** 400 `invalid_json`, or 400 with `param` naming the field; empty while ok(). */
    const std::optional<ApiError> &error() const { return m_error; }

private:
    /** The field's value when it is present, not null and no problem is recorded yet. */
    std::optional<QJsonValue> value(QLatin1StringView field, Null null, const char *expected);

    QJsonObject m_object;
    std::optional<ApiError> m_error;
};

} // namespace Drawbridge
