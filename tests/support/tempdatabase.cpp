// SPDX-License-Identifier: MIT
#include "tempdatabase.h"

#include <QCoreApplication>

#include <atomic>

#include "server/storage/database.h"
#include "server/storage/postgresurl.h"
#include "tests/support/postgresserver.h"

namespace Drawbridge::Test {

bool TempDatabase::postgresRequested()
{
    return qEnvironmentVariable("DRAWBRIDGE_TEST_DATABASE") == QLatin1String("postgresql");
}

TempDatabase::TempDatabase(int schemaVersion)
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory: %1").arg(m_dir.errorString());
        return;
    }
    if (postgresRequested()) {
        auto server = PostgresServer::shared();
        if (!server) {
            m_error = server.error();
            return;
        }
        static std::atomic<int> serial { 0 };
        m_postgresName = QStringLiteral("t%1_%2").arg(QCoreApplication::applicationPid()).arg(++serial);
        if (auto created = (*server)->createDatabase(m_postgresName); !created) {
            m_error = created.error();
            m_postgresName.clear();
            return;
        }
        m_url = (*server)->url(m_postgresName);
    } else {
        m_filePath = m_dir.filePath(QStringLiteral("drawbridge.sqlite"));
    }
    if (auto opened = reopen(schemaVersion); !opened)
        m_error = opened.error();
}

TempDatabase::~TempDatabase()
{
    m_database.reset();
    if (isPostgres()) {
        if (auto server = PostgresServer::shared(); server)
            static_cast<void>((*server)->dropDatabase(m_postgresName));
    }
}

void TempDatabase::close()
{
    m_database.reset();
}

Status TempDatabase::reopen(int schemaVersion)
{
    m_database.reset();
    Result<std::unique_ptr<Database>> opened = Error {};
    if (isPostgres()) {
        auto url = PostgresUrl::parse(m_url);
        if (!url)
            return Error { url.error() };
        opened = Database::openPostgres(*url);
    } else {
        opened = Database::open(m_filePath);
    }
    if (!opened)
        return Error { opened.error() };
    auto connection = (*opened)->connection();
    if (!connection)
        return Error { connection.error() };
    if (auto migrated = Migrations::migrate(*connection, schemaVersion); !migrated)
        return Error { migrated.error() };
    m_database = std::move(*opened);
    return Ok {};
}

} // namespace Drawbridge::Test
