// SPDX-License-Identifier: MIT
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <optional>

#include "server/core/requestrecord.h"
#include "server/storage/database.h"
#include "server/storage/usageadminmodule.h"
#include "server/storage/usageledger.h"
#include "server/storage/usagequery.h"
#include "server/storage/usagewriter.h"
#include "tests/support/adminmoduleclient.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

namespace {

qint64 utcMs(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

RequestRecord makeRecord(const char *iso, const QString &key, const QString &account, const QString &model,
                         bool success, double credits)
{
    RequestRecord r;
    r.startedMs = utcMs(iso);
    r.keyId = key;
    r.accountId = account;
    r.model = model;
    r.endpoint = QStringLiteral("chat");
    r.status = success ? QStringLiteral("success") : QStringLiteral("upstream_error");
    r.httpStatus = success ? 200 : 502;
    r.usage.promptTokens = 100;
    r.usage.completionTokens = 10;
    r.usage.hasCredits = credits > 0;
    r.usage.credits = credits;
    return r;
}

using Reply = Test::AdminModuleClient::Reply;

Reply call(AdminModule &module, const QString &query, const QByteArray &method = "GET")
{
    return Test::AdminModuleClient(module).call(method, QStringLiteral("usage"), {}, QUrlQuery(query));
}

QJsonObject json(const Reply &reply)
{
    return QJsonDocument::fromJson(reply.body).object();
}

} // namespace

class TstUsageAdminModule : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void parseTime_data();
    void parseTime();
    void routes();
    void badParameters_data();
    void badParameters();
    void grouping_data();
    void grouping();
    void defaultsToKeyOverAllTime();
    void flushesTheLedgerFirst();

private:
    std::unique_ptr<Test::TempDatabase> m_db;
    std::unique_ptr<Test::FakeClock> m_clock;
    std::unique_ptr<UsageQuery> m_query;
};

void TstUsageAdminModule::initTestCase()
{
    // Far from UTC, so any local-time interpretation of the bounds would show.
    qputenv("TZ", "Pacific/Kiritimati");
}

void TstUsageAdminModule::init()
{
    m_db = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
    m_clock = std::make_unique<Test::FakeClock>(utcMs("2025-02-10T00:00:00Z"));
    m_query = std::make_unique<UsageQuery>(m_db->database(), *m_clock, 30);
    auto connection = m_db->database().connection();
    QVERIFY(connection.ok());
    UsageWriter writer(*connection);
    const QString k1 = QStringLiteral("aaaa2222");
    const QString k2 = QStringLiteral("bbbb3333");
    const QString a1 = QStringLiteral("acct-1");
    const QString a2 = QStringLiteral("acct-2");
    const QString sonnet = QStringLiteral("claude-sonnet-4.5");
    const QString kiro = QStringLiteral("kiro");
    DRAWBRIDGE_VERIFY_OK(writer.write({
        makeRecord("2025-01-30T23:59:59.999Z", k1, a1, kiro, true, 1.5),
        makeRecord("2025-01-31T00:00:00.000Z", k1, a1, kiro, true, 0.25),
        makeRecord("2025-01-31T10:15:00Z", k1, a2, sonnet, false, 0),
        makeRecord("2025-01-31T10:45:00Z", k2, a2, sonnet, true, 2.125),
        makeRecord("2025-01-31T13:05:00Z", k2, a1, kiro, true, 0.5),
        makeRecord("2025-01-31T23:30:00Z", QString(), QString(), kiro, false, 0),
        makeRecord("2025-02-01T08:00:00Z", k1, a1, sonnet, true, 3.0),
    }));
}

void TstUsageAdminModule::cleanup()
{
    m_query.reset();
    m_db.reset();
}

