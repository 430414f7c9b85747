// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <vector>

#include "server/core/result.h"

class QSqlDatabase;
struct sqlite3;
struct sqlite3_stmt;

namespace Drawbridge {

/**
 * @brief A statement prepared once on a QtSql SQLite connection's own sqlite3 handle and run through SQLite's
 * C API.
 *
 * For hot paths only (the usage ledger): QSqlQuery builds a placeholder name and a hash entry for every bound
 * value and re-reads the parameter names on every exec, which costs more than SQLite's own work per row.
 * Values are bound as Qt's SQLite driver binds them (a null QString as NULL, text as UTF-16 or, when it is
 * ASCII, as the same bytes in UTF-8), so rows come out the same as through QSqlQuery. Use it on the
 * connection's thread only, and destroy it before the connection is closed: SQLite refuses to close a handle
 * with statements left.
 */
class SqliteStatement final
{
public:
    /** The sqlite3 handle under @p db, or nullptr when @p db is not an open QSQLITE connection. */
    static sqlite3 *handleOf(const QSqlDatabase &db);

    SqliteStatement() = default;
    ~SqliteStatement();
    Q_DISABLE_COPY_MOVE(SqliteStatement)

    /** Compiles @p sql (UTF-8) on @p db; kept for the statement's lifetime. */
    Status prepare(sqlite3 *db, const QByteArray &sql);
    bool isPrepared() const { return m_stmt != nullptr; }

    // Parameters are numbered from 1, each bound once per run(). The text is not copied: it must stay alive
    // until run() returns.
    void bindInt64(int index, qint64 value);
    void bindDouble(int index, double value);
    void bindNull(int index);
    /** NULL for a null QString (as QSqlQuery binds it), else the text, '' for an empty one. */
    void bindText(int index, const QString &text);
    /** '' for a null QString (for NOT NULL columns), else the text. */
    void bindTextOrEmpty(int index, const QString &text);

    /**
     * Steps the statement to its end and makes it ready for the next bindings; the error names @p context
     * and SQLite's message. A failed bind since the last run() fails the run without stepping.
     */
    Status run(const char *context);

private:
    void noteBind(int rc);
    void bindPendingTexts();

    struct PendingText
    {
        int index;
        const char16_t *data;
        qsizetype size;
    };

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
    int m_bindError = 0;
    // Texts are bound at run(): the ASCII ones (nearly all: ids, models, statuses) as UTF-8 narrowed into
    // m_ascii, which saves SQLite a UTF-16 conversion and an allocation per value.
    std::vector<PendingText> m_pendingTexts;
    std::vector<char> m_ascii;
};

} // namespace Drawbridge
