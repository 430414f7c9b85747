// SPDX-License-Identifier: MIT
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

#include <thread>

#include "server/storage/database.h"
#include "server/storage/migrations.h"
#include "server/storage/postgresurl.h"
#include "server/storage/sqldialect.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

namespace {

// The catalog queries differ per engine; what they return (names in order) does not.
QStringList columnsOf(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery query(db);
    query.prepare(SqlDialect::isPostgres(db)
                      ? QStringLiteral("SELECT column_name FROM information_schema.columns"
                                       " WHERE table_schema = current_schema() AND table_name = ?"
                                       " ORDER BY ordinal_position")
                      : QStringLiteral("SELECT name FROM pragma_table_info(?) ORDER BY cid"));
    query.addBindValue(table);
    QStringList columns;
    if (query.exec()) {
        while (query.next())
            columns << query.value(0).toString();
    }
    return columns;
}

QStringList objectsOf(const QSqlDatabase &db, const QString &type)
{
    QSqlQuery query(db);
    if (!SqlDialect::isPostgres(db)) {
        query.prepare(
            QStringLiteral("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%'"
                           " ORDER BY name"));
        query.addBindValue(type);
    } else if (type == QLatin1String("table")) {
        query.prepare(QStringLiteral("SELECT table_name FROM information_schema.tables"
                                     " WHERE table_schema = current_schema() ORDER BY table_name"));
    } else {
        // Primary keys are indexes of their own in PostgreSQL; SQLite lists only the explicit ones.
        query.prepare(QStringLiteral("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                                     " AND indexname NOT LIKE '%\\_pkey' ORDER BY indexname"));
    }
    QStringList names;
    if (query.exec()) {
        while (query.next())
            names << query.value(0).toString();
    }
    return names;
}

bool exec(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        qWarning() << sql << query.lastError().text();
        return false;
    }
    return true;
}

QVariant scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    return query.exec(sql) && query.next() ? query.value(0) : QVariant();
}

// Every table, column, type, default, constraint and index, as one comparable text (never empty).
QString schemaText(const QSqlDatabase &db)
{
    if (!SqlDialect::isPostgres(db)) {
        return scalar(db,
                      QStringLiteral("SELECT group_concat(type || ' ' || name || ' ' || sql, ';')"
                                     " FROM (SELECT * FROM sqlite_master ORDER BY type, name)"))
            .toString();
    }
    const QString columns
        = scalar(db,
                 QStringLiteral("SELECT string_agg(table_name || '.' || column_name || ' ' ||"
                                " data_type || ' ' || is_nullable || ' ' ||"
                                " coalesce(column_default, ''), ';'"
                                " ORDER BY table_name, ordinal_position)"
                                " FROM information_schema.columns"
                                " WHERE table_schema = current_schema()"))
              .toString();
    const QString constraints
        = scalar(db,
                 QStringLiteral(
                     "SELECT string_agg(c.conrelid::regclass || ' ' || pg_get_constraintdef(c.oid), ';'"
                     " ORDER BY c.conrelid::regclass::text, pg_get_constraintdef(c.oid))"
                     " FROM pg_constraint c WHERE c.connamespace = current_schema()::regnamespace"))
              .toString();
    const QString indexes = scalar(db,
                                   QStringLiteral("SELECT string_agg(indexdef, ';' ORDER BY indexname)"
                                                  " FROM pg_indexes WHERE schemaname = current_schema()"))
                                .toString();
    return columns + QLatin1Char('|') + constraints + QLatin1Char('|') + indexes;
}

// A second Database on the same file or PostgreSQL database as @p tmp.
Result<std::unique_ptr<Database>> openAgain(const Test::TempDatabase &tmp)
{
    if (!tmp.isPostgres())
        return Database::open(tmp.filePath());
    auto url = PostgresUrl::parse(tmp.url());
    if (!url)
        return Error { url.error() };
    return Database::openPostgres(*url);
}

} // namespace

class TstMigrations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void emptyDatabaseIsVersionZero();
    void freshDatabaseHasLatestSchema();
    void migrateTwiceChangesNothing();
    void stepwiseFrom_data();
    void stepwiseFrom();
    void upgradeFromV1PreservesData();
    void refusesNewerSchema();
    void refusesDowngradeRequest();
    void refusesUnknownTarget();
    void failedStepRollsBack();
    void concurrentMigrationsApplyEachStepOnce();
    void millisecondTimesFit();
};