void TstUsageAdminModule::parseTime_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("expected"); // -1 = invalid
    const qint64 midnight = utcMs("2025-01-31T00:00:00Z");
    const qint64 hour = 3'600'000;
    QTest::newRow("date-is-utc-midnight") << QStringLiteral("2025-01-31") << midnight;
    QTest::newRow("zulu") << QStringLiteral("2025-01-31T13:00:00Z") << midnight + 13 * hour;
    QTest::newRow("no-offset-is-utc") << QStringLiteral("2025-01-31T13:00:00") << midnight + 13 * hour;
    QTest::newRow("minutes-only") << QStringLiteral("2025-01-31T13:00") << midnight + 13 * hour;
    QTest::newRow("positive-offset") << QStringLiteral("2025-01-31T15:00:00+02:00") << midnight + 13 * hour;
    QTest::newRow("negative-offset-compact")
        << QStringLiteral("2025-01-31T08:00-0500") << midnight + 13 * hour;
    QTest::newRow("offset-hours-only") << QStringLiteral("2025-01-31T14:00:00+01") << midnight + 13 * hour;
    QTest::newRow("milliseconds") << QStringLiteral("2025-01-31T13:00:00.250Z") << midnight + 13 * hour + 250;
    QTest::newRow("nanoseconds-truncated")
        << QStringLiteral("2025-01-31T13:00:00.123456789Z") << midnight + 13 * hour + 123;
    QTest::newRow("one-fraction-digit")
        << QStringLiteral("2025-01-31T13:00:00.5Z") << midnight + 13 * hour + 500;
    QTest::newRow("lowercase") << QStringLiteral("2025-01-31t13:00:00z") << midnight + 13 * hour;
    QTest::newRow("space-separator") << QStringLiteral("2025-01-31 13:00:00Z") << midnight + 13 * hour;
    QTest::newRow("leap-day") << QStringLiteral("2024-02-29") << utcMs("2024-02-29T00:00:00Z");
    QTest::newRow("empty") << QString() << qint64(-1);
    QTest::newRow("word") << QStringLiteral("yesterday") << qint64(-1);
    QTest::newRow("not-a-leap-day") << QStringLiteral("2025-02-29") << qint64(-1);
    QTest::newRow("month-13") << QStringLiteral("2025-13-01") << qint64(-1);
    QTest::newRow("single-digit-month") << QStringLiteral("2025-1-31") << qint64(-1);
    QTest::newRow("hour-25") << QStringLiteral("2025-01-31T25:00:00Z") << qint64(-1);
    QTest::newRow("hour-only") << QStringLiteral("2025-01-31T13") << qint64(-1);
    QTest::newRow("zone-on-date") << QStringLiteral("2025-01-31Z") << qint64(-1);
    QTest::newRow("offset-too-large") << QStringLiteral("2025-01-31T13:00:00+19:00") << qint64(-1);
    QTest::newRow("trailing-garbage") << QStringLiteral("2025-01-31T13:00:00Zx") << qint64(-1);
    QTest::newRow("unix-seconds") << QStringLiteral("1738281600") << qint64(-1);
}

void TstUsageAdminModule::parseTime()
{
    QFETCH(QString, text);
    QFETCH(qint64, expected);
    const std::optional<qint64> parsed = UsageAdminModule::parseTime(text);
    if (expected < 0)
        QVERIFY2(!parsed, qPrintable(QString::number(parsed.value_or(0))));
    else
        QCOMPARE(parsed, std::optional<qint64>(expected));
}

void TstUsageAdminModule::routes()
{
    UsageAdminModule module(*m_query);
    QCOMPARE(call(module, QString()).status, 200);
    QCOMPARE(call(module, QString(), "POST").status, 405);
    Test::AdminModuleClient client(module);
    QCOMPARE(client.call("GET", QStringLiteral("usage/x")).status, 404);
    QCOMPARE(client.call("GET", QStringLiteral("keys")).status, 404);
}

void TstUsageAdminModule::badParameters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("param");
    QTest::newRow("bad-from") << QStringLiteral("from=last-week") << QStringLiteral("from");
    QTest::newRow("empty-from") << QStringLiteral("from=") << QStringLiteral("from");
    QTest::newRow("bad-to") << QStringLiteral("from=2025-01-01&to=2025-02-30") << QStringLiteral("to");
    QTest::newRow("bad-to-time") << QStringLiteral("to=2025-01-01T24:30:00Z") << QStringLiteral("to");
    QTest::newRow("from-after-to") << QStringLiteral("from=2025-02-01&to=2025-01-01")
                                   << QStringLiteral("from");
    QTest::newRow("unknown-group") << QStringLiteral("group_by=week") << QStringLiteral("group_by");
    QTest::newRow("group-case") << QStringLiteral("group_by=Key") << QStringLiteral("group_by");
    QTest::newRow("empty-group") << QStringLiteral("group_by=") << QStringLiteral("group_by");
}

