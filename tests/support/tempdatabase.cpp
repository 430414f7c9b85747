// SPDX-License-Identifier: MIT
#include "tempdatabase.h"

#include "server/storage/database.h"

namespace Drawbridge::Test {

TempDatabase::TempDatabase(int schemaVersion)
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory: %1").arg(m_dir.errorString());
        return;
    }
    m_filePath = m_dir.filePath(QStringLiteral("drawbridge.sqlite"));
    if (auto opened = reopen(schemaVersion); !opened)
        m_error = opened.error();
}

TempDatabase::~TempDatabase() = default;

void TempDatabase::close()
{
    m_database.reset();
}

Status TempDatabase::reopen(int schemaVersion)
{
    m_database.reset();
    auto opened = Database::open(m_filePath);
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
