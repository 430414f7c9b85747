// SPDX-License-Identifier: MIT
#include <QSignalSpy>
#include <QSqlError>
#include <QtTest>

#include "server/core/requestrecord.h"
#include "server/storage/apikeyrecord.h"
#include "server/storage/changefeed.h"
#include "server/storage/database.h"
#include "server/storage/keyrepository.h"
#include "server/storage/postgresurl.h"
#include "server/storage/slotleaserepository.h"
#include "server/storage/sqlstatement.h"
#include "server/storage/usageledger.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

/**
 * A dropped PostgreSQL connection (here: its backend terminated with pg_terminate_backend, as an
 * administrator or a server restart would) is opened again by the next operation: the one that met the drop
 * fails, the ones after it work, prepared statements are prepared again, the change feed LISTENs again (and
 * tells its listeners to reload), and the usage ledger's writer thread reconnects without losing records.
 */
class TstPostgresReconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void theNextOperationConnectsAgain();
    void preparedStatementsArePreparedAgain();
    void theChangeFeedListensAgain();
    void theLedgerWritesAfterTheDrop();
    void otherErrorsKeepTheConnection();

private:
    /** Terminates every backend of the test database except the admin's own; returns how many. */
    int terminateAll();
    qint64 backendPid(const Database &db);

    std::unique_ptr<Test::TempDatabase> m_tmp;
    std::unique_ptr<Database> m_admin; ///< another instance's connection, used to terminate the others
    Test::FakeClock m_clock;
};

void TstPostgresReconnect::initTestCase()
{
    QVERIFY2(Test::TempDatabase::postgresRequested(), "run with DRAWBRIDGE_TEST_DATABASE=postgresql");
}

void TstPostgresReconnect::init()
{
    m_tmp = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_tmp->isValid(), qPrintable(m_tmp->errorString()));
    auto url = PostgresUrl::parse(m_tmp->url());
    DRAWBRIDGE_VERIFY_OK(url);
    auto admin = Database::openPostgres(*url);
    DRAWBRIDGE_VERIFY_OK(admin);
    m_admin = std::move(*admin);
}

void TstPostgresReconnect::cleanup()
{
    m_admin.reset();
    m_tmp.reset();
}

