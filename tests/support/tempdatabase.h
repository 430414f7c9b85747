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
    QString filePath() const { return m_filePath; }
    QString dirPath() const { return m_dir.path(); }

    /** Closes the database, leaving the file in place (to inspect or corrupt it). */
    void close();
    /** Opens the file again and migrates it to @p schemaVersion. */
    Status reopen(int schemaVersion = Migrations::latestVersion);

private:
    QTemporaryDir m_dir;
    QString m_filePath;
    QString m_error;
    std::unique_ptr<Database> m_database;
};

} // namespace Drawbridge::Test
