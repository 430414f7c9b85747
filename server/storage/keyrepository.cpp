// SPDX-License-Identifier: MIT
#include "keyrepository.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>

#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/storage/changefeed.h"
#include "server/storage/database.h"
#include "server/storage/sqlstatement.h"

namespace Drawbridge {

namespace {

const QString selectColumns = QStringLiteral(
    "SELECT id, name, key_hash, rate_limit_rpm, models, created_at, expires_at, revoked_at, last_used_at"
    " FROM api_keys");

QString modelsToJson(const QStringList &models)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(models)).toJson(QJsonDocument::Compact));
}

Result<QStringList> modelsFromJson(const QString &id, const QString &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isArray())
        return Error { QStringLiteral("api key %1: the stored models are not a JSON array").arg(id) };
    QStringList models;
    for (const QJsonValue &value : doc.array()) {
        if (!value.isString())
            return Error { QStringLiteral("api key %1: the stored models contain a non-string").arg(id) };
        models << value.toString();
    }
    return models;
}

Result<ApiKeyRecord> fromRow(const SqlStatement &row)
{
    ApiKeyRecord record;
    record.id = row.value(0).toString();
    record.name = row.value(1).toString();
    record.keyHash = row.value(2).toString();
    record.rateLimitRpm = SqlStatement::optionalInt(row.value(3));
    auto models = modelsFromJson(record.id, row.value(4).toString());
    if (!models)
        return Error { models.error() };
    record.models = *models;
    record.createdAtMs = row.value(5).toLongLong();
    record.expiresAtMs = SqlStatement::optionalInt64(row.value(6));
    record.revokedAtMs = SqlStatement::optionalInt64(row.value(7));
    record.lastUsedAtMs = SqlStatement::optionalInt64(row.value(8));
    return record;
}

// The change is committed already; an instance that misses the notification still sees it at its next start,
// so a failed NOTIFY is logged rather than turned into a failed write.
void announce(const QSqlDatabase &db, const QString &id)
{
    if (auto sent = ChangeFeed::notify(db, ChangeFeed::keysChannel(), id); !sent)
        qCWarning(lcStorage) << sent.error();
}

} // namespace

KeyRepository::KeyRepository(const Database &database, const Clock &clock)
    : m_database(database), m_clock(clock)
{
}

Result<bool> KeyRepository::insert(const ApiKeyRecord &record)
{
    const QString context = QStringLiteral("inserting api key %1").arg(record.id);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    // DO NOTHING on an id clash only: the caller draws a new random id and tries again.
    SqlStatement statement(*db,
                           QStringLiteral("INSERT INTO api_keys (id, name, key_hash, rate_limit_rpm, models,"
                                          " created_at, expires_at, revoked_at, last_used_at)"
                                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"));
    statement.bind(record.id)
        .bind(record.name)
        .bind(record.keyHash)
        .bind(SqlStatement::nullable(record.rateLimitRpm))
        .bind(modelsToJson(record.models))
        .bind(record.createdAtMs)
        .bind(SqlStatement::nullable(record.expiresAtMs))
        .bind(SqlStatement::nullable(record.revokedAtMs))
        .bind(SqlStatement::nullable(record.lastUsedAtMs));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    const bool inserted = statement.rowsAffected() == 1;
    if (inserted)
        announce(*db, record.id);
    return inserted;
}

Result<std::optional<ApiKeyRecord>> KeyRepository::findById(const QString &id) const
{
    const QString context = QStringLiteral("reading api key %1").arg(id);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, selectColumns + QStringLiteral(" WHERE id = ?"));
    statement.bind(id);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    if (!statement.next())
        return std::optional<ApiKeyRecord>();
    auto record = fromRow(statement);
    if (!record)
        return Error { record.error() };
    return std::optional<ApiKeyRecord>(std::move(*record));
}

Result<std::vector<ApiKeyRecord>> KeyRepository::list() const
{
    const QString context = QStringLiteral("listing api keys");
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db, selectColumns + QStringLiteral(" ORDER BY created_at, id"));
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    std::vector<ApiKeyRecord> records;
    while (statement.next()) {
        auto record = fromRow(statement);
        if (!record)
            return Error { record.error() };
        records.push_back(std::move(*record));
    }
    return records;
}

Result<bool> KeyRepository::update(const ApiKeyRecord &record)
{
    const QString context = QStringLiteral("updating api key %1").arg(record.id);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(*db,
                           QStringLiteral("UPDATE api_keys SET name = ?, rate_limit_rpm = ?, models = ?,"
                                          " expires_at = ? WHERE id = ?"));
    statement.bind(record.name)
        .bind(SqlStatement::nullable(record.rateLimitRpm))
        .bind(modelsToJson(record.models))
        .bind(SqlStatement::nullable(record.expiresAtMs))
        .bind(record.id);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    const bool updated = statement.rowsAffected() > 0;
    if (updated)
        announce(*db, record.id);
    return updated;
}

Result<bool> KeyRepository::revoke(const QString &id)
{
    const QString context = QStringLiteral("revoking api key %1").arg(id);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    SqlStatement statement(
        *db, QStringLiteral("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?"));
    statement.bind(m_clock.nowMs()).bind(id);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    const bool revoked = statement.rowsAffected() > 0;
    if (revoked)
        announce(*db, id);
    return revoked;
}

Result<bool> KeyRepository::markUsed(const QString &id, qint64 atMs)
{
    const QString context = QStringLiteral("marking api key %1 used").arg(id);
    auto db = m_database.connection();
    if (!db)
        return Error { context + QStringLiteral(": ") + db.error() };
    // CASE rather than max()/greatest(): SQLite and PostgreSQL each have only one of those.
    SqlStatement statement(*db,
                           QStringLiteral("UPDATE api_keys SET last_used_at = CASE WHEN last_used_at IS NULL"
                                          " OR last_used_at < ? THEN ? ELSE last_used_at END WHERE id = ?"));
    statement.bind(atMs).bind(atMs).bind(id);
    if (auto done = statement.exec(context); !done)
        return Error { done.error() };
    return statement.rowsAffected() > 0;
}

} // namespace Drawbridge