int TstPostgresReconnect::terminateAll()
{
    auto db = m_admin->connection();
    if (!db)
        return -1;
    SqlStatement kill(*db,
                      QStringLiteral("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                     " WHERE datname = current_database() AND pid <> pg_backend_pid()"));
    if (!kill.exec(QStringLiteral("terminating")) || !kill.next())
        return -1;
    return kill.value(0).toInt();
}

qint64 TstPostgresReconnect::backendPid(const Database &database)
{
    auto db = database.connection();
    if (!db)
        return -1;
    SqlStatement pid(*db, QStringLiteral("SELECT pg_backend_pid()"));
    if (!pid.exec(QStringLiteral("reading the backend pid")) || !pid.next())
        return -1;
    return pid.value(0).toLongLong();
}

void TstPostgresReconnect::theNextOperationConnectsAgain()
{
    const Database &db = m_tmp->database();
    const qint64 before = backendPid(db);
    QVERIFY(before > 0);
    QVERIFY(terminateAll() >= 1);
    // The operation that meets the drop fails with the server's reason...
    auto conn = db.connection();
    DRAWBRIDGE_VERIFY_OK(conn);
    SqlStatement met(*conn, QStringLiteral("SELECT pg_backend_pid()"));
    const Status failed = met.exec(QStringLiteral("after the drop"));
    QVERIFY(!failed.ok());
    QCOMPARE(db.reconnects(), 0);
    // ...and the next one runs on a new connection.
    const qint64 after = backendPid(db);
    QVERIFY2(after > 0, "no new connection after the drop");
    QVERIFY(after != before);
    QCOMPARE(db.reconnects(), 1);
    QCOMPARE(backendPid(db), after);
    QCOMPARE(db.reconnects(), 1);
}

void TstPostgresReconnect::preparedStatementsArePreparedAgain()
{
    SlotLeaseRepository slots(m_tmp->database());
    QVERIFY(*slots.acquire(QStringLiteral("acct"), QStringLiteral("l1"), 2, 1000, 50'000));
    QVERIFY(m_tmp->database().cachedStatementCount() >= 1);
    QVERIFY(terminateAll() >= 1);
    QVERIFY(!slots.acquire(QStringLiteral("acct"), QStringLiteral("l2"), 2, 1000, 50'000).ok());
    auto again = slots.acquire(QStringLiteral("acct"), QStringLiteral("l2"), 2, 1000, 50'000);
    DRAWBRIDGE_VERIFY_OK(again);
    QVERIFY(*again);
    QVERIFY(!*slots.acquire(QStringLiteral("acct"), QStringLiteral("l3"), 2, 1000, 50'000));
}

void TstPostgresReconnect::theChangeFeedListensAgain()
{
    ChangeFeed feed(m_tmp->database());
    DRAWBRIDGE_VERIFY_OK(feed.subscribe(ChangeFeed::keysChannel()));
    QSignalSpy spy(&feed, &ChangeFeed::changed);
    QVERIFY(terminateAll() >= 1);
    // Found by the feed's own check within probeIntervalMs (and a second try), without any other traffic.
    QVERIFY(spy.wait(ChangeFeed::probeIntervalMs * 3));
    QCOMPARE(spy.at(0).at(0).toString(), ChangeFeed::keysChannel());
    QCOMPARE(spy.at(0).at(1).toString(), QString()); // reload everything
    spy.clear();
    // LISTEN holds again: another instance's key write is heard.
    KeyRepository writer(*m_admin, m_clock);
    ApiKeyRecord key;
    key.id = QStringLiteral("abcd2345");
    key.name = QStringLiteral("after the drop");
    key.keyHash = QString(64, QLatin1Char('a'));
    key.createdAtMs = 1000;
    QVERIFY(*writer.insert(key));
    QVERIFY(spy.wait(1000));
    QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("abcd2345"));
}

void TstPostgresReconnect::theLedgerWritesAfterTheDrop()
{
    UsageLedgerOptions options;
    options.flushIntervalMs = 20;
    UsageLedger ledger(m_tmp->database(), m_clock, options);
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    auto record = [this](int i) {
        RequestRecord r;
        r.startedMs = m_clock.nowMs() + i;
        r.keyId = QStringLiteral("abcd2345");
        r.accountId = QStringLiteral("acct");
        r.model = QStringLiteral("kiro");
        r.endpoint = QStringLiteral("chat");
        r.status = QStringLiteral("success");
        r.httpStatus = 200;
        return r;
    };
    ledger.requestFinished(record(0));
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    QVERIFY(terminateAll() >= 1);
    ledger.requestFinished(record(1));
    ledger.requestFinished(record(2));
    // The batch that meets the drop stays queued; the writer connects again and writes it.
    QTRY_VERIFY_WITH_TIMEOUT(ledger.flush().ok() && ledger.committedRecords() == 3, 5000);
    auto db = m_admin->connection();
    DRAWBRIDGE_VERIFY_OK(db);
    SqlStatement count(*db, QStringLiteral("SELECT count(*) FROM usage_records"));
    DRAWBRIDGE_VERIFY_OK(count.exec(QStringLiteral("counting")));
    QVERIFY(count.next());
    QCOMPARE(count.value(0).toInt(), 3);
}

void TstPostgresReconnect::otherErrorsKeepTheConnection()
{
    const Database &db = m_tmp->database();
    const qint64 before = backendPid(db);
    auto conn = db.connection();
    DRAWBRIDGE_VERIFY_OK(conn);
    SqlStatement wrong(*conn, QStringLiteral("SELECT * FROM no_such_table"));
    QVERIFY(!wrong.exec(QStringLiteral("a bad statement")).ok());
    QCOMPARE(backendPid(db), before);
    QCOMPARE(db.reconnects(), 0);
    QSqlError lost(QStringLiteral("server closed the connection unexpectedly"), QString(),
                   QSqlError::StatementError);
    QVERIFY(Database::isConnectionLost(lost));
    QVERIFY(Database::isConnectionLost(
        QSqlError(QString(), QString(), QSqlError::StatementError, QStringLiteral("57P01"))));
    QVERIFY(!Database::isConnectionLost(QSqlError(QStringLiteral("relation does not exist"), QString(),
                                                  QSqlError::StatementError, QStringLiteral("42P01"))));
}

QTEST_GUILESS_MAIN(TstPostgresReconnect)
#include "tst_postgresreconnect.moc"
