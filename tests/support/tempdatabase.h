// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

#include "server/core/result.h"
#include "server/storage/migrations.h"

namespace Drawbridge {
class Database;
}

namespace Drawbridge::Test {

/**
 * @brief A real SQLite file in a fresh temporary directory, opened through Database and migrated.
 *
 * With DRAWBRIDGE_TEST_DATABASE=postgresql in the environment (the storage suite's second CTest registration)
 * it is instead a fresh database on the process's private PostgreSQL server (PostgresServer::shared()), so
 * the same tests run on both engines. Without a usable PostgreSQL it is invalid, with the reason in
 * errorString(): the test fails.
 *
 * Check isValid() (QVERIFY2(db.isValid(), qPrintable(db.errorString()))) before use. Everything is deleted
 * with the object.
 */
class TempDatabase final
{
public:
    /** @p schemaVersion below Migrations::latestVersion leaves the database at an older schema. */
    explicit TempDatabase(int schemaVersion = Migrations::latestVersion);
    ~TempDatabase();
    Q_DISABLE_COPY_MOVE(TempDatabase)

    bool isValid() const { return m_database != nullptr; }
    QString errorString() const { return m_error; }
    /** Only when isValid(). */
    Database &database() const { return *m_database; }
    /** Empty on PostgreSQL. */
    QString filePath() const { return m_filePath; }
    QString dirPath() const { return m_dir.path(); }
    bool isPostgres() const { return !m_postgresName.isEmpty(); }
    /** The storage.url of the PostgreSQL database; empty on SQLite. */
    QString url() const { return m_url; }
    /** The PostgreSQL database's name (for pg_dump); empty on SQLite. */
    QString postgresName() const { return m_postgresName; }

    /** Whether this test process runs the storage suite on PostgreSQL (DRAWBRIDGE_TEST_DATABASE). */
    static bool postgresRequested();

    /** Closes the database, leaving the file in place (to inspect or corrupt it). */
    void close();
    /** Opens the file again and migrates it to @p schemaVersion. */
    Status reopen(int schemaVersion = Migrations::latestVersion);

private:
    QTemporaryDir m_dir;
    QString m_filePath;
    QString m_error;
    QString m_postgresName;
    QString m_url;
    std::unique_ptr<Database> m_database;
};

} // namespace Drawbridge::Test
