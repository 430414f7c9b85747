// SPDX-License-Identifier: MIT
#include "sqlitestatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

namespace Drawbridge {

namespace {

// A zero-length text needs a non-null pointer: sqlite3_bind_text16() binds NULL for a null one.
constexpr char16_t emptyText[] = u"";

} // namespace

sqlite3 *SqliteStatement::handleOf(const QSqlDatabase &db)
{
    if (!db.isOpen() || db.driverName() != QLatin1String("QSQLITE"))
        return nullptr;
    // Qt's SQLite driver hands out its sqlite3* under this type name (QSQLiteDriver::handle()); the plugin
    // links the system libsqlite3, the same library this one links, so the handle is usable here.
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_stmt);
}

Status SqliteStatement::prepare(sqlite3 *db, const QByteArray &sql)
{
    sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
    m_db = db;
    // PERSISTENT: the statement is reused for every batch, so SQLite keeps it out of its lookaside memory.
    const int rc = sqlite3_prepare_v3(db, sql.constData(), int(sql.size()) + 1, SQLITE_PREPARE_PERSISTENT,
                                      &m_stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
        return Error {
            QStringLiteral("preparing a usage statement: %1").arg(QString::fromUtf8(sqlite3_errmsg(db)))
        };
    }
    return Ok {};
}

void SqliteStatement::noteBind(int rc)
{
    if (rc != SQLITE_OK && m_bindError == SQLITE_OK)
        m_bindError = rc;
}

void SqliteStatement::bindInt64(int index, qint64 value)
{
    noteBind(sqlite3_bind_int64(m_stmt, index, value));
}

void SqliteStatement::bindDouble(int index, double value)
{
    noteBind(sqlite3_bind_double(m_stmt, index, value));
}

void SqliteStatement::bindNull(int index)
{
    noteBind(sqlite3_bind_null(m_stmt, index));
}

void SqliteStatement::bindText(int index, const QString &text)
{
    if (text.isNull()) {
        bindNull(index);
        return;
    }
    if (text.isEmpty()) {
        noteBind(sqlite3_bind_text16(m_stmt, index, emptyText, 0, SQLITE_STATIC));
        return;
    }
    m_pendingTexts.push_back({ index, reinterpret_cast<const char16_t *>(text.utf16()), text.size() });
}

void SqliteStatement::bindPendingTexts()
{
    qsizetype total = 0;
    for (const PendingText &t : m_pendingTexts)
        total += t.size;
    if (m_ascii.size() < size_t(total))
        m_ascii.resize(size_t(total)); // only grows: the pointers bound below stay valid until the step
    char *out = m_ascii.data();
    for (const PendingText &t : m_pendingTexts) {
        char16_t seen = 0;
        for (qsizetype i = 0; i < t.size; ++i) {
            seen |= t.data[i];
            out[i] = char(t.data[i]);
        }
        if (seen < 0x80) {
            // ASCII is the same text in UTF-8: what SQLite would have stored from the UTF-16.
            noteBind(sqlite3_bind_text(m_stmt, t.index, out, int(t.size), SQLITE_STATIC));
            out += t.size;
        } else {
            // UTF-16 as Qt's driver binds it, so SQLite does the same conversion to the database's UTF-8
            // (lone surrogates included) as on the QSqlQuery path.
            noteBind(
                sqlite3_bind_text16(m_stmt, t.index, t.data, int(t.size * sizeof(char16_t)), SQLITE_STATIC));
        }
    }
    m_pendingTexts.clear();
}

void SqliteStatement::bindTextOrEmpty(int index, const QString &text)
{
    if (text.isNull())
        noteBind(sqlite3_bind_text16(m_stmt, index, emptyText, 0, SQLITE_STATIC));
    else
        bindText(index, text);
}

Status SqliteStatement::run(const char *context)
{
    if (!m_pendingTexts.empty())
        bindPendingTexts();
    bool failed = true;
    QString failure;
    if (m_bindError != SQLITE_OK)
        failure = QString::fromUtf8(sqlite3_errstr(m_bindError));
    else if (sqlite3_step(m_stmt) != SQLITE_DONE)
        failure = QString::fromUtf8(sqlite3_errmsg(m_db)); // before the reset, which may replace it
    else
        failed = false;
    m_bindError = SQLITE_OK;
    // Reset even after a failure, so the statement holds no lock and can run again; the bindings are
    // cleared because they point into the caller's strings.
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    if (!failed)
        return Ok {};
    return Error { QLatin1String(context) + QStringLiteral(": ") + failure };
}

} // namespace Drawbridge