void TstMigrations::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TstMigrations::emptyDatabaseIsVersionZero()
{
    Test::TempDatabase tmp(0);
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    auto version = Migrations::version(*db);
    DRAWBRIDGE_VERIFY_OK(version);
    QCOMPARE(*version, 0);
    QCOMPARE(objectsOf(*db, QStringLiteral("table")), QStringList());
}

void TstMigrations::freshDatabaseHasLatestSchema()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    QCOMPARE(*Migrations::version(*db), Migrations::latestVersion);
    QCOMPARE(Migrations::latestVersion, 9);

    QCOMPARE(
        objectsOf(*db, QStringLiteral("table")),
        (QStringList { QStringLiteral("accounts"), QStringLiteral("api_keys"), QStringLiteral("rate_windows"),
                       QStringLiteral("schema_version"), QStringLiteral("secrets"),
                       QStringLiteral("slot_leases"), QStringLiteral("team_instances"),
                       QStringLiteral("usage_hourly"), QStringLiteral("usage_records") }));
    QCOMPARE(objectsOf(*db, QStringLiteral("index")),
             (QStringList { QStringLiteral("usage_records_account_ts"),
                            QStringLiteral("usage_records_key_ts"), QStringLiteral("usage_records_ts") }));
    QCOMPARE(
        columnsOf(*db, QStringLiteral("api_keys")),
        QStringLiteral("id name key_hash rate_limit_rpm models created_at expires_at revoked_at last_used_at")
            .split(QLatin1Char(' ')));
    QCOMPARE(columnsOf(*db, QStringLiteral("accounts")),
             QStringLiteral(
                 "id name type auth_method region profile_arn slots enabled status last_error"
                 " cooldown_until machine_id credits_remaining usage_limit next_reset priority created_at"
                 " updated_at api_endpoint")
                 .split(QLatin1Char(' ')));
    QCOMPARE(
        columnsOf(*db, QStringLiteral("usage_records")),
        QStringLiteral("id ts_ms key_id account_id model status http_status prompt_tokens completion_tokens"
                       " tokens_estimated credits latency_ms ttft_ms stream endpoint cache_read_tokens"
                       " cache_write_tokens")
            .split(QLatin1Char(' ')));
    QCOMPARE(
        columnsOf(*db, QStringLiteral("usage_hourly")),
        QStringLiteral("hour_start_ms key_id account_id model requests errors prompt_tokens completion_tokens"
                       " credits")
            .split(QLatin1Char(' ')));

    QCOMPARE(columnsOf(*db, QStringLiteral("secrets")),
             QStringLiteral("name sealed updated_at").split(QLatin1Char(' ')));

    // The rollup's key is the four grouping columns: a second row for the same group must be rejected.
    QVERIFY(exec(*db,
                 QStringLiteral("INSERT INTO usage_hourly (hour_start_ms, key_id, model, requests)"
                                " VALUES (0, 'abcd2345', 'auto', 1)")));
    QSqlQuery duplicate(*db);
    QVERIFY(!duplicate.exec(QStringLiteral("INSERT INTO usage_hourly (hour_start_ms, key_id, model, requests)"
                                           " VALUES (0, 'abcd2345', 'auto', 1)")));
}

void TstMigrations::migrateTwiceChangesNothing()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    const QString before = schemaText(*db);
    QVERIFY(before.contains(QStringLiteral("usage_records")));
    DRAWBRIDGE_VERIFY_OK(Migrations::migrate(*db));
    QCOMPARE(*Migrations::version(*db), Migrations::latestVersion);
    QCOMPARE(schemaText(*db), before);
    QCOMPARE(scalar(*db, QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), 1);
}

void TstMigrations::stepwiseFrom_data()
{
    QTest::addColumn<int>("startVersion");
    for (int v = 0; v < Migrations::latestVersion; ++v)
        QTest::addRow("from-v%d", v) << v;
}

