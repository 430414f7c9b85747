// SPDX-License-Identifier: MIT
#include <QFile>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "server/storage/database.h"
#include "server/storage/migrations.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

namespace {

QVariant scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return QVariant();
    return query.value(0);
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

// Runs @p work in a fresh QThread and waits for it to end.
template<typename F> void runInThread(F work)
{
    std::unique_ptr<QThread> thread(QThread::create(std::move(work)));
    thread->start();
    QVERIFY(thread->wait(30'000));
}

struct Pragmas
{
    QString journalMode;
    int foreignKeys = -1;
    int synchronous = -1;
    int busyTimeout = -1;
};

Pragmas pragmasOf(const QSqlDatabase &db)
{
    return { scalar(db, QStringLiteral("PRAGMA journal_mode")).toString(),
             scalar(db, QStringLiteral("PRAGMA foreign_keys")).toInt(),
             scalar(db, QStringLiteral("PRAGMA synchronous")).toInt(),
             scalar(db, QStringLiteral("PRAGMA busy_timeout")).toInt() };
}

} // namespace

class TstDatabase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void pragmasOnEveryConnection();
    void foreignKeysEnforced();
    void createsMissingDirectory();
    void refusesDirectoryPath();
    void refusesCorruptFile_data();
    void refusesCorruptFile();
    void oneConnectionPerThread();
    void threadConnectionRemovedWhenThreadEnds();
    void releaseConnectionKeepsPrimary();
    void closeRemovesAllConnections();
    void inMemorySharedAcrossThreads();
    void inMemoryDatabasesAreSeparate();
    void inMemoryConcurrentWriters();
    void cachedStatementsLiveWithTheirConnection();
};

void TstDatabase::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TstDatabase::init()
{
    // A connection removed while a handle still exists would silently stop working; that is a bug here.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("still in use")));
}

void TstDatabase::pragmasOnEveryConnection()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    {
        auto db = tmp.database().connection();
        DRAWBRIDGE_VERIFY_OK(db);
        const Pragmas main = pragmasOf(*db);
        QCOMPARE(main.journalMode, QStringLiteral("wal"));
        QCOMPARE(main.foreignKeys, 1);
        QCOMPARE(main.synchronous, 1); // NORMAL
        QCOMPARE(main.busyTimeout, Database::busyTimeoutMs);
    }

    Pragmas worker;
    QString error;
    runInThread([&] {
        auto db = tmp.database().connection();
        if (!db) {
            error = db.error();
            return;
        }
        worker = pragmasOf(*db);
    });
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(worker.journalMode, QStringLiteral("wal"));
    QCOMPARE(worker.foreignKeys, 1);
    QCOMPARE(worker.synchronous, 1);
    QCOMPARE(worker.busyTimeout, Database::busyTimeoutMs);

    QVERIFY(QFile::exists(tmp.filePath() + QStringLiteral("-wal")));
}

void TstDatabase::foreignKeysEnforced()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    auto db = tmp.database().connection();
    DRAWBRIDGE_VERIFY_OK(db);
    QSqlQuery query(*db);
    QVERIFY(query.exec(QStringLiteral("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)")));
    QVERIFY(query.exec(QStringLiteral(
        "CREATE TEMP TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))")));
    QVERIFY(query.exec(QStringLiteral("INSERT INTO parent (id) VALUES (1)")));
    QVERIFY(query.exec(QStringLiteral("INSERT INTO child (id, parent_id) VALUES (1, 1)")));
    QVERIFY(!query.exec(QStringLiteral("INSERT INTO child (id, parent_id) VALUES (2, 42)")));
    QVERIFY2(query.lastError().text().contains(QStringLiteral("FOREIGN KEY"), Qt::CaseInsensitive),
             qPrintable(query.lastError().text()));
}

void TstDatabase::createsMissingDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("a/b/drawbridge.sqlite"));
    auto db = Database::open(path);
    DRAWBRIDGE_VERIFY_OK(db);
    QCOMPARE((*db)->filePath(), QFileInfo(path).absoluteFilePath());
    QVERIFY(!(*db)->isInMemory());
    QVERIFY(QFile::exists(path));
}

