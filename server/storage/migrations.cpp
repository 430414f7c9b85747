// SPDX-License-Identifier: MIT
#include "migrations.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <vector>

#include "server/core/logging.h"
#include "server/storage/sqldialect.h"

namespace Drawbridge {

namespace {

struct Step
{
    int version;
    QStringList statements;
};

// Written in SQLite's dialect; SqlDialect::ddl() gives PostgreSQL the same schema with its type names.
// Timestamps are milliseconds since the Unix epoch (UTC), as Clock::nowMs() gives them. Plain secrets never
// appear here: api_keys holds only a SHA-256 of each key, accounts only metadata (tokens live in the
// keychain, or sealed in `secrets` in team mode). Steps are append-only: a released step is never edited, a
// change is a new step.
const std::vector<Step> &steps()
{
    static const std::vector<Step> all = {
        { 1,
          {
              QStringLiteral("CREATE TABLE api_keys ("
                             " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 8),"
                             " name TEXT NOT NULL,"
                             " key_hash TEXT NOT NULL CHECK (length(key_hash) = 64),"
                             " rate_limit_rpm INTEGER CHECK (rate_limit_rpm IS NULL OR rate_limit_rpm >= 0),"
                             " models TEXT NOT NULL DEFAULT '[]',"
                             " created_at INTEGER NOT NULL,"
                             " expires_at INTEGER,"
                             " revoked_at INTEGER)"),
              QStringLiteral("CREATE TABLE accounts ("
                             " id TEXT PRIMARY KEY NOT NULL,"
                             " name TEXT NOT NULL,"
                             " type TEXT NOT NULL DEFAULT 'kiro',"
                             " auth_method TEXT NOT NULL,"
                             " region TEXT,"
                             " profile_arn TEXT,"
                             " slots INTEGER CHECK (slots IS NULL OR slots >= 0),"
                             " enabled INTEGER NOT NULL DEFAULT 1,"
                             " status TEXT NOT NULL DEFAULT 'active',"
                             " last_error TEXT,"
                             " cooldown_until INTEGER,"
                             " machine_id TEXT,"
                             " credits_remaining REAL,"
                             " usage_limit REAL,"
                             " next_reset INTEGER,"
                             " priority INTEGER NOT NULL DEFAULT 0,"
                             " created_at INTEGER NOT NULL,"
                             " updated_at INTEGER NOT NULL)"),
              // No foreign keys on purpose: history must outlive deleted accounts and record requests whose
              // key id did not authenticate.
              QStringLiteral("CREATE TABLE usage_records ("
                             " id INTEGER PRIMARY KEY,"
                             " ts_ms INTEGER NOT NULL,"
                             " key_id TEXT,"
                             " account_id TEXT,"
                             " model TEXT NOT NULL,"
                             " status TEXT NOT NULL,"
                             " http_status INTEGER NOT NULL,"
                             " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
                             " completion_tokens INTEGER NOT NULL DEFAULT 0,"
                             " tokens_estimated INTEGER NOT NULL DEFAULT 1,"
                             " credits REAL,"
                             " latency_ms INTEGER,"
                             " ttft_ms INTEGER,"
                             " stream INTEGER NOT NULL DEFAULT 0,"
                             " endpoint TEXT NOT NULL)"),
              QStringLiteral("CREATE INDEX usage_records_ts ON usage_records (ts_ms)"),
              QStringLiteral("CREATE INDEX usage_records_key_ts ON usage_records (key_id, ts_ms)"),
              // '' rather than NULL for "none" in the key columns: NULLs are distinct from each other, so an
              // upsert on a NULL key column would insert a new row instead of adding to the existing one.
              QStringLiteral("CREATE TABLE usage_hourly ("
                             " hour_start_ms INTEGER NOT NULL,"
                             " key_id TEXT NOT NULL DEFAULT '',"
                             " account_id TEXT NOT NULL DEFAULT '',"
                             " model TEXT NOT NULL DEFAULT '',"
                             " requests INTEGER NOT NULL DEFAULT 0,"
                             " errors INTEGER NOT NULL DEFAULT 0,"
                             " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
                             " completion_tokens INTEGER NOT NULL DEFAULT 0,"
                             " credits REAL NOT NULL DEFAULT 0,"
                             " PRIMARY KEY (hour_start_ms, key_id, account_id, model)) WITHOUT ROWID"),
          } },
        { 2,
          {
              // The admin API lists last_used_at per key; raw usage rows are pruned after the retention
              // period, so it cannot be derived from them.
              QStringLiteral("ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER"),
              // For /admin/usage?group_by=account and per-account charts.
              QStringLiteral("CREATE INDEX usage_records_account_ts ON usage_records (account_id, ts_ms)"),
          } },
        { 3,
          {
              // The parts of prompt_tokens the upstream read from and wrote to its prompt cache (Kiro's
              // tokenUsage, when it sends one). Adding a column with a constant default rewrites nothing.
              QStringLiteral(
                  "ALTER TABLE usage_records ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0"),
              QStringLiteral(
                  "ALTER TABLE usage_records ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0"),
          } },
        { 4,
          {
              // Team mode keeps upstream secrets here, sealed (AES-256-GCM, see SecretCipher): the shared
              // database replaces each laptop's keychain. Only ciphertext ever reaches this table.
              QStringLiteral("CREATE TABLE secrets ("
                             " name TEXT PRIMARY KEY NOT NULL,"
                             " sealed TEXT NOT NULL,"
                             " updated_at INTEGER NOT NULL)"),
          } },
        { 5,
          {
              // Team mode's per-key sliding window, shared by every instance (RateWindowRepository): the
              // admission times inside the window. SQLite takes the type name as it is and never uses the
              // table. Unlogged on PostgreSQL: no WAL flush per admission, and a window lost in a server
              // crash only forgets the last minute's count.
              QStringLiteral("CREATE /*UNLOGGED*/ TABLE rate_windows ("
                             " key_id TEXT PRIMARY KEY NOT NULL,"
                             " hits BIGINT[] NOT NULL,"
                             " token TEXT)"),
          } },
        { 6,
          {
              // Keys with high limits count per fixed minute instead (RateWindowRepository::exactLimitMax):
              // the bucket's start and the counts of it and of the minute before.
              QStringLiteral("ALTER TABLE rate_windows ADD COLUMN bucket_start INTEGER NOT NULL DEFAULT 0"),
              QStringLiteral("ALTER TABLE rate_windows ADD COLUMN prev_count INTEGER NOT NULL DEFAULT 0"),
              QStringLiteral("ALTER TABLE rate_windows ADD COLUMN cur_count INTEGER NOT NULL DEFAULT 0"),
          } },
        { 7,
          {
              // Team mode's shared account slots (SlotLeaseRepository): per account, the leases the team
              // holds and when each expires unless its instance renews it. Unlogged on PostgreSQL like the
              // rate windows: a server crash forgets leases that end within seconds anyway.
              QStringLiteral("CREATE /*UNLOGGED*/ TABLE slot_leases ("
                             " account_id TEXT PRIMARY KEY NOT NULL,"
                             " lease_ids TEXT[] NOT NULL,"
                             " expires BIGINT[] NOT NULL)"),
          } },
        { 8,
          {
              // The Kiro API endpoint that last worked for the account (docs/kiro.md#api-endpoints), so a
              // restart starts there instead of at the head of its list; NULL = the head.
              QStringLiteral("ALTER TABLE accounts ADD COLUMN api_endpoint TEXT"),
          } },
        { 9,
          {
              // Team mode's instance heartbeats (InstanceHeartbeatRepository): each running instance's last
              // report of itself, for /health and /admin/metrics to answer for the whole team. A row whose
              // last_seen is old belongs to a dead instance and no longer counts. Unlogged on PostgreSQL like
              // the leases: the rows are rewritten every few seconds.
              QStringLiteral("CREATE /*UNLOGGED*/ TABLE team_instances ("
                             " instance_id TEXT PRIMARY KEY NOT NULL,"
                             " started_at INTEGER NOT NULL,"
                             " last_seen INTEGER NOT NULL,"
                             " in_flight INTEGER NOT NULL,"
                             " queued INTEGER NOT NULL,"
                             " metrics TEXT NOT NULL)"),
          } },
    };
    return all;
}

// Any constant works as long as nothing else in the database uses it; "drawbr" in ASCII.
constexpr qint64 migrationLockKey = 0x647261776272;

Error sqlError(const QString &context, const QSqlError &error)
{
    return Error { context + QStringLiteral(": ") + error.text() };
}

Status exec(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return sqlError(sql, query.lastError());
    return Ok {};
}

Status newerError(int found)
{
    return Error { QStringLiteral(
                       "database schema version %1 is newer than this Drawbridge (%2); upgrade Drawbridge")
                       .arg(found)
                       .arg(Migrations::latestVersion) };
}

// Applies one step; returns the version the database is at afterwards.
Result<int> applyStep(const QSqlDatabase &db, const Step &step)
{
    // IMMEDIATE takes the write lock now, so the version read below cannot change before we commit.
    if (auto began = exec(db, SqlDialect::beginWrite(db)); !began)
        return Error { began.error() };
    const auto rollback = [&db](const QString &message) -> Result<int> {
        QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        return Error { message };
    };
    // PostgreSQL has no database-wide write lock; instances starting together serialise on an advisory lock
    // held until this transaction ends, so each step still runs exactly once.
    if (SqlDialect::isPostgres(db)) {
        if (auto locked = exec(db, QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(migrationLockKey));
            !locked)
            return rollback(locked.error());
    }

    auto current = Migrations::version(db);
    if (!current)
        return rollback(current.error());
    if (*current >= step.version) {
        // Another process applied it meanwhile.
        QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        return *current;
    }
    if (*current != step.version - 1) {
        return rollback(QStringLiteral("database is at schema version %1, cannot apply step %2")
                            .arg(*current)
                            .arg(step.version));
    }

    for (const QString &statement : step.statements) {
        if (auto done = exec(db, SqlDialect::ddl(db, statement)); !done)
            return rollback(QStringLiteral("migration to schema version %1 failed: %2")
                                .arg(step.version)
                                .arg(done.error()));
    }
    QSqlQuery setVersion(db);
    setVersion.prepare(QStringLiteral("INSERT INTO schema_version (id, version) VALUES (1, ?)"
                                      " ON CONFLICT (id) DO UPDATE SET version = excluded.version"));
    setVersion.addBindValue(step.version);
    if (!setVersion.exec())
        return rollback(
            sqlError(QStringLiteral("recording schema version %1").arg(step.version), setVersion.lastError())
                .message);
    if (auto committed = exec(db, QStringLiteral("COMMIT")); !committed)
        return rollback(committed.error());
    qCInfo(lcStorage) << "database schema migrated to version" << step.version;
    return step.version;
}

} // namespace

Result<int> Migrations::version(const QSqlDatabase &db)
{
    QSqlQuery exists(db);
    const QString existsSql = SqlDialect::isPostgres(db)
        ? QStringLiteral("SELECT count(*) FROM information_schema.tables"
                         " WHERE table_schema = current_schema() AND table_name = 'schema_version'")
        : QStringLiteral(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!exists.exec(existsSql))
        return sqlError(QStringLiteral("reading the schema version"), exists.lastError());
    if (!exists.next() || exists.value(0).toInt() == 0)
        return 0;

    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT version FROM schema_version WHERE id = 1")))
        return sqlError(QStringLiteral("reading the schema version"), query.lastError());
    return query.next() ? query.value(0).toInt() : 0;
}

Status Migrations::migrate(const QSqlDatabase &db, int targetVersion)
{
    if (targetVersion < 0 || targetVersion > latestVersion)
        return Error { QStringLiteral("unknown schema version %1 requested").arg(targetVersion) };

    auto current = version(db);
    if (!current)
        return Error { current.error() };
    if (*current > latestVersion)
        return newerError(*current);
    if (*current > targetVersion)
        return Error { QStringLiteral("database schema version %1 is newer than the requested version %2")
                           .arg(*current)
                           .arg(targetVersion) };

    if (*current < targetVersion) {
        // Two PostgreSQL instances creating the table at once can collide even with IF NOT EXISTS; the same
        // advisory lock as the steps' makes the second wait and then find it.
        const bool postgres = SqlDialect::isPostgres(db);
        if (postgres) {
            if (auto locked = exec(db, QStringLiteral("SELECT pg_advisory_lock(%1)").arg(migrationLockKey));
                !locked)
                return Error { locked.error() };
        }
        auto made = exec(db,
                         QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version ("
                                        " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                        " version INTEGER NOT NULL)"));
        if (postgres)
            static_cast<void>(
                exec(db, QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(migrationLockKey)));
        if (!made)
            return Error { made.error() };
    }

    for (const Step &step : steps()) {
        if (step.version <= *current || step.version > targetVersion)
            continue;
        auto reached = applyStep(db, step);
        if (!reached)
            return Error { reached.error() };
        if (*reached > latestVersion)
            return newerError(*reached);
        *current = *reached;
    }
    return Ok {};
}

} // namespace Drawbridge