void TstMigrations::stepwiseFrom()
{
    // Upgrading from any older version must end with exactly the schema a fresh database gets.
    QFETCH(int, startVersion);
    Test::TempDatabase fresh;
    QVERIFY2(fresh.isValid(), qPrintable(fresh.errorString()));
    Test::TempDatabase old(startVersion);
    QVERIFY2(old.isValid(), qPrintable(old.errorString()));
    {
        auto db = old.database().connection();
        QCOMPARE(*Migrations::version(*db), startVersion);
    }
    old.close();
    DRAWBRIDGE_VERIFY_OK(old.reopen());
    auto upgraded = old.database().connection();
    auto reference = fresh.database().connection();
    QVERIFY(schemaText(*reference).contains(QStringLiteral("cache_write_tokens")));
    QCOMPARE(schemaText(*upgraded), schemaText(*reference));
    QCOMPARE(*Migrations::version(*upgraded), Migrations::latestVersion);
}

void TstMigrations::upgradeFromV1PreservesData()
{
    Test::TempDatabase tmp(1);
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    {
        auto db = tmp.database().connection();
        DRAWBRIDGE_VERIFY_OK(db);
        QCOMPARE(*Migrations::version(*db), 1);
        QVERIFY(!columnsOf(*db, QStringLiteral("api_keys")).contains(QStringLiteral("last_used_at")));
        QVERIFY(
            !objectsOf(*db, QStringLiteral("index")).contains(QStringLiteral("usage_records_account_ts")));
        QVERIFY(
            exec(*db,
                 QStringLiteral("INSERT INTO api_keys (id, name, key_hash, rate_limit_rpm, models,"
                                " created_at) VALUES ('abcd2345', 'laptop', '%1', 30, '[\"auto\"]', 1000)")
                     .arg(QString(64, QLatin1Char('e')))));
        QVERIFY(exec(*db,
                     QStringLiteral("INSERT INTO accounts (id, name, auth_method, created_at, updated_at)"
                                    " VALUES ('acc1', 'work', 'social', 1, 2)")));
        QVERIFY(exec(*db,
                     QStringLiteral("INSERT INTO usage_records (ts_ms, key_id, account_id, model, status,"
                                    " http_status, prompt_tokens, endpoint)"
                                    " VALUES (5000, 'abcd2345', 'acc1', 'auto', 'success', 200, 17,"
                                    " '/v1/chat/completions')")));
    }
    tmp.close();
    DRAWBRIDGE_VERIFY_OK(tmp.reopen());

    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    QCOMPARE(*Migrations::version(*db), Migrations::latestVersion);
    QVERIFY(objectsOf(*db, QStringLiteral("index")).contains(QStringLiteral("usage_records_account_ts")));
    QSqlQuery key(*db);
    QVERIFY(
        key.exec(QStringLiteral("SELECT name, rate_limit_rpm, models, created_at, last_used_at FROM api_keys"
                                " WHERE id = 'abcd2345'")));
    QVERIFY(key.next());
    QCOMPARE(key.value(0).toString(), QStringLiteral("laptop"));
    QCOMPARE(key.value(1).toInt(), 30);
    QCOMPARE(key.value(2).toString(), QStringLiteral("[\"auto\"]"));
    QCOMPARE(key.value(3).toLongLong(), 1000);
    QVERIFY(key.value(4).isNull());
    QCOMPARE(scalar(*db, QStringLiteral("SELECT name FROM accounts WHERE id = 'acc1'")).toString(),
             QStringLiteral("work"));
    QCOMPARE(scalar(*db, QStringLiteral("SELECT prompt_tokens FROM usage_records WHERE key_id = 'abcd2345'"))
                 .toInt(),
             17);
    // Rows from before the cache columns read as "nothing cached".
    QCOMPARE(scalar(*db,
                    QStringLiteral("SELECT cache_read_tokens + cache_write_tokens FROM usage_records"
                                   " WHERE key_id = 'abcd2345'"))
                 .toInt(),
             0);
}

void TstMigrations::refusesNewerSchema()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    {
        auto db = tmp.database().connection();
        QVERIFY(exec(*db, QStringLiteral("UPDATE schema_version SET version = 10")));
        QVERIFY(exec(*db, QStringLiteral("CREATE TABLE from_the_future (x INTEGER)")));
    }
    tmp.close();
    const Status reopened = tmp.reopen();
    QVERIFY(!reopened.ok());
    QCOMPARE(
        reopened.error(),
        QStringLiteral("database schema version 10 is newer than this Drawbridge (9); upgrade Drawbridge"));

    // Refused without touching anything.
    auto opened = openAgain(tmp);
    DRAWBRIDGE_VERIFY_OK(opened);
    auto db = (*opened)->connection();
    QCOMPARE(*Migrations::version(*db), 10);
    QVERIFY(objectsOf(*db, QStringLiteral("table")).contains(QStringLiteral("from_the_future")));
    const Status again = Migrations::migrate(*db);
    QVERIFY(!again.ok());
    QCOMPARE(again.error(), reopened.error());
}