void TstDatabase::refusesDirectoryPath()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto db = Database::open(dir.path());
    QVERIFY(!db.ok());
    QVERIFY2(db.error().contains(dir.path()), qPrintable(db.error()));
}

void TstDatabase::refusesCorruptFile_data()
{
    // A real database with enough rows to span many pages, then damaged in different ways.
    Test::TempDatabase source;
    QVERIFY2(source.isValid(), qPrintable(source.errorString()));
    {
        auto db = source.database().connection();
        DRAWBRIDGE_VERIFY_OK(db);
        QSqlQuery query(*db);
        QVERIFY(query.exec(
            QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
                           " INSERT INTO usage_records (ts_ms, model, status, http_status, endpoint)"
                           " SELECT i, 'claude-sonnet-4.5', 'success', 200, '/v1/chat/completions'"
                           " FROM n")));
    }
    source.close(); // checkpoints the WAL, so the main file holds everything
    const QByteArray good = readAll(source.filePath());
    QVERIFY(good.size() > 64 * 1024);

    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");

    QByteArray garbage(8192, '\0');
    for (int i = 0; i < garbage.size(); ++i)
        garbage[i] = char((i * 7919 + 13) % 251);
    QTest::newRow("garbage") << garbage << QStringLiteral("not a database");
    QTest::newRow("text-file") << QByteArray("[server]\nport = 8642\n") << QStringLiteral("not a database");
    QTest::newRow("header-only") << good.left(100) << QStringLiteral("malformed");
    QTest::newRow("first-page-only") << good.left(4096) << QStringLiteral("malformed");
    QTest::newRow("half") << good.left(good.size() / 2) << QStringLiteral("malformed");
    QTest::newRow("last-page-missing") << good.left(good.size() - 4096) << QStringLiteral("malformed");
    QByteArray scribbled = good;
    for (qsizetype i = scribbled.size() - 4096; i < scribbled.size(); ++i)
        scribbled[i] = char(0xa5);
    QTest::newRow("scribbled-last-page") << scribbled << QStringLiteral("corrupt");
}

void TstDatabase::refusesCorruptFile()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("drawbridge.sqlite"));
    QVERIFY(writeAll(path, bytes));

    {
        auto db = Database::open(path);
        QVERIFY(!db.ok());
        QVERIFY2(db.error().contains(path), qPrintable(db.error()));
        QVERIFY2(db.error().contains(expected), qPrintable(db.error()));
        QVERIFY2(db.error().contains(QStringLiteral("left untouched")), qPrintable(db.error()));
    }
    // Not a byte changed, and a second attempt is refused the same way (nothing was "repaired" either).
    QCOMPARE(readAll(path), bytes);
    QVERIFY(!Database::open(path).ok());
    QCOMPARE(readAll(path), bytes);
}

void TstDatabase::oneConnectionPerThread()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    Database &database = tmp.database();

    const QString mainName = database.connectionName();
    {
        auto first = database.connection();
        auto second = database.connection();
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(first->connectionName(), mainName);
        QCOMPARE(second->connectionName(), mainName);
        QSqlQuery query(*first);
        QVERIFY(query.exec(QStringLiteral("CREATE TABLE seen (thread TEXT)")));
        QVERIFY(query.exec(QStringLiteral("INSERT INTO seen VALUES ('main')")));
    }

    QString workerName;
    QString workerError;
    int rowsSeenByWorker = -1;
    runInThread([&] {
        auto a = database.connection();
        auto b = database.connection();
        if (!a || !b) {
            workerError = a ? b.error() : a.error();
            return;
        }
        workerName = a->connectionName();
        if (b->connectionName() != workerName)
            workerError = QStringLiteral("two connections in one thread");
        rowsSeenByWorker = scalar(*a, QStringLiteral("SELECT count(*) FROM seen")).toInt();
        QSqlQuery insert(*a);
        if (!insert.exec(QStringLiteral("INSERT INTO seen VALUES ('worker')")))
            workerError = insert.lastError().text();
    });
    QVERIFY2(workerError.isEmpty(), qPrintable(workerError));
    QVERIFY(!workerName.isEmpty());
    QVERIFY(workerName != mainName);
    QCOMPARE(rowsSeenByWorker, 1);

    auto db = database.connection();
    QVERIFY(db.ok());
    QCOMPARE(scalar(*db, QStringLiteral("SELECT count(*) FROM seen")).toInt(), 2);
}