void TstUsageAdminModule::badParameters()
{
    QFETCH(QString, query);
    QFETCH(QString, param);
    UsageAdminModule module(*m_query);
    const Reply reply = call(module, query);
    QCOMPARE(reply.status, 400);
    const QJsonObject error = json(reply).value(QLatin1String("error")).toObject();
    QCOMPARE(error.value(QLatin1String("type")).toString(), QStringLiteral("invalid_request_error"));
    QCOMPARE(error.value(QLatin1String("param")).toString(), param);
    QVERIFY(error.value(QLatin1String("message")).toString().contains(param));
    QVERIFY(error.contains(QLatin1String("code")));
}

void TstUsageAdminModule::grouping_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("groups"); // "<group>:<requests>:<errors>:<credits>"; "null" = no group
    QTest::newRow("key-whole-day") << QStringLiteral("from=2025-01-31&to=2025-02-01&group_by=key")
                                   << QStringList { QStringLiteral("null:1:1:0"),
                                                    QStringLiteral("aaaa2222:2:1:0.25"),
                                                    QStringLiteral("bbbb3333:2:0:2.625") };
    QTest::newRow("model") << QStringLiteral("from=2025-01-31&to=2025-02-01&group_by=model")
                           << QStringList { QStringLiteral("claude-sonnet-4.5:2:1:2.125"),
                                            QStringLiteral("kiro:3:1:0.75") };
    QTest::newRow("account") << QStringLiteral("from=2025-01-31&to=2025-02-01&group_by=account")
                             << QStringList { QStringLiteral("null:1:1:0"), QStringLiteral("acct-1:2:0:0.75"),
                                              QStringLiteral("acct-2:2:1:2.125") };
    QTest::newRow("day-across-three-days") << QStringLiteral("from=2025-01-30&to=2025-02-02&group_by=day")
                                           << QStringList { QStringLiteral("2025-01-30T00:00:00Z:1:0:1.5"),
                                                            QStringLiteral("2025-01-31T00:00:00Z:5:2:2.875"),
                                                            QStringLiteral("2025-02-01T00:00:00Z:1:0:3") };
    QTest::newRow("hour-unaligned") << QStringLiteral(
        "from=2025-01-31T10:30:00Z&to=2025-01-31T13:10:00Z&group_by=hour")
                                    << QStringList { QStringLiteral("2025-01-31T10:00:00Z:1:0:2.125"),
                                                     QStringLiteral("2025-01-31T13:00:00Z:1:0:0.5") };
    QTest::newRow("offset-bounds")
        << QStringLiteral("from=2025-01-31T12:15:00%2B02:00&to=2025-01-31T05:50:00-05:00&group_by=key")
        << QStringList { QStringLiteral("aaaa2222:1:1:0"),
                         QStringLiteral("bbbb3333:1:0:2.125") }; // 10:15Z inclusive .. 10:50Z
    QTest::newRow("to-is-exclusive") << QStringLiteral("from=2025-01-30&to=2025-01-31T00:00:00Z&group_by=day")
                                     << QStringList { QStringLiteral("2025-01-30T00:00:00Z:1:0:1.5") };
    QTest::newRow("from-is-inclusive")
        << QStringLiteral("from=2025-01-31T00:00:00Z&to=2025-01-31T00:00:00.001Z")
        << QStringList { QStringLiteral("aaaa2222:1:0:0.25") };
    QTest::newRow("empty-range") << QStringLiteral("from=2025-03-01&to=2025-03-01") << QStringList {};
    QTest::newRow("only-to") << QStringLiteral("to=2025-01-31&group_by=day")
                             << QStringList { QStringLiteral("2025-01-30T00:00:00Z:1:0:1.5") };
    QTest::newRow("only-from") << QStringLiteral("from=2025-02-01&group_by=model")
                               << QStringList { QStringLiteral("claude-sonnet-4.5:1:0:3") };
}

