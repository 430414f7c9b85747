// SPDX-License-Identifier: MIT
#pragma once

#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <optional>

#include "server/core/result.h"

class QSqlDatabase;

namespace Drawbridge {

/**
 * @brief A prepared, positionally bound statement whose failures come back as Result errors with context.
 *
 * Values only ever reach SQLite as bound parameters; the SQL text is always a constant.
 */
class SqlStatement final
{
public:
    SqlStatement(const QSqlDatabase &db, const QString &sql);

    /** Binds the next `?`; an invalid QVariant (see nullable()) binds NULL. */
    SqlStatement &bind(const QVariant &value);
    /** Runs the statement; @p context names the operation in the error ("insert api key abcd2345"). */
    Status exec(const QString &context);

    bool next() { return m_query.next(); }
    QVariant value(int column) const { return m_query.value(column); }
    /** Rows changed by the last INSERT/UPDATE/DELETE. */
    int rowsAffected() const { return m_query.numRowsAffected(); }

    /** NULL for nullopt, else the value. */
    template<typename T> static QVariant nullable(const std::optional<T> &value)
    {
        return value ? QVariant::fromValue(*value) : QVariant();
    }
    /** NULL for an empty string, so "not set" has one representation in the database. */
    static QVariant nullableText(const QString &text) { return text.isEmpty() ? QVariant() : QVariant(text); }
    static std::optional<qint64> optionalInt64(const QVariant &value);
    static std::optional<int> optionalInt(const QVariant &value);
    static std::optional<double> optionalDouble(const QVariant &value);

private:
    QSqlQuery m_query;
    QString m_sql;
    QString m_prepareError;
};

} // namespace Drawbridge
