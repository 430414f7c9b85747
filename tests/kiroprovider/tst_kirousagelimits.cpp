// SPDX-License-Identifier: MIT
#include <QtTest>

#include <QDateTime>

#include "server/kiroprovider/kirousagelimits.h"

using namespace Drawbridge;

class TstKiroUsageLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void rejectsGarbage_data();
    void rejectsGarbage();
    void nextResetUnits_data();
    void nextResetUnits();
    void metadata();
    void firstOfNextMonth_data();
    void firstOfNextMonth();
};

void TstKiroUsageLimits::parse_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<double>("limit");
    QTest::addColumn<double>("used");
    QTest::addColumn<double>("remaining");

    QTest::newRow("base-only") << QByteArray(
        R"({"usageBreakdownList":[{"resourceType":"CREDIT","usageLimit":50,"currentUsage":10}]})")
                               << 50.0 << 10.0 << 40.0;
    QTest::newRow("precision-wins") << QByteArray(
        R"({"usageBreakdownList":[{"usageLimit":50,"usageLimitWithPrecision":50.0,
                          "currentUsage":49,"currentUsageWithPrecision":49.81}]})")
                                    << 50.0 << 49.81 << 0.19;
    QTest::newRow("active-free-trial-counts")
        << QByteArray(R"({"usageBreakdownList":[{"usageLimitWithPrecision":50,"currentUsageWithPrecision":5,
                          "freeTrialInfo":{"freeTrialStatus":"ACTIVE","usageLimitWithPrecision":500,
                                           "currentUsageWithPrecision":100}}]})")
        << 550.0 << 105.0 << 445.0;
    QTest::newRow("expired-free-trial-ignored")
        << QByteArray(R"({"usageBreakdownList":[{"usageLimitWithPrecision":50,"currentUsageWithPrecision":5,
                          "freeTrialInfo":{"freeTrialStatus":"EXPIRED","usageLimit":500,"currentUsage":500}}]})")
        << 50.0 << 5.0 << 45.0;
    QTest::newRow("active-bonuses-only")
        << QByteArray(R"({"usageBreakdownList":[{"usageLimitWithPrecision":50,"currentUsageWithPrecision":50,
                          "bonuses":[{"status":"ACTIVE","usageLimit":100,"currentUsage":20},
                                     {"status":"EXPIRED","usageLimit":1000,"currentUsage":0},
                                     {"status":"ACTIVE","usageLimitWithPrecision":10.5,"currentUsage":0}]}]})")
        << 160.5 << 70.0 << 90.5;
    QTest::newRow("credit-entry-preferred")
        << QByteArray(R"({"usageBreakdownList":[{"resourceType":"OTHER","usageLimit":1,"currentUsage":1},
                          {"resourceType":"CREDIT","usageLimit":50,"currentUsage":2}]})")
        << 50.0 << 2.0 << 48.0;
    QTest::newRow("over-the-limit") << QByteArray(
        R"({"usageBreakdownList":[{"usageLimitWithPrecision":50,"currentUsageWithPrecision":52.5}]})")
                                    << 50.0 << 52.5 << -2.5;
}

void TstKiroUsageLimits::parse()
{
    QFETCH(QByteArray, json);
    QFETCH(double, limit);
    QFETCH(double, used);
    QFETCH(double, remaining);
    const auto parsed = KiroUsageLimits::parse(json);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error()));
    QCOMPARE(parsed->usageLimit, limit);
    QCOMPARE(parsed->currentUsage, used);
    QVERIFY(qAbs(parsed->remaining() - remaining) < 1e-9);
}

void TstKiroUsageLimits::rejectsGarbage_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not-json") << QByteArray("<html>");
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("no-breakdown") << QByteArray(R"({"nextDateReset":1780000000})");
    QTest::newRow("empty-breakdown") << QByteArray(R"({"usageBreakdownList":[]})");
}

void TstKiroUsageLimits::rejectsGarbage()
{
    QFETCH(QByteArray, json);
    QVERIFY(!KiroUsageLimits::parse(json).ok());
}

void TstKiroUsageLimits::nextResetUnits_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<qint64>("expectedMs");
    QTest::newRow("top-level-seconds-float")
        << QByteArray(R"({"nextDateReset":1.7829e9,"usageBreakdownList":[{"usageLimit":1}]})")
        << qint64(1'782'900'000'000);
    QTest::newRow("top-level-seconds-int")
        << QByteArray(R"({"nextDateReset":1782900000,"usageBreakdownList":[{"usageLimit":1}]})")
        << qint64(1'782'900'000'000);
    QTest::newRow("milliseconds-accepted")
        << QByteArray(R"({"nextDateReset":1782900000123,"usageBreakdownList":[{"usageLimit":1}]})")
        << qint64(1'782'900'000'123);
    QTest::newRow("from-breakdown") << QByteArray(
        R"({"usageBreakdownList":[{"usageLimit":1,"nextDateReset":1782900000}]})")
                                    << qint64(1'782'900'000'000);
    QTest::newRow("absent") << QByteArray(R"({"usageBreakdownList":[{"usageLimit":1}]})") << qint64(-1);
}

void TstKiroUsageLimits::nextResetUnits()
{
    QFETCH(QByteArray, json);
    QFETCH(qint64, expectedMs);
    const auto parsed = KiroUsageLimits::parse(json);
    QVERIFY(parsed.ok());
    if (expectedMs < 0)
        QVERIFY(!parsed->nextResetMs.has_value());
    else
        QCOMPARE(parsed->nextResetMs.value_or(0), expectedMs);
}

void TstKiroUsageLimits::metadata()
{
    const auto parsed = KiroUsageLimits::parse(
        R"({"subscriptionInfo":{"subscriptionTitle":"KIRO PRO"},"userInfo":{"email":"a@example.com"},
            "overageConfiguration":{"overageStatus":"ENABLED"},"usageBreakdownList":[{"usageLimit":1000}]})");
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->subscriptionTitle, QStringLiteral("KIRO PRO"));
    QCOMPARE(parsed->email, QStringLiteral("a@example.com"));
    QVERIFY(parsed->overageEnabled);
    const auto plain = KiroUsageLimits::parse(R"({"usageBreakdownList":[{"usageLimit":1000}]})");
    QVERIFY(plain.ok());
    QVERIFY(!plain->overageEnabled);
}

void TstKiroUsageLimits::firstOfNextMonth_data()
{
    QTest::addColumn<QString>("now");
    QTest::addColumn<QString>("expected");
    QTest::newRow("mid-month") << QStringLiteral("2026-05-17T13:45:00Z")
                               << QStringLiteral("2026-06-01T00:00:00Z");
    QTest::newRow("december-rolls-the-year")
        << QStringLiteral("2026-12-31T23:59:59Z") << QStringLiteral("2027-01-01T00:00:00Z");
    QTest::newRow("first-instant-of-a-month")
        << QStringLiteral("2026-03-01T00:00:00Z") << QStringLiteral("2026-04-01T00:00:00Z");
}

void TstKiroUsageLimits::firstOfNextMonth()
{
    QFETCH(QString, now);
    QFETCH(QString, expected);
    const qint64 nowMs = QDateTime::fromString(now, Qt::ISODate).toMSecsSinceEpoch();
    QCOMPARE(KiroUsageLimits::firstOfNextMonthMs(nowMs),
             QDateTime::fromString(expected, Qt::ISODate).toMSecsSinceEpoch());
}

QTEST_GUILESS_MAIN(TstKiroUsageLimits)
#include "tst_kirousagelimits.moc"