void TstDatabase::threadConnectionRemovedWhenThreadEnds()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    QString workerName;
    bool openInWorker = false;
    runInThread([&] {
        auto db = tmp.database().connection();
        workerName = tmp.database().connectionName();
        openInWorker = db.ok() && db->isOpen() && QSqlDatabase::contains(workerName);
    });
    QVERIFY(openInWorker);
    QVERIFY(!QSqlDatabase::contains(workerName));
    QVERIFY(QSqlDatabase::contains(tmp.database().connectionName()));
}

void TstDatabase::releaseConnectionKeepsPrimary()
{
    Test::TempDatabase tmp;
    QVERIFY2(tmp.isValid(), qPrintable(tmp.errorString()));
    const QString primary = tmp.database().connectionName();
    tmp.database().releaseConnection();
    QVERIFY(QSqlDatabase::contains(primary));

    bool removed = false;
    runInThread([&] {
        {
            auto db = tmp.database().connection();
            if (!db)
                return;
        }
        const QString name = tmp.database().connectionName();
        tmp.database().releaseConnection();
        removed = !QSqlDatabase::contains(name);
    });
    QVERIFY(removed);
}

void TstDatabase::closeRemovesAllConnections()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("drawbridge.sqlite"));
    QStringList names;
    {
        auto db = Database::open(path);
        DRAWBRIDGE_VERIFY_OK(db);
        Database &database = **db;
        names << database.connectionName();
        {
            auto connection = database.connection();
            QVERIFY(connection.ok());
            QVERIFY(Migrations::migrate(*connection).ok());
        }
        // Threads Qt did not start end through QAdoptedThread, which emits QThread::finished too.
        QString foreignName;
        bool foreignOpen = false;
        std::thread foreign([&] {
            auto connection = database.connection();
            foreignName = database.connectionName();
            foreignOpen = connection.ok() && QSqlDatabase::contains(foreignName);
        });
        foreign.join();
        QVERIFY(foreignOpen);
        QVERIFY(!QSqlDatabase::contains(foreignName));
        QVERIFY(QSqlDatabase::contains(names.constFirst()));
    }
    for (const QString &name : std::as_const(names))
        QVERIFY2(!QSqlDatabase::contains(name), qPrintable(name));
    // Closed cleanly: the WAL was checkpointed and removed with the last connection.
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    auto again = Database::open(path);
    DRAWBRIDGE_VERIFY_OK(again);
}

