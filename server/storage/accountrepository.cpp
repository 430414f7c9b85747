// SPDX-License-Identifier: MIT
#include "accountrepository.h"

#include <QSqlDatabase>
#include <QVariantList>

#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/storage/changefeed.h"
#include "server/storage/database.h"
#include "server/storage/sqlstatement.h"

namespace Drawbridge {

namespace {

const QString selectColumns = QStringLiteral(
    "SELECT id, name, type, auth_method, region, profile_arn, slots, enabled, status, last_error,"
    " cooldown_until, machine_id, credits_remaining, usage_limit, next_reset, priority, created_at, "
    "updated_at, api_endpoint"
    " FROM accounts");

AccountRecord fromRow(const SqlStatement &row)
{
    AccountRecord record;
    record.id = row.value(0).toString();
    record.name = row.value(1).toString();
    record.type = row.value(2).toString();
    record.authMethod = row.value(3).toString();
    record.region = row.value(4).toString();
    record.profileArn = row.value(5).toString();
    record.slots = SqlStatement::optionalInt(row.value(6));
    record.enabled = row.value(7).toInt() != 0;
    record.status = row.value(8).toString();
    record.lastError = row.value(9).toString();
    record.cooldownUntilMs = SqlStatement::optionalInt64(row.value(10));
    record.machineId = row.value(11).toString();
    record.creditsRemaining = SqlStatement::optionalDouble(row.value(12));
    record.usageLimit = SqlStatement::optionalDouble(row.value(13));
    record.nextResetMs = SqlStatement::optionalInt64(row.value(14));
    record.priority = row.value(15).toInt();
    record.createdAtMs = row.value(16).toLongLong();
    record.updatedAtMs = row.value(17).toLongLong();
    record.apiEndpoint = row.value(18).toString();
    return record;
}

} // namespace

AccountRepository::AccountRepository(const Database &database, const Clock &clock)
    : m_database(database), m_clock(clock)
{
}

Result<bool> AccountRepository::write(const QString &context, const QString &sql, const QVariantList &values,
                                      const QString &announce)
{
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, sql);
    for (const QVariant &value : values)
        statement.bind(value);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    const bool changed = statement.rowsAffected() > 0;
    // Committed already: an instance that misses the notification still reads the row at its next start, so a
    // failed NOTIFY is logged rather than turned into a failed write.
    if (changed && !announce.isEmpty()) {
        if (auto sent = ChangeFeed::notify(*db, ChangeFeed::accountsChannel(), announce); !sent)
            qCWarning(lcStorage) << sent.error();
    }
    return changed;
}

Result<bool> AccountRepository::insert(const AccountRecord &record)
{
    const qint64 now = m_clock.nowMs();
    return write(
        QStringLiteral("inserting account %1").arg(record.id),
        QStringLiteral("INSERT INTO accounts (id, name, type, auth_method, region, profile_arn, slots,"
                       " enabled, status, last_error, cooldown_until, machine_id, credits_remaining,"
                       " usage_limit, next_reset, priority, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT (id) DO NOTHING"),
        { record.id, record.name, record.type, record.authMethod, SqlStatement::nullableText(record.region),
          SqlStatement::nullableText(record.profileArn), SqlStatement::nullable(record.slots),
          record.enabled ? 1 : 0, record.status, SqlStatement::nullableText(record.lastError),
          SqlStatement::nullable(record.cooldownUntilMs), SqlStatement::nullableText(record.machineId),
          SqlStatement::nullable(record.creditsRemaining), SqlStatement::nullable(record.usageLimit),
          SqlStatement::nullable(record.nextResetMs), record.priority, now, now },
        record.id);
}

Result<std::optional<AccountRecord>> AccountRepository::findById(const QString &id) const
{
    const QString context = QStringLiteral("reading account %1").arg(id);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, selectColumns + QStringLiteral(" WHERE id = ?"));
    statement.bind(id);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    if (!statement.next())
        return std::optional<AccountRecord>();
    return std::optional<AccountRecord>(fromRow(statement));
}

Result<std::vector<AccountRecord>> AccountRepository::list() const
{
    const QString context = QStringLiteral("listing accounts");
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, selectColumns + QStringLiteral(" ORDER BY priority DESC, created_at, id"));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    std::vector<AccountRecord> records;
    while (statement.next())
        records.push_back(fromRow(statement));
    return records;
}

Result<bool> AccountRepository::update(const AccountRecord &record)
{
    return write(QStringLiteral("updating account %1").arg(record.id),
                 QStringLiteral("UPDATE accounts SET name = ?, auth_method = ?, region = ?, profile_arn = ?,"
                                " slots = ?, enabled = ?, machine_id = ?, priority = ?, updated_at = ?"
                                " WHERE id = ?"),
                 { record.name, record.authMethod, SqlStatement::nullableText(record.region),
                   SqlStatement::nullableText(record.profileArn), SqlStatement::nullable(record.slots),
                   record.enabled ? 1 : 0, SqlStatement::nullableText(record.machineId), record.priority,
                   m_clock.nowMs(), record.id },
                 record.id);
}

Result<bool> AccountRepository::updateStatus(const QString &id, const QString &status,
                                             const QString &lastError, std::optional<qint64> cooldownUntilMs)
{
    return write(QStringLiteral("updating the status of account %1").arg(id),
                 QStringLiteral("UPDATE accounts SET status = ?, last_error = ?, cooldown_until = ?,"
                                " updated_at = ? WHERE id = ?"),
                 { status, SqlStatement::nullableText(lastError), SqlStatement::nullable(cooldownUntilMs),
                   m_clock.nowMs(), id },
                 id);
}

Result<bool> AccountRepository::updateQuota(const QString &id, std::optional<double> creditsRemaining,
                                            std::optional<double> usageLimit,
                                            std::optional<qint64> nextResetMs)
{
    return write(QStringLiteral("updating the quota of account %1").arg(id),
                 QStringLiteral("UPDATE accounts SET credits_remaining = ?, usage_limit = ?, next_reset = ?,"
                                " updated_at = ? WHERE id = ?"),
                 { SqlStatement::nullable(creditsRemaining), SqlStatement::nullable(usageLimit),
                   SqlStatement::nullable(nextResetMs), m_clock.nowMs(), id });
}

Result<bool> AccountRepository::updateEndpoint(const QString &id, const QString &apiEndpoint)
{
    // Not announced in team mode: each instance finds its own way to the service; a restart reads the last.
    return write(QStringLiteral("storing the API endpoint of account %1").arg(id),
                 QStringLiteral("UPDATE accounts SET api_endpoint = ?, updated_at = ? WHERE id = ?"),
                 { SqlStatement::nullableText(apiEndpoint), m_clock.nowMs(), id });
}

Result<bool> AccountRepository::remove(const QString &id)
{
    return write(QStringLiteral("removing account %1").arg(id),
                 QStringLiteral("DELETE FROM accounts WHERE id = ?"), { id }, id);
}

} // namespace Drawbridge