void TstUsageAdminModule::grouping()
{
    QFETCH(QString, query);
    QFETCH(QStringList, groups);
    UsageAdminModule module(*m_query);
    const Reply reply = call(module, query);
    QCOMPARE(reply.status, 200);
    const QJsonObject root = json(reply);
    const QJsonArray data = root.value(QLatin1String("data")).toArray();
    QCOMPARE(data.size(), groups.size());
    qint64 requests = 0, errors = 0;
    double credits = 0;
    for (int i = 0; i < groups.size(); ++i) {
        const QJsonObject row = data[i].toObject();
        const int cut
            = groups[i].lastIndexOf(u':', groups[i].lastIndexOf(u':', groups[i].lastIndexOf(u':') - 1) - 1);
        const QString group = groups[i].left(cut);
        const QStringList numbers = groups[i].mid(cut + 1).split(u':');
        if (group == QLatin1String("null"))
            QVERIFY(row.value(QLatin1String("group")).isNull());
        else
            QCOMPARE(row.value(QLatin1String("group")).toString(), group);
        QCOMPARE(row.value(QLatin1String("requests")).toInteger(), numbers[0].toLongLong());
        QCOMPARE(row.value(QLatin1String("errors")).toInteger(), numbers[1].toLongLong());
        QCOMPARE(row.value(QLatin1String("credits")).toDouble(), numbers[2].toDouble());
        QCOMPARE(row.value(QLatin1String("prompt_tokens")).toInteger(), 100 * numbers[0].toLongLong());
        QCOMPARE(row.value(QLatin1String("completion_tokens")).toInteger(), 10 * numbers[0].toLongLong());
        requests += numbers[0].toLongLong();
        errors += numbers[1].toLongLong();
        credits += numbers[2].toDouble();
    }
    const QJsonObject totals = root.value(QLatin1String("totals")).toObject();
    QCOMPARE(totals.value(QLatin1String("requests")).toInteger(), requests);
    QCOMPARE(totals.value(QLatin1String("errors")).toInteger(), errors);
    QCOMPARE(totals.value(QLatin1String("prompt_tokens")).toInteger(), 100 * requests);
    QCOMPARE(totals.value(QLatin1String("completion_tokens")).toInteger(), 10 * requests);
    QVERIFY(qAbs(totals.value(QLatin1String("credits")).toDouble() - credits) < 1e-9);
}

void TstUsageAdminModule::defaultsToKeyOverAllTime()
{
    UsageAdminModule module(*m_query);
    const Reply reply = call(module, QString());
    QCOMPARE(reply.status, 200);
    const QJsonObject root = json(reply);
    QCOMPARE(root.value(QLatin1String("group_by")).toString(), QStringLiteral("key"));
    QVERIFY(root.value(QLatin1String("from")).isNull());
    QVERIFY(root.value(QLatin1String("to")).isNull());
    QCOMPARE(root.value(QLatin1String("data")).toArray().size(), 3);
    QCOMPARE(root.value(QLatin1String("totals")).toObject().value(QLatin1String("requests")).toInteger(), 7);
    QCOMPARE(root.value(QLatin1String("totals")).toObject().value(QLatin1String("credits")).toDouble(),
             7.375);
}

void TstUsageAdminModule::flushesTheLedgerFirst()
{
    UsageLedgerOptions options;
    options.flushIntervalMs = 600'000; // only the module's flush can write in time
    UsageLedger ledger(m_db->database(), *m_clock, options);
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    UsageAdminModule module(*m_query, &ledger);
    ledger.requestFinished(makeRecord("2025-02-09T12:00:00Z", QStringLiteral("cccc4444"),
                                      QStringLiteral("acct-1"), QStringLiteral("kiro"), true, 0.75));
    const Reply reply = call(module, QStringLiteral("from=2025-02-09&group_by=key"));
    QCOMPARE(reply.status, 200);
    const QJsonArray data = json(reply).value(QLatin1String("data")).toArray();
    QCOMPARE(data.size(), 1);
    QCOMPARE(data[0].toObject().value(QLatin1String("group")).toString(), QStringLiteral("cccc4444"));
    QCOMPARE(data[0].toObject().value(QLatin1String("credits")).toDouble(), 0.75);
}

QTEST_GUILESS_MAIN(TstUsageAdminModule)
#include "tst_usageadminmodule.moc"
