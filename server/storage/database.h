// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>

#include "server/core/result.h"
#include "server/storage/postgresurl.h"

class QObject;

namespace Drawbridge {

/**
 * @brief The application's database: an SQLite file, a process-private in-memory SQLite database, or (team
 * mode) a PostgreSQL database shared by several instances.
 *
 * QtSql connections may only be used by the thread that opened them, so Database hands out one named
 * connection per thread (connection() opens the calling thread's on demand). Every connection gets the same
 * pragmas: WAL (file databases), foreign_keys=ON, busy_timeout and synchronous=NORMAL.
 *
 * open() refuses a file that is not an SQLite database or fails `PRAGMA quick_check`, and never writes to it.
 * openPostgres() connects through QtSql's QPSQL driver and fails (never falls back to SQLite) when the driver
 * is missing or the server cannot be reached; every PostgreSQL connection runs in UTC with a statement
 * timeout, so a stuck server cannot hang a thread forever.
 * The schema is not touched here; run Migrations::migrate() on connection() after opening.
 *
 * Destroy the Database after every thread that used it has stopped using its connections (and after all
 * QSqlDatabase/QSqlQuery copies are gone): the destructor removes all connections.
 */
class Database final
{
public:
    /** busy_timeout of every connection: how long a writer waits for another connection's lock. */
    static constexpr int busyTimeoutMs = 5000;

    /** Opens (creating if absent, with its parent directory) the database file at @p filePath. */
    static Result<std::unique_ptr<Database>> open(const QString &filePath);
    /** Opens a new, empty in-memory database shared by all connections of this Database and nothing else. */
    static Result<std::unique_ptr<Database>> openInMemory();
    /** Connects to the PostgreSQL database @p url names (team mode). */
    static Result<std::unique_ptr<Database>> openPostgres(const PostgresUrl &url);
    /** Statement timeout of every PostgreSQL connection. */
    static constexpr int postgresStatementTimeoutMs = 30'000;

    ~Database();
    Q_DISABLE_COPY_MOVE(Database)

    /**
     * The calling thread's connection, opened on first use. A PostgreSQL connection that noteFailure() saw
     * lost (the server restarted, the backend was terminated, the network dropped) is opened again here, so
     * the next operation after a failed one reconnects without a restart.
     */
    Result<QSqlDatabase> connection() const;
    /**
     * After @p query failed: when the failure says the PostgreSQL connection is gone, marks it so the next
     * connection() of its thread opens a new one (its prepared statements go with the old one). Anything
     * else is left alone.
     */
    static void noteFailure(const QSqlQuery &query);
    /** Whether @p error means the connection to the server is gone (SQLSTATE class 08, 57P01-57P03...). */
    static bool isConnectionLost(const QSqlError &error);
    /** noteFailure() marked @p db lost; its thread's next connection() replaces it. */
    static bool isMarkedLost(const QSqlDatabase &db);
    /** How many times a lost connection of this Database was opened again (diagnostics and tests). */
    int reconnects() const { return m_reconnects.load(); }
    /**
     * A statement prepared once on the calling thread's connection and kept for it (hot paths: on PostgreSQL
     * every QSqlQuery::prepare() is a PREPARE round trip and its destruction a DEALLOCATE). Bind and exec it
     * on this thread only; it lives until the connection is released.
     */
    Result<QSqlQuery *> cachedStatement(const QString &sql) const;
    /** How many cached statements all connections hold (diagnostics; tests check they go with their thread).
     */
    int cachedStatementCount() const;
    /**
     * Closes and removes the calling thread's connection. Worker threads call this before they end; for
     * QThreads it also happens automatically when the thread finishes. The connection that open() created is
     * kept for the Database's lifetime (an in-memory database lives only while a connection is open).
     */
    void releaseConnection() const;

    /** Empty for an in-memory or a PostgreSQL database. */
    QString filePath() const { return m_filePath; }
    bool isInMemory() const { return !m_postgres && m_filePath.isEmpty(); }
    bool isPostgres() const { return m_postgres; }
    /** What to call this database in messages: the file, ":memory:", or the URL without its password. */
    QString displayName() const;
    /** Name of the calling thread's connection (whether open or not). */
    QString connectionName() const;

private:
    Database(QString filePath, QString sqliteName);
    explicit Database(const PostgresUrl &url);
    Result<QSqlDatabase> openConnection(const QString &name, bool verifyIntegrity) const;
    Status configure(const QSqlDatabase &db, bool verifyIntegrity) const;
    void watchThreadEnd(const QString &name) const;
    void removeConnection(const QString &name) const;

    const QString m_filePath;
    const QString m_sqliteName; ///< what QSQLITE opens: the file path or a memdb URI
    const bool m_postgres = false;
    const PostgresUrl m_url; ///< only when m_postgres
    const QString m_baseName; ///< unique per Database; connection names append a thread serial
    QString m_primaryName;
    std::unique_ptr<QObject> m_lifetime; ///< context for thread-end hooks, so they stop when we are gone
    mutable std::atomic<int> m_reconnects { 0 };
    mutable std::mutex m_mutex;
    mutable QSet<QString> m_connections; ///< names of the open connections
    /** Per connection name: prepared statements by SQL text (cachedStatement()), dropped before the
     * connection. */
    mutable QHash<QString, QHash<QString, std::shared_ptr<QSqlQuery>>> m_statements;
};

} // namespace Drawbridge
