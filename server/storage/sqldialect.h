// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QSqlDatabase;

namespace Drawbridge {

/**
 * @brief The few places where SQLite and PostgreSQL SQL differ, chosen by a connection's driver.
 *
 * Everything else in storage is written once, in the SQL both engines accept (qualified columns in upserts,
 * CASE instead of SQLite's two-argument max(), coalesce(sum()) instead of total()).
 */
class SqlDialect final
{
public:
    /** Whether @p db is a QPSQL (PostgreSQL) connection; otherwise it is SQLite. */
    static bool isPostgres(const QSqlDatabase &db);

    /**
     * A migration's DDL, written for SQLite, as @p db's engine needs it. For PostgreSQL: INTEGER becomes
     * BIGINT (times are milliseconds), REAL becomes DOUBLE PRECISION, an `INTEGER PRIMARY KEY` row id
     * becomes an identity column, WITHOUT ROWID goes, and a table marked with the comment UNLOGGED (between
     * comment delimiters, before TABLE) becomes an unlogged table. The SQLite text is returned unchanged, so
     * released migration steps keep meaning exactly what they meant.
     */
    static QString ddl(const QSqlDatabase &db, const QString &sqliteDdl);

    /**
     * Starts a write transaction that holds its write lock from the start: SQLite's BEGIN IMMEDIATE (so
     * busy_timeout applies instead of a mid-transaction BUSY), PostgreSQL's BEGIN (row locks are taken as
     * rows are written).
     */
    static QString beginWrite(const QSqlDatabase &db);
};

} // namespace Drawbridge
