// SPDX-License-Identifier: MIT
#include <QtTest>

#include "server/storage/database.h"
#include "server/storage/postgresurl.h"

using namespace Drawbridge;

class TstPostgresUrl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
    void redactedHidesPassword();
    void unreachableServerFailsWithoutPassword();
};

void TstPostgresUrl::parses_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("options");

    QTest::newRow("full") << QStringLiteral("postgresql://team:s3cret@db.example:6543/drawbridge")
                          << QStringLiteral("db.example") << 6543 << QStringLiteral("drawbridge")
                          << QStringLiteral("team") << QStringLiteral("s3cret")
                          << QStringLiteral("connect_timeout=5");
    QTest::newRow("default-port") << QStringLiteral("postgres://team@10.0.0.5/db")
                                  << QStringLiteral("10.0.0.5") << 5432 << QStringLiteral("db")
                                  << QStringLiteral("team") << QString()
                                  << QStringLiteral("connect_timeout=5");
    QTest::newRow("percent-encoded-password")
        << QStringLiteral("postgresql://u:p%40ss%2Fw%3Ad@h/d") << QStringLiteral("h") << 5432
        << QStringLiteral("d") << QStringLiteral("u") << QStringLiteral("p@ss/w:d")
        << QStringLiteral("connect_timeout=5");
    QTest::newRow("unix-socket") << QStringLiteral("postgresql:///db?host=/run/postgresql&port=5433&user=gw")
                                 << QStringLiteral("/run/postgresql") << 5433 << QStringLiteral("db")
                                 << QStringLiteral("gw") << QString() << QStringLiteral("connect_timeout=5");
    QTest::newRow("libpq-options")
        << QStringLiteral("postgresql://u@h/d?sslmode=verify-full&connect_timeout=2&application_name=gw1")
        << QStringLiteral("h") << 5432 << QStringLiteral("d") << QStringLiteral("u") << QString()
        << QStringLiteral("sslmode=verify-full;connect_timeout=2;application_name=gw1");
}

void TstPostgresUrl::parses()
{
    QFETCH(QString, url);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, database);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, options);
    QVERIFY(PostgresUrl::isPostgresUrl(url));
    auto parsed = PostgresUrl::parse(url);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error()));
    QCOMPARE(parsed->host(), host);
    QCOMPARE(parsed->port(), port);
    QCOMPARE(parsed->database(), database);
    QCOMPARE(parsed->user(), user);
    QCOMPARE(parsed->password(), password);
    QCOMPARE(parsed->connectOptions(), options);
}

void TstPostgresUrl::refuses_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("message");

    QTest::newRow("sqlite-path") << QStringLiteral("/var/lib/drawbridge.sqlite")
                                 << QStringLiteral("postgresql://");
    QTest::newRow("mysql") << QStringLiteral("mysql://u@h/d") << QStringLiteral("postgresql://");
    QTest::newRow("no-database") << QStringLiteral("postgresql://u@h/") << QStringLiteral("one database");
    QTest::newRow("two-path-parts") << QStringLiteral("postgresql://u@h/d/x")
                                    << QStringLiteral("one database");
    QTest::newRow("no-host") << QStringLiteral("postgresql:///d") << QStringLiteral("no host");
    QTest::newRow("bad-port") << QStringLiteral("postgresql://u@h:0/d") << QStringLiteral("port");
    QTest::newRow("bad-port-option") << QStringLiteral("postgresql://u@h/d?port=70000")
                                     << QStringLiteral("port");
    QTest::newRow("unknown-option") << QStringLiteral("postgresql://u@h/d?sslmdoe=require")
                                    << QStringLiteral("unknown option \"sslmdoe\"");
    // A space would start a second libpq parameter (dbname=..., host=...) inside the option's value.
    QTest::newRow("option-injection") << QStringLiteral("postgresql://u@h/d?application_name=x%20host%3Devil")
                                      << QStringLiteral("invalid value");
    QTest::newRow("option-quote") << QStringLiteral("postgresql://u@h/d?sslmode=a'b")
                                  << QStringLiteral("invalid value");
    QTest::newRow("host-twice") << QStringLiteral("postgresql://u@h/d?host=/tmp") << QStringLiteral("twice");
}

void TstPostgresUrl::refuses()
{
    QFETCH(QString, url);
    QFETCH(QString, message);
    auto parsed = PostgresUrl::parse(url);
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().contains(message), qPrintable(parsed.error()));
}

void TstPostgresUrl::redactedHidesPassword()
{
    auto tcp = PostgresUrl::parse(QStringLiteral("postgresql://team:hunter2@db:6543/gw"));
    QVERIFY(tcp.ok());
    QCOMPARE(tcp->redacted(), QStringLiteral("postgresql://team:***@db:6543/gw"));
    auto socket = PostgresUrl::parse(QStringLiteral("postgresql:///gw?host=/run/postgresql&user=team"));
    QVERIFY(socket.ok());
    QCOMPARE(socket->redacted(), QStringLiteral("postgresql://team@/gw?host=/run/postgresql&port=5432"));
}

void TstPostgresUrl::unreachableServerFailsWithoutPassword()
{
    // Nothing listens on port 1: the start must fail at once with a reason, never fall back to SQLite, and
    // never print the password.
    auto url
        = PostgresUrl::parse(QStringLiteral("postgresql://team:hunter2@127.0.0.1:1/gw?connect_timeout=3"));
    QVERIFY(url.ok());
    QElapsedTimer timer;
    timer.start();
    auto db = Database::openPostgres(*url);
    QVERIFY(!db.ok());
    QVERIFY(timer.elapsed() < 10'000);
    QVERIFY2(
        db.error().startsWith(QStringLiteral("cannot open database postgresql://team:***@127.0.0.1:1/gw")),
        qPrintable(db.error()));
    QVERIFY2(!db.error().contains(QStringLiteral("hunter2")), qPrintable(db.error()));
}

QTEST_GUILESS_MAIN(TstPostgresUrl)
#include "tst_postgresurl.moc"
