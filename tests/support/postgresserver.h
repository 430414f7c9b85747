// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

#include "server/core/result.h"

namespace Drawbridge::Test {

/**
 * @brief A private PostgreSQL server for tests: initdb into a temporary directory, pg_ctl start on a Unix
 * socket in that directory (no TCP port, so parallel tests never collide), stopped and deleted afterwards.
 *
 * Uses Debian's `postgresql` binaries (/usr/lib/postgresql/N/bin, or DRAWBRIDGE_PG_BINDIR). PostgreSQL
 * refuses to run as root, so under root the server runs as the `postgres` user (runuser). Without PostgreSQL
 * start() fails with a message saying what to install: tests that need it fail, they never skip.
 */
class PostgresServer final
{
public:
    PostgresServer();
    ~PostgresServer();
    Q_DISABLE_COPY_MOVE(PostgresServer)

    /**
     * The server shared by every test in this process, started on first use and stopped when the
     * QCoreApplication ends (one initdb per test executable instead of one per test).
     */
    static Result<PostgresServer *> shared();

    Status start();
    /** Immediate shutdown, then the directory is removed. Idempotent. */
    void stop();
    bool isRunning() const { return m_running; }

    QString socketDir() const { return m_dir ? m_dir->path() : QString(); }
    int port() const { return m_port; }
    /** The superuser every connection uses (trust authentication on the private socket). */
    static QString user() { return QStringLiteral("drawbridge"); }
    /** A storage.url for @p database on this server. */
    QString url(const QString &database) const;
    /** The directory of initdb, pg_ctl, pg_dump... of the PostgreSQL used. */
    QString binDir() const { return m_binDir; }

    Status createDatabase(const QString &name);
    Status dropDatabase(const QString &name);
    /** Runs @p tool from binDir() (pg_dump, psql...) against @p database; returns its stdout. */
    Result<QByteArray> runTool(const QString &tool, const QStringList &arguments) const;

private:
    Result<QByteArray> run(const QString &program, const QStringList &arguments, int timeoutMs) const;
    Status exec(const QString &sql);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_binDir;
    int m_port = 5432;
    bool m_asPostgresUser = false;
    bool m_running = false;
};

} // namespace Drawbridge::Test
