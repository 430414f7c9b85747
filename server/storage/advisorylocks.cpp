// SPDX-License-Identifier: MIT
#include "advisorylocks.h"

#include <QSqlError>
#include <QSqlQuery>

#include "server/storage/database.h"

namespace Drawbridge {

namespace {

// The key space of these locks: "dbrf" in ASCII (the migrations lock uses the one-key form).
constexpr int keySpace = 0x64627266;

Result<bool> run(const Database &database, const QString &sql, const QString &name, const QString &context)
{
    auto query = database.cachedStatement(sql);
    if (!query)
        return Error { context + QStringLiteral(": ") + query.error() };
    QSqlQuery &q = **query;
    q.addBindValue(keySpace);
    q.addBindValue(name);
    if (!q.exec()) {
        Database::noteFailure(q);
        return Error { context + QStringLiteral(": ") + q.lastError().text() };
    }
    if (!q.next())
        return Error { context + QStringLiteral(": no row returned") };
    const bool result = q.value(0).toBool();
    q.finish();
    return result;
}

} // namespace

AdvisoryLocks::AdvisoryLocks(const Database &database) : m_database(database) { }

Result<bool> AdvisoryLocks::tryLock(const QString &name) const
{
    return run(m_database,
               QStringLiteral("SELECT pg_try_advisory_lock(CAST(? AS INTEGER), hashtext(CAST(? AS TEXT)))"),
               name, QStringLiteral("taking the lock %1").arg(name));
}

Result<bool> AdvisoryLocks::unlock(const QString &name) const
{
    return run(m_database,
               QStringLiteral("SELECT pg_advisory_unlock(CAST(? AS INTEGER), hashtext(CAST(? AS TEXT)))"),
               name, QStringLiteral("releasing the lock %1").arg(name));
}

} // namespace Drawbridge
