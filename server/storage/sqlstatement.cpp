// SPDX-License-Identifier: MIT
#include "sqlstatement.h"

#include <QSqlDatabase>
#include <QSqlError>

#include "server/storage/database.h"

namespace Drawbridge {

SqlStatement::SqlStatement(const QSqlDatabase &db, const QString &sql) : m_query(db), m_sql(sql)
{
    // Results are read once, front to back; forward-only avoids QtSql caching every row.
    m_query.setForwardOnly(true);
    if (!m_query.prepare(sql)) {
        m_prepareError = m_query.lastError().text();
        Database::noteFailure(m_query);
    }
}

SqlStatement &SqlStatement::bind(const QVariant &value)
{
    m_query.addBindValue(value);
    return *this;
}

Status SqlStatement::exec(const QString &context)
{
    if (!m_prepareError.isEmpty())
        return Error { QStringLiteral("%1: cannot prepare \"%2\": %3").arg(context, m_sql, m_prepareError) };
    if (!m_query.exec()) {
        Database::noteFailure(m_query); // a lost connection is opened again by the next operation
        return Error { QStringLiteral("%1: %2").arg(context, m_query.lastError().text()) };
    }
    return Ok {};
}

std::optional<qint64> SqlStatement::optionalInt64(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

std::optional<int> SqlStatement::optionalInt(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toInt();
}

std::optional<double> SqlStatement::optionalDouble(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toDouble();
}

} // namespace Drawbridge