void TstDatabase::inMemorySharedAcrossThreads()
{
    auto opened = Database::openInMemory();
    DRAWBRIDGE_VERIFY_OK(opened);
    Database &database = **opened;
    QVERIFY(database.isInMemory());
    QVERIFY(database.filePath().isEmpty());
    {
        auto db = database.connection();
        QVERIFY(db.ok());
        QVERIFY(Migrations::migrate(*db).ok());
        QCOMPARE(scalar(*db, QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
    }

    int versionSeen = -1;
    QString error;
    runInThread([&] {
        auto db = database.connection();
        if (!db) {
            error = db.error();
            return;
        }
        auto version = Migrations::version(*db);
        versionSeen = version ? *version : -1;
        QSqlQuery query(*db);
        if (!query.exec(QStringLiteral("INSERT INTO usage_hourly (hour_start_ms, requests) VALUES (0, 3)")))
            error = query.lastError().text();
    });
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(versionSeen, Migrations::latestVersion);
    auto db = database.connection();
    QCOMPARE(scalar(*db, QStringLiteral("SELECT requests FROM usage_hourly")).toInt(), 3);
}

void TstDatabase::inMemoryDatabasesAreSeparate()
{
    auto a = Database::openInMemory();
    auto b = Database::openInMemory();
    QVERIFY(a.ok() && b.ok());
    auto dbA = (*a)->connection();
    auto dbB = (*b)->connection();
    QVERIFY(dbA.ok() && dbB.ok());
    QVERIFY(Migrations::migrate(*dbA).ok());
    QCOMPARE(*Migrations::version(*dbA), Migrations::latestVersion);
    QCOMPARE(*Migrations::version(*dbB), 0);
}

void TstDatabase::inMemoryConcurrentWriters()
{
    // Two threads writing at once must wait for each other's lock, not fail: the ephemeral mode runs the same
    // ledger and admin code as a file database.
    auto opened = Database::openInMemory();
    DRAWBRIDGE_VERIFY_OK(opened);
    Database &database = **opened;
    {
        auto db = database.connection();
        QVERIFY(Migrations::migrate(*db).ok());
    }
    constexpr int perThread = 300;
    std::atomic<int> failures { 0 };
    QString firstError;
    std::mutex errorMutex;
    const auto writer = [&](int hourBase) {
        auto db = database.connection();
        if (!db) {
            ++failures;
            return;
        }
        for (int i = 0; i < perThread; ++i) {
            QSqlQuery query(*db);
            bool ok = query.exec(QStringLiteral("BEGIN IMMEDIATE"));
            ok = ok
                && query.prepare(
                    QStringLiteral("INSERT INTO usage_hourly (hour_start_ms, requests) VALUES (?, 1)"));
            query.addBindValue(hourBase + i);
            ok = ok && query.exec();
            ok = ok && query.exec(QStringLiteral("COMMIT"));
            if (!ok) {
                ++failures;
                std::lock_guard lock(errorMutex);
                if (firstError.isEmpty())
                    firstError = query.lastError().text();
                query.exec(QStringLiteral("ROLLBACK"));
            }
        }
    };
    std::unique_ptr<QThread> t1(QThread::create(writer, 0));
    std::unique_ptr<QThread> t2(QThread::create(writer, 100'000));
    t1->start();
    t2->start();
    QVERIFY(t1->wait(60'000));
    QVERIFY(t2->wait(60'000));
    QVERIFY2(failures == 0, qPrintable(firstError));
    auto db = database.connection();
    QCOMPARE(scalar(*db, QStringLiteral("SELECT count(*) FROM usage_hourly")).toInt(), 2 * perThread);
}

void TstDatabase::cachedStatementsLiveWithTheirConnection()
{
    // init() fails this test on QtSql's "still in use" warning: a cached statement must go before its
    // connection, when a thread ends and when the Database is destroyed.
    auto tmp = std::make_unique<Test::TempDatabase>();
    QVERIFY2(tmp->isValid(), qPrintable(tmp->errorString()));
    const QString sql = QStringLiteral("SELECT count(*) FROM api_keys WHERE id <> ?");
    auto first = tmp->database().cachedStatement(sql);
    DRAWBRIDGE_VERIFY_OK(first);
    auto again = tmp->database().cachedStatement(sql);
    DRAWBRIDGE_VERIFY_OK(again);
    QCOMPARE(*again, *first);
    (*first)->addBindValue(QStringLiteral("abcd2345"));
    QVERIFY((*first)->exec());
    QVERIFY((*first)->next());
    QCOMPARE((*first)->value(0).toInt(), 0);
    (*first)->finish();

    QSqlQuery *inWorker = nullptr;
    bool ranInWorker = false;
    runInThread([&] {
        auto worker = tmp->database().cachedStatement(sql);
        if (!worker)
            return;
        inWorker = *worker;
        (*worker)->addBindValue(QStringLiteral("x"));
        ranInWorker = (*worker)->exec() && (*worker)->next();
    });
    QVERIFY(ranInWorker);
    QVERIFY(inWorker != *first);
    // The worker's connection went when its thread ended, and its statement before it.
    QCOMPARE(tmp->database().cachedStatementCount(), 1);

    auto broken = tmp->database().cachedStatement(QStringLiteral("SELEC nothing"));
    QVERIFY(!broken.ok());
    QVERIFY2(broken.error().startsWith(QStringLiteral("cannot prepare")), qPrintable(broken.error()));
    tmp.reset();
}

QTEST_GUILESS_MAIN(TstDatabase)
#include "tst_database.moc"