void TstMigrations::refusesDowngradeRequest()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    const Status downgraded = Migrations::migrate(*db, 1);
    QVERIFY(!downgraded.ok());
    QVERIFY2(downgraded.error().contains(QStringLiteral("version 9")), qPrintable(downgraded.error()));
    QCOMPARE(*Migrations::version(*db), 9);
}

void TstMigrations::refusesUnknownTarget()
{
    Test::TempDatabase tmp(0);
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    QVERIFY(!Migrations::migrate(*db, Migrations::latestVersion + 1).ok());
    QVERIFY(!Migrations::migrate(*db, -1).ok());
    QCOMPARE(*Migrations::version(*db), 0);
}

void TstMigrations::failedStepRollsBack()
{
    // A file that already has a conflicting table (not made by Drawbridge): step 1 fails part-way through and
    // must leave nothing of itself behind.
    Test::TempDatabase tmp(0);
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    QVERIFY(exec(*db, QStringLiteral("CREATE TABLE usage_records (x INTEGER)")));
    const Status migrated = Migrations::migrate(*db);
    QVERIFY(!migrated.ok());
    QVERIFY2(migrated.error().contains(QStringLiteral("migration to schema version 1 failed")),
             qPrintable(migrated.error()));
    QVERIFY2(migrated.error().contains(QStringLiteral("usage_records")), qPrintable(migrated.error()));
    QCOMPARE(*Migrations::version(*db), 0);
    QCOMPARE(objectsOf(*db, QStringLiteral("table")),
             (QStringList { QStringLiteral("schema_version"), QStringLiteral("usage_records") }));
    // Not left inside an open transaction either.
    QVERIFY(exec(*db, SqlDialect::beginWrite(*db)));
    QVERIFY(exec(*db, QStringLiteral("ROLLBACK")));
}

void TstMigrations::concurrentMigrationsApplyEachStepOnce()
{
    // Instances of a team (or two processes on one file) starting together: each migrates on its own
    // connection; every step runs once, and both end at the latest version.
    Test::TempDatabase tmp(0);
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto first = openAgain(tmp);
    DRAWBRIDGE_VERIFY_OK(first);
    auto second = openAgain(tmp);
    DRAWBRIDGE_VERIFY_OK(second);
    Status results[2] = { Ok {}, Ok {} };
    std::thread threads[2];
    Database *databases[2] = { first->get(), second->get() };
    for (int i = 0; i < 2; ++i) {
        threads[i] = std::thread([&results, &databases, i] {
            auto conn = databases[i]->connection();
            results[i] = conn ? Migrations::migrate(*conn) : Status(Error { conn.error() });
            databases[i]->releaseConnection();
        });
    }
    for (auto &thread : threads)
        thread.join();
    DRAWBRIDGE_VERIFY_OK(results[0]);
    DRAWBRIDGE_VERIFY_OK(results[1]);
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    QCOMPARE(*Migrations::version(*db), Migrations::latestVersion);
    QCOMPARE(scalar(*db, QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), 1);
}

void TstMigrations::millisecondTimesFit()
{
    // Millisecond times outgrow 32 bits: PostgreSQL's INTEGER would refuse them, so migrations make BIGINT.
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    const qint64 year2100 = 4'102'444'800'000;
    QVERIFY(
        exec(*db,
             QStringLiteral("INSERT INTO usage_records (ts_ms, model, status, http_status, credits, endpoint)"
                            " VALUES (%1, 'auto', 'success', 200, 0.125, '/v1/models')")
                 .arg(year2100)));
    QSqlQuery row(*db);
    QVERIFY(row.exec(QStringLiteral("SELECT id, ts_ms, credits FROM usage_records")));
    QVERIFY(row.next());
    QVERIFY(row.value(0).toLongLong() > 0); // an id is assigned when none is given
    QCOMPARE(row.value(1).toLongLong(), year2100);
    QCOMPARE(row.value(2).toDouble(), 0.125);
}

QTEST_GUILESS_MAIN(TstMigrations)
#include "tst_migrations.moc"
