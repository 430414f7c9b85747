// SPDX-License-Identifier: MIT
#include <QDateTime>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

#include <QSqlError>

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sched.h>
#include <vector>

#include "server/core/requestrecord.h"
#include "server/storage/database.h"
#include "server/storage/keyrepository.h"
#include "server/storage/postgresurl.h"
#include "server/storage/usageledger.h"
#include "server/storage/usagequery.h"
#include "server/storage/usagewriter.h"
#include "tests/support/fakeclock.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

namespace {

// 2026-03-10T00:00:00Z, a Tuesday; a whole UTC day.
constexpr qint64 baseMs = 1'773'100'800'000;
constexpr qint64 hourMs = 3'600'000;
constexpr qint64 dayMs = 24 * hourMs;

RequestRecord makeRecord(qint64 ts, const QString &key, const QString &account, const QString &model,
                         const QString &status = QStringLiteral("success"), int prompt = 10,
                         int completion = 5, std::optional<double> credits = std::nullopt)
{
    RequestRecord r;
    r.startedMs = ts;
    r.keyId = key;
    r.accountId = account;
    r.model = model;
    r.endpoint = QStringLiteral("chat");
    r.status = status;
    r.httpStatus = status == QLatin1String("success") ? 200 : 502;
    r.usage.promptTokens = prompt;
    r.usage.completionTokens = completion;
    r.usage.hasCredits = credits.has_value();
    r.usage.credits = credits.value_or(0.0);
    r.latencyMs = 1200;
    r.ttftMs = 300;
    return r;
}

std::vector<RequestRecord> randomRecords(quint32 seed, int count, qint64 fromMs, qint64 spanMs)
{
    QRandomGenerator rng(seed);
    const QStringList keys
        = { QStringLiteral("aaaa2222"), QStringLiteral("bbbb3333"), QStringLiteral("cccc4444"), QString() };
    const QStringList accounts = { QStringLiteral("acct-1"), QStringLiteral("acct-2"), QString() };
    const QStringList models
        = { QStringLiteral("kiro"), QStringLiteral("claude-sonnet-4.5"), QStringLiteral("gpt-4o") };
    const QStringList statuses
        = { QStringLiteral("success"), QStringLiteral("success"), QStringLiteral("success"),
            QStringLiteral("upstream_error"), QStringLiteral("rate_limited") };
    std::vector<RequestRecord> out;
    for (int i = 0; i < count; ++i) {
        const bool metered = rng.bounded(3) != 0;
        out.push_back(makeRecord(
            fromMs + qint64(rng.bounded(quint32(spanMs / 1000))) * 1000 + rng.bounded(1000),
            keys[rng.bounded(keys.size())], accounts[rng.bounded(accounts.size())],
            models[rng.bounded(models.size())], statuses[rng.bounded(statuses.size())], rng.bounded(4000),
            rng.bounded(1500),
            metered ? std::optional<double>(double(rng.bounded(100'000)) / 1000.0) : std::nullopt));
    }
    return out;
}

QString groupOf(const RequestRecord &r, UsageGroupBy groupBy)
{
    const auto iso
        = [](qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate); };
    switch (groupBy) {
    case UsageGroupBy::Key:
        return r.keyId;
    case UsageGroupBy::Model:
        return r.model;
    case UsageGroupBy::Account:
        return r.accountId;
    case UsageGroupBy::Day:
        return iso(r.startedMs - r.startedMs % dayMs);
    case UsageGroupBy::Hour:
        return iso(r.startedMs - r.startedMs % hourMs);
    }
    return QString();
}

// What a report over [from, to) must say, computed the obvious way from the records themselves.
std::map<QString, UsageTotals> expectedGroups(const std::vector<RequestRecord> &records, qint64 fromMs,
                                              qint64 toMs, UsageGroupBy groupBy)
{
    std::map<QString, UsageTotals> groups;
    for (const RequestRecord &r : records) {
        if (r.startedMs < fromMs || r.startedMs >= toMs)
            continue;
        UsageTotals &t = groups[groupOf(r, groupBy)];
        t.requests += 1;
        t.errors += r.status == QLatin1String("success") ? 0 : 1;
        t.promptTokens += r.usage.promptTokens;
        t.completionTokens += r.usage.completionTokens;
        t.credits += r.usage.hasCredits ? r.usage.credits : 0.0;
    }
    return groups;
}

bool sameTotals(const UsageTotals &a, const UsageTotals &b)
{
    return a.requests == b.requests && a.errors == b.errors && a.promptTokens == b.promptTokens
        && a.completionTokens == b.completionTokens && std::abs(a.credits - b.credits) < 1e-6;
}

QByteArray describe(const UsageTotals &t)
{
    return QStringLiteral("{requests %1, errors %2, prompt %3, completion %4, credits %5}")
        .arg(t.requests)
        .arg(t.errors)
        .arg(t.promptTokens)
        .arg(t.completionTokens)
        .arg(t.credits, 0, 'f', 6)
        .toUtf8();
}

qint64 scalar(const Database &db, const QString &sql, const QVariantList &binds = {})
{
    auto connection = db.connection();
    if (!connection)
        return -1;
    QSqlQuery q(*connection);
    q.prepare(sql);
    for (const QVariant &v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// Every column of every row of @p table, exactly: SQLite's storage class and the value (text as its bytes,
// reals to the last bit), ordered by @p order. Columns come from the schema, so a new one is compared too.
QStringList dumpTable(const QSqlDatabase &db, const QString &table, const QString &order)
{
    QSqlQuery info(db);
    if (!info.exec(QStringLiteral("PRAGMA table_info(%1)").arg(table)))
        return { QStringLiteral("PRAGMA failed: ") + info.lastError().text() };
    QStringList columns;
    while (info.next()) {
        columns << QStringLiteral("'%1=' || typeof(%1) || ':' || CASE typeof(%1) WHEN 'real' THEN"
                                  " printf('%!.17g', %1) WHEN 'text' THEN hex(%1) ELSE quote(%1) END")
                       .arg(info.value(1).toString());
    }
    QSqlQuery rows(db);
    if (!rows.exec(QStringLiteral("SELECT %1 FROM %2 ORDER BY %3")
                       .arg(columns.join(QStringLiteral(" || ' ' || ")), table, order)))
        return { QStringLiteral("SELECT failed: ") + rows.lastError().text() };
    QStringList out;
    while (rows.next())
        out << rows.value(0).toString();
    return out;
}

// Records at the edges of every usage_records column: NULL and '' for each kind of "none", integers at their
// limits, doubles down to denormals, non-ASCII text (a lone surrogate too), flags both ways.
std::vector<RequestRecord> edgeRecords()
{
    std::vector<RequestRecord> out;
    const QString lone = QString(QChar(0xD800)) + QStringLiteral("x");
    const QString nonAscii = QStringLiteral("mod\u00e8le-\u65e5\u672c-\U0001F680");
    struct Edge
    {
        QString key, account, model, status, endpoint;
    };
    const Edge texts[] = {
        { QStringLiteral("aaaa2222"), QStringLiteral("acct-1"), QStringLiteral("kiro"),
          QStringLiteral("success"), QStringLiteral("chat") },
        { QString(), QString(), QString(), QString(), QString() }, // null: NULL or '' per column
        { QLatin1String(""), QLatin1String(""), QLatin1String(""), QLatin1String(""), QLatin1String("") },
        { QStringLiteral("bbbb3333"), QStringLiteral("konto-\u00e4\u00f6"), nonAscii,
          QStringLiteral("upstream_error"), QStringLiteral("messages") },
        { QStringLiteral("k\u00fcy-\u00df"), lone, lone, QStringLiteral("rate_limited"), lone },
    };
    const double credits[] = { 0.0, 0.1, 4.9406564584124654e-324, 123456789.123456789, -2.5, 1e300 };
    const qint64 bigs[] = { 0,
                            1,
                            -1,
                            std::numeric_limits<qint64>::max(),
                            std::numeric_limits<qint64>::min(),
                            (qint64(1) << 53) + 1 };
    const int ints[] = { 0, 1, -1, std::numeric_limits<int>::max(), std::numeric_limits<int>::min(), 200 };
    int i = 0;
    for (const Edge &t : texts) {
        for (int v = 0; v < 6; ++v, ++i) {
            RequestRecord r;
            r.startedMs = baseMs + qint64(i) * 977'777 + (v == 5 ? (qint64(1) << 40) : 0);
            r.keyId = t.key;
            r.accountId = t.account;
            r.model = t.model;
            r.status = t.status;
            r.endpoint = t.endpoint;
            r.errorMessage = QStringLiteral("not stored");
            r.httpStatus = ints[(v + 1) % 6];
            r.usage.promptTokens = ints[v];
            r.usage.completionTokens = ints[(v + 2) % 6];
            r.usage.cacheReadTokens = ints[(v + 3) % 6];
            r.usage.cacheWriteTokens = ints[(v + 4) % 6];
            r.usage.tokensEstimated = v % 2 == 0;
            r.usage.hasCredits = v % 3 != 2; // a value beside hasCredits = false must still be NULL
            r.usage.credits = credits[v];
            r.latencyMs = bigs[v];
            r.ttftMs
                = std::array<qint64, 6> { -1, 0, 7, -2, std::numeric_limits<qint64>::max(), 300 }[size_t(v)];
            r.stream = v % 2 == 1;
            out.push_back(r);
        }
    }
    return out;
}

UsageLedgerOptions fastOptions()
{
    UsageLedgerOptions options;
    options.flushIntervalMs = 10;
    return options;
}

UsageLedgerOptions idleOptions()
{
    // The timer never fires during a test: only flush(), a full batch or stop() write.
    UsageLedgerOptions options;
    options.flushIntervalMs = 600'000;
    return options;
}

} // namespace

// Compares a report with the expectation, naming the first difference.
#define COMPARE_REPORT(report, expected)                                                                     \
    do {                                                                                                     \
        QCOMPARE((report).rows.size(), (expected).size());                                                   \
        UsageTotals expectedTotal_;                                                                          \
        auto it_ = (expected).begin();                                                                       \
        for (const UsageRow &row_ : (report).rows) {                                                         \
            QCOMPARE(row_.group, it_->first);                                                                \
            QVERIFY2(sameTotals(row_.totals, it_->second),                                                   \
                     QByteArray(row_.group.toUtf8() + ": " + describe(row_.totals)                           \
                                + " != " + describe(it_->second))                                            \
                         .constData());                                                                      \
            expectedTotal_ += it_->second;                                                                   \
            ++it_;                                                                                           \
        }                                                                                                    \
        QVERIFY2(sameTotals((report).totals, expectedTotal_),                                                \
                 QByteArray(describe((report).totals) + " != " + describe(expectedTotal_)).constData());     \
    } while (false)

class TstUsageLedger : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void totalsMatchRecorded_data();
    void totalsMatchRecorded();
    void keyAndAccountTotals();
    void partialHoursComeFromRawRecords_data();
    void partialHoursComeFromRawRecords();
    void seriesSplitsByDimension();
    void restartKeepsLedger();
    void cleanShutdownLosesNothing();
    void flushMakesRecordsVisible();
    void cachedTokensRecorded();
    void everyBatchSizeWritesEveryRecordInOrder();
    void lastUsedOnlyMovesForward();
    void fullQueueDropsOldest();
    void failedWriteIsRetried();
    void pruneStepsAreBoundedAndKeepRollups();
    void expiredPartialHourUsesRollup();
    void ledgerPrunesInBackground();
    void killedWriterLosesOnlyUnflushedRecords();
    void directPathWritesWhatQtSqlWrites();
    void directPathRollsBackAFailedBatch();
    void writerRunsAtIdlePriority_data();
    void writerRunsAtIdlePriority();
    void boundedFlushReturnsWhileTheWriterIsHeld();
};

void TstUsageLedger::totalsMatchRecorded_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("count");
    QTest::newRow("few") << 1u << 40;
    QTest::newRow("many-seed2") << 2u << 3000;
    QTest::newRow("many-seed3") << 3u << 12000; // several batches per flush
}

void TstUsageLedger::totalsMatchRecorded()
{
    QFETCH(quint32, seed);
    QFETCH(int, count);
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + 3 * dayMs);
    const std::vector<RequestRecord> records = randomRecords(seed, count, baseMs, 3 * dayMs);
    {
        UsageLedger ledger(db.database(), clock, fastOptions());
        DRAWBRIDGE_VERIFY_OK(ledger.start());
        for (const RequestRecord &r : records)
            ledger.requestFinished(r);
        DRAWBRIDGE_VERIFY_OK(ledger.flush());
        QCOMPARE(ledger.committedRecords(), quint64(count));
        QCOMPARE(ledger.pendingRecords(), 0u);
        QCOMPARE(ledger.droppedRecords(), 0u);
    }
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), qint64(count));
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT sum(requests) FROM usage_hourly")), qint64(count));

    const UsageQuery query(db.database(), clock, 30);
    QRandomGenerator rng(seed * 7919);
    std::vector<std::pair<qint64, qint64>> ranges
        = { { baseMs - hourMs, baseMs + 4 * dayMs }, // everything
            { baseMs + dayMs, baseMs + 2 * dayMs } }; // one whole day
    for (int i = 0; i < 6; ++i) { // arbitrary, mostly unaligned bounds
        const qint64 a = baseMs + qint64(rng.bounded(quint32(3 * dayMs / 1000))) * 1000 + rng.bounded(1000);
        const qint64 b = baseMs + qint64(rng.bounded(quint32(3 * dayMs / 1000))) * 1000 + rng.bounded(1000);
        ranges.emplace_back(std::min(a, b), std::max(a, b));
    }
    ranges.emplace_back(baseMs + 5 * hourMs + 60'000, baseMs + 5 * hourMs + 1'800'000); // inside one hour
    for (const auto &[from, to] : ranges) {
        for (const UsageGroupBy groupBy : { UsageGroupBy::Key, UsageGroupBy::Model, UsageGroupBy::Account,
                                            UsageGroupBy::Day, UsageGroupBy::Hour }) {
            const auto report = query.usage(from, to, groupBy);
            DRAWBRIDGE_VERIFY_OK(report);
            const auto expected = expectedGroups(records, from, to, groupBy);
            COMPARE_REPORT(*report, expected);
        }
    }
}

void TstUsageLedger::keyAndAccountTotals()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + 3 * dayMs);
    KeyRepository keys(db.database(), clock);
    ApiKeyRecord key;
    key.id = QStringLiteral("aaaa2222");
    key.name = QStringLiteral("a");
    key.keyHash = QString(64, u'a');
    DRAWBRIDGE_VERIFY_OK(keys.insert(key));

    const std::vector<RequestRecord> records = randomRecords(11, 2000, baseMs, 3 * dayMs);
    UsageLedger ledger(db.database(), clock, fastOptions());
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    for (const RequestRecord &r : records)
        ledger.requestFinished(r);
    DRAWBRIDGE_VERIFY_OK(ledger.flush());

    const UsageQuery query(db.database(), clock, 30);
    const auto byKey = expectedGroups(records, 0, baseMs + 10 * dayMs, UsageGroupBy::Key);
    const auto keyTotals = query.keyTotals();
    DRAWBRIDGE_VERIFY_OK(keyTotals);
    QCOMPARE(keyTotals->size(), byKey.size() - 1); // requests without a key are no key's
    qint64 lastUsed = 0;
    for (const RequestRecord &r : records) {
        if (r.keyId == key.id)
            lastUsed = std::max(lastUsed, r.startedMs);
    }
    for (const KeyUsage &k : *keyTotals) {
        QVERIFY(byKey.count(k.keyId));
        QVERIFY2(sameTotals(k.totals, byKey.at(k.keyId)), qPrintable(k.keyId));
        // Only aaaa2222 exists in api_keys; the others are ids that never authenticated.
        QCOMPARE(k.lastUsedAtMs, k.keyId == key.id ? std::optional<qint64>(lastUsed) : std::nullopt);
    }

    const auto byAccount = expectedGroups(records, 0, baseMs + 10 * dayMs, UsageGroupBy::Account);
    const auto accountTotals = query.accountTotals();
    DRAWBRIDGE_VERIFY_OK(accountTotals);
    QCOMPARE(accountTotals->size(), byAccount.size() - 1);
    for (const AccountUsage &a : *accountTotals)
        QVERIFY2(sameTotals(a.totals, byAccount.at(a.accountId)), qPrintable(a.accountId));
}

void TstUsageLedger::partialHoursComeFromRawRecords_data()
{
    QTest::addColumn<qint64>("fromOffset");
    QTest::addColumn<qint64>("toOffset");
    QTest::addColumn<QStringList>("hours"); // expected hour groups (HH of the day)
    QTest::addColumn<QList<qint64>>("requests"); // requests per expected hour
    const qint64 m = 60'000;
    // Records at 10:15, 10:45, 11:30 and 12:05 (offsets from baseMs).
    QTest::newRow("whole-hours") << 10 * hourMs << 12 * hourMs
                                 << QStringList { QStringLiteral("10"), QStringLiteral("11") }
                                 << QList<qint64> { 2, 1 };
    QTest::newRow("unaligned-both-ends")
        << 10 * hourMs + 30 * m << 12 * hourMs + 10 * m
        << QStringList { QStringLiteral("10"), QStringLiteral("11"), QStringLiteral("12") }
        << QList<qint64> { 1, 1, 1 };
    QTest::newRow("within-one-hour") << 10 * hourMs + 20 * m << 10 * hourMs + 50 * m
                                     << QStringList { QStringLiteral("10") } << QList<qint64> { 1 };
    QTest::newRow("across-one-boundary") << 10 * hourMs + 50 * m << 11 * hourMs + 40 * m
                                         << QStringList { QStringLiteral("11") } << QList<qint64> { 1 };
    QTest::newRow("bounds-exact") << 10 * hourMs + 15 * m << 11 * hourMs + 30 * m
                                  << QStringList { QStringLiteral("10") } << QList<qint64> { 2 };
    QTest::newRow("empty-range") << 10 * hourMs << 10 * hourMs << QStringList {} << QList<qint64> {};
}

void TstUsageLedger::partialHoursComeFromRawRecords()
{
    QFETCH(qint64, fromOffset);
    QFETCH(qint64, toOffset);
    QFETCH(QStringList, hours);
    QFETCH(QList<qint64>, requests);
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    const qint64 m = 60'000;
    {
        auto connection = db.database().connection();
        QVERIFY(connection.ok());
        UsageWriter writer(*connection);
        const QString k = QStringLiteral("aaaa2222");
        const QString a = QStringLiteral("acct-1");
        const QString model = QStringLiteral("kiro");
        // Two batches, so one hour's rollup row is updated by the second.
        DRAWBRIDGE_VERIFY_OK(writer.write({ makeRecord(baseMs + 10 * hourMs + 15 * m, k, a, model),
                                            makeRecord(baseMs + 11 * hourMs + 30 * m, k, a, model) }));
        DRAWBRIDGE_VERIFY_OK(writer.write({ makeRecord(baseMs + 10 * hourMs + 45 * m, k, a, model),
                                            makeRecord(baseMs + 12 * hourMs + 5 * m, k, a, model) }));
    }
    const UsageQuery query(db.database(), clock, 30);
    const auto report = query.usage(baseMs + fromOffset, baseMs + toOffset, UsageGroupBy::Hour);
    DRAWBRIDGE_VERIFY_OK(report);
    QCOMPARE(int(report->rows.size()), hours.size());
    qint64 total = 0;
    for (int i = 0; i < hours.size(); ++i) {
        QCOMPARE(report->rows[i].group, QStringLiteral("2026-03-10T%1:00:00Z").arg(hours[i]));
        QCOMPARE(report->rows[i].bucketStartMs, baseMs + hours[i].toInt() * hourMs);
        QCOMPARE(report->rows[i].totals.requests, requests[i]);
        total += requests[i];
    }
    QCOMPARE(report->totals.requests, total);
    const auto byKey = query.usage(baseMs + fromOffset, baseMs + toOffset, UsageGroupBy::Key);
    DRAWBRIDGE_VERIFY_OK(byKey);
    QCOMPARE(byKey->totals.requests, total);
}

void TstUsageLedger::seriesSplitsByDimension()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + 3 * dayMs);
    const std::vector<RequestRecord> records = randomRecords(5, 1500, baseMs, 3 * dayMs);
    {
        auto connection = db.database().connection();
        QVERIFY(connection.ok());
        UsageWriter writer(*connection);
        DRAWBRIDGE_VERIFY_OK(writer.write(records));
    }
    const UsageQuery query(db.database(), clock, 30);
    const qint64 from = baseMs + 7 * hourMs + 123'456;
    const qint64 to = baseMs + 2 * dayMs + 3 * hourMs + 17;
    const auto series = query.series(from, to, UsageBucket::Day, UsageSplit::Model);
    DRAWBRIDGE_VERIFY_OK(series);
    std::map<std::pair<qint64, QString>, UsageTotals> expected;
    for (const RequestRecord &r : records) {
        if (r.startedMs < from || r.startedMs >= to)
            continue;
        UsageTotals &t = expected[{ r.startedMs - r.startedMs % dayMs, r.model }];
        t.requests += 1;
        t.errors += r.status == QLatin1String("success") ? 0 : 1;
        t.promptTokens += r.usage.promptTokens;
        t.completionTokens += r.usage.completionTokens;
        t.credits += r.usage.credits;
    }
    QCOMPARE(series->size(), expected.size());
    auto it = expected.begin();
    for (const UsageSeriesPoint &p : *series) {
        QCOMPARE(p.bucketStartMs, it->first.first);
        QCOMPARE(p.series, it->first.second);
        QVERIFY2(sameTotals(p.totals, it->second), describe(p.totals).constData());
        ++it;
    }

    const auto hourly = query.series(from, to, UsageBucket::Hour, UsageSplit::None);
    DRAWBRIDGE_VERIFY_OK(hourly);
    const auto byHour = expectedGroups(records, from, to, UsageGroupBy::Hour);
    QCOMPARE(hourly->size(), byHour.size());
    for (const UsageSeriesPoint &p : *hourly)
        QVERIFY(p.series.isEmpty());
}

void TstUsageLedger::restartKeepsLedger()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + 3 * dayMs);
    const std::vector<RequestRecord> first = randomRecords(21, 700, baseMs, dayMs);
    const std::vector<RequestRecord> second = randomRecords(22, 300, baseMs + dayMs, dayMs);
    {
        UsageLedger ledger(db.database(), clock, fastOptions());
        DRAWBRIDGE_VERIFY_OK(ledger.start());
        for (const RequestRecord &r : first)
            ledger.requestFinished(r);
        DRAWBRIDGE_VERIFY_OK(ledger.flush());
    }
    db.close();
    DRAWBRIDGE_VERIFY_OK(db.reopen());
    {
        UsageLedger ledger(db.database(), clock, fastOptions());
        DRAWBRIDGE_VERIFY_OK(ledger.start());
        for (const RequestRecord &r : second)
            ledger.requestFinished(r);
    }
    db.close();
    DRAWBRIDGE_VERIFY_OK(db.reopen());

    std::vector<RequestRecord> all = first;
    all.insert(all.end(), second.begin(), second.end());
    const UsageQuery query(db.database(), clock, 30);
    for (const UsageGroupBy groupBy : { UsageGroupBy::Key, UsageGroupBy::Day }) {
        const auto report = query.usage(baseMs, baseMs + 2 * dayMs, groupBy);
        DRAWBRIDGE_VERIFY_OK(report);
        const auto expected = expectedGroups(all, baseMs, baseMs + 2 * dayMs, groupBy);
        COMPARE_REPORT(*report, expected);
    }
}

void TstUsageLedger::cleanShutdownLosesNothing()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    const std::vector<RequestRecord> records = randomRecords(31, 4000, baseMs, dayMs);
    {
        UsageLedger ledger(db.database(), clock, idleOptions());
        DRAWBRIDGE_VERIFY_OK(ledger.start());
        for (const RequestRecord &r : records)
            ledger.requestFinished(r);
        // Nothing is written yet: everything depends on the shutdown path.
        QCOMPARE(ledger.pendingRecords(), records.size());
        QCOMPARE(ledger.committedRecords(), 0u);
    }
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")),
             qint64(records.size()));
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT sum(requests) FROM usage_hourly")),
             qint64(records.size()));
}

void TstUsageLedger::flushMakesRecordsVisible()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    UsageLedger ledger(db.database(), clock, idleOptions());
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    const UsageQuery query(db.database(), clock, 30);
    for (int round = 1; round <= 3; ++round) {
        for (int i = 0; i < 25; ++i)
            ledger.requestFinished(
                makeRecord(baseMs + i, QStringLiteral("aaaa2222"), QString(), QStringLiteral("kiro")));
        DRAWBRIDGE_VERIFY_OK(ledger.flush());
        const auto report = query.usage(baseMs, baseMs + dayMs, UsageGroupBy::Key);
        DRAWBRIDGE_VERIFY_OK(report);
        QCOMPARE(report->totals.requests, qint64(25 * round));
    }
    ledger.stop();
    QVERIFY(!ledger.isRunning());
    DRAWBRIDGE_VERIFY_OK(ledger.flush()); // nothing left: fine after stop
    ledger.requestFinished(makeRecord(baseMs, QString(), QString(), QStringLiteral("kiro")));
    QVERIFY(!ledger.flush().ok()); // but a record nobody will write is reported
}

void TstUsageLedger::cachedTokensRecorded()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    UsageLedger ledger(db.database(), clock, idleOptions());
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    RequestRecord cached = makeRecord(baseMs, QStringLiteral("aaaa2222"), QStringLiteral("acct-1"),
                                      QStringLiteral("kiro"), QStringLiteral("success"), 1000, 20);
    cached.usage.cacheReadTokens = 600;
    cached.usage.cacheWriteTokens = 100;
    cached.usage.tokensEstimated = false;
    ledger.requestFinished(cached);
    ledger.requestFinished(
        makeRecord(baseMs + 1, QStringLiteral("aaaa2222"), QString(), QStringLiteral("kiro")));
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    // prompt_tokens is every input token; the cache columns say which part was read from / written to the
    // cache.
    QCOMPARE(
        scalar(db.database(),
               QStringLiteral("SELECT prompt_tokens * 1000000 + cache_read_tokens * 1000 + cache_write_tokens"
                              " FROM usage_records WHERE ts_ms = ?"),
               { baseMs }),
        qint64(1000 * 1000000 + 600 * 1000 + 100));
    QCOMPARE(scalar(db.database(),
                    QStringLiteral(
                        "SELECT cache_read_tokens + cache_write_tokens FROM usage_records WHERE ts_ms = ?"),
                    { baseMs + 1 }),
             qint64(0));
}

void TstUsageLedger::everyBatchSizeWritesEveryRecordInOrder()
{
    // Batches go out as multi-row INSERTs (chunks of maxRowsPerInsert, then the remainder's powers of two):
    // every size up to three chunks and a bit must write each record once, with its own values, in order.
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    auto connection = db.database().connection();
    QVERIFY(connection.ok());
    UsageWriter writer(*connection);
    const int maxSize = 3 * UsageWriter::maxRowsPerInsert + 5;
    qint64 ts = baseMs;
    int written = 0;
    for (int size = 1; size <= maxSize; ++size) {
        std::vector<RequestRecord> batch;
        for (int i = 0; i < size; ++i) {
            RequestRecord r = makeRecord(++ts, QStringLiteral("aaaa2222"), QStringLiteral("acct-1"),
                                         QStringLiteral("m-%1-%2").arg(size).arg(i));
            r.usage.promptTokens = size * 1000 + i;
            r.ttftMs = i % 3 == 0 ? -1 : i; // NULL in every chunk position
            batch.push_back(r);
        }
        DRAWBRIDGE_VERIFY_OK(writer.write(batch));
        written += size;
    }
    QSqlQuery q(*connection);
    QVERIFY(
        q.exec(QStringLiteral("SELECT ts_ms, model, prompt_tokens, ttft_ms FROM usage_records ORDER BY id")));
    int seen = 0;
    ts = baseMs;
    for (int size = 1; size <= maxSize; ++size) {
        for (int i = 0; i < size; ++i) {
            QVERIFY2(q.next(),
                     qPrintable(QStringLiteral("record %1 of a batch of %2 missing").arg(i).arg(size)));
            QCOMPARE(q.value(0).toLongLong(), ++ts);
            QCOMPARE(q.value(1).toString(), QStringLiteral("m-%1-%2").arg(size).arg(i));
            QCOMPARE(q.value(2).toInt(), size * 1000 + i);
            QCOMPARE(q.value(3).isNull(), i % 3 == 0);
            ++seen;
        }
    }
    QVERIFY(!q.next());
    QCOMPARE(seen, written);
}

void TstUsageLedger::lastUsedOnlyMovesForward()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    KeyRepository keys(db.database(), clock);
    for (const char *id : { "aaaa2222", "bbbb3333", "cccc4444" }) {
        ApiKeyRecord key;
        key.id = QLatin1String(id);
        key.name = key.id;
        key.keyHash = QString(64, u'f');
        if (key.id == QLatin1String("cccc4444"))
            key.lastUsedAtMs = baseMs + 5000; // newer than anything recorded below
        DRAWBRIDGE_VERIFY_OK(keys.insert(key));
    }
    UsageLedger ledger(db.database(), clock, idleOptions());
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    const QString model = QStringLiteral("kiro");
    ledger.requestFinished(makeRecord(baseMs + 100, QStringLiteral("aaaa2222"), QString(), model));
    ledger.requestFinished(makeRecord(baseMs + 300, QStringLiteral("aaaa2222"), QString(), model));
    ledger.requestFinished(makeRecord(baseMs + 200, QStringLiteral("aaaa2222"), QString(), model));
    ledger.requestFinished(makeRecord(baseMs + 100, QStringLiteral("cccc4444"), QString(), model));
    ledger.requestFinished(
        makeRecord(baseMs + 900, QString(), QString(), model, QStringLiteral("invalid_api_key")));
    ledger.requestFinished(makeRecord(baseMs + 900, QStringLiteral("zzzz9999"), QString(), model));
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    // A later batch with an older time must not move it back.
    ledger.requestFinished(makeRecord(baseMs + 50, QStringLiteral("aaaa2222"), QString(), model));
    DRAWBRIDGE_VERIFY_OK(ledger.flush());

    const auto lastUsed = [&keys](const char *id) -> std::optional<qint64> {
        auto key = keys.findById(QLatin1String(id));
        return key.ok() && key->has_value() ? (*key)->lastUsedAtMs : std::optional<qint64>(-1);
    };
    QCOMPARE(lastUsed("aaaa2222"), std::optional<qint64>(baseMs + 300));
    QCOMPARE(lastUsed("bbbb3333"), std::nullopt);
    QCOMPARE(lastUsed("cccc4444"), std::optional<qint64>(baseMs + 5000));
    // Every request is in the ledger, with or without a known key.
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), 7);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records WHERE key_id IS NULL")),
             1);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT sum(errors) FROM usage_hourly WHERE key_id = ''")),
             1);
}

void TstUsageLedger::fullQueueDropsOldest()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    UsageLedgerOptions options = idleOptions();
    options.maxQueued = 100;
    options.maxBatch = 1000; // never reached: the writer stays asleep
    UsageLedger ledger(db.database(), clock, options);
    // Not started yet: records queue up, as they would behind a stalled writer.
    for (int i = 0; i < 150; ++i)
        ledger.requestFinished(
            makeRecord(baseMs + i, QStringLiteral("aaaa2222"), QString(), QStringLiteral("kiro")));
    QCOMPARE(ledger.droppedRecords(), 50u);
    QCOMPARE(ledger.pendingRecords(), 100u);
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), 100);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT min(ts_ms) FROM usage_records")), baseMs + 50);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT max(ts_ms) FROM usage_records")), baseMs + 149);
}

void TstUsageLedger::failedWriteIsRetried()
{
    // A database without the schema makes every write fail until the tables appear.
    Test::TempDatabase db(0);
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    UsageLedger ledger(db.database(), clock, idleOptions());
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    for (int i = 0; i < 10; ++i)
        ledger.requestFinished(
            makeRecord(baseMs + i, QStringLiteral("aaaa2222"), QString(), QStringLiteral("kiro")));
    const Status failed = ledger.flush();
    QVERIFY(!failed.ok());
    QVERIFY2(failed.error().contains(QLatin1String("usage_records")), qPrintable(failed.error()));
    QCOMPARE(ledger.pendingRecords(), 10u);
    QCOMPARE(ledger.committedRecords(), 0u);

    auto connection = db.database().connection();
    QVERIFY(connection.ok());
    DRAWBRIDGE_VERIFY_OK(Migrations::migrate(*connection));
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    QCOMPARE(ledger.committedRecords(), 10u);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), 10);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT sum(requests) FROM usage_hourly")), 10);
}

void TstUsageLedger::pruneStepsAreBoundedAndKeepRollups()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs);
    const qint64 oldStart = baseMs - 40 * dayMs;
    const std::vector<RequestRecord> old = randomRecords(41, 2500, oldStart, 2 * dayMs);
    const std::vector<RequestRecord> recent = randomRecords(42, 100, baseMs - dayMs, dayMs);
    auto connection = db.database().connection();
    QVERIFY(connection.ok());
    UsageWriter writer(*connection);
    DRAWBRIDGE_VERIFY_OK(writer.write(old));
    DRAWBRIDGE_VERIFY_OK(writer.write(recent));

    const qint64 cutoff = clock.nowMs() - 30 * dayMs;
    QList<int> steps;
    for (int i = 0; i < 10; ++i) {
        const auto step = writer.pruneStep(cutoff, 1000);
        DRAWBRIDGE_VERIFY_OK(step);
        steps << *step;
        if (*step == 0)
            break;
    }
    QCOMPARE(steps, (QList<int> { 1000, 1000, 500, 0 }));
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records WHERE ts_ms < ?"),
                    { cutoff }),
             0);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), 100);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT sum(requests) FROM usage_hourly")), 2600);

    // Totals over the pruned days still come out right, from the rollups.
    std::vector<RequestRecord> all = old;
    all.insert(all.end(), recent.begin(), recent.end());
    const UsageQuery query(db.database(), clock, 30);
    for (const auto &[from, to] :
         { std::pair(oldStart, oldStart + dayMs), std::pair(oldStart, baseMs + dayMs),
           std::pair(oldStart + 3 * hourMs, oldStart + 20 * hourMs) }) {
        for (const UsageGroupBy groupBy : { UsageGroupBy::Model, UsageGroupBy::Hour }) {
            const auto report = query.usage(from, to, groupBy);
            DRAWBRIDGE_VERIFY_OK(report);
            const auto expected = expectedGroups(all, from, to, groupBy);
            COMPARE_REPORT(*report, expected);
        }
    }
}

void TstUsageLedger::expiredPartialHourUsesRollup()
{
    // Past the retention cutoff the raw rows of a partial hour may be gone; that hour then counts whole when
    // it starts inside the range, and not at all otherwise (documented in UsageQuery).
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs);
    const qint64 h = baseMs - 40 * dayMs; // a whole hour, long expired
    const qint64 m = 60'000;
    auto connection = db.database().connection();
    QVERIFY(connection.ok());
    UsageWriter writer(*connection);
    const QString k = QStringLiteral("aaaa2222");
    DRAWBRIDGE_VERIFY_OK(
        writer.write({ makeRecord(h + 10 * m, k, QString(), QStringLiteral("kiro")),
                       makeRecord(h + 50 * m, k, QString(), QStringLiteral("kiro")),
                       makeRecord(h + hourMs + 10 * m, k, QString(), QStringLiteral("kiro")),
                       makeRecord(h + hourMs + 50 * m, k, QString(), QStringLiteral("kiro")) }));
    const UsageQuery query(db.database(), clock, 30);
    const auto before = query.usage(h + 30 * m, h + hourMs + 30 * m, UsageGroupBy::Key);
    DRAWBRIDGE_VERIFY_OK(before);
    QCOMPARE(before->totals.requests, 2); // hour h is left out (starts before `from`), hour h+1 counts whole

    while (true) {
        const auto step = writer.pruneStep(clock.nowMs() - 30 * dayMs, 1000);
        DRAWBRIDGE_VERIFY_OK(step);
        if (*step == 0)
            break;
    }
    const auto after = query.usage(h + 30 * m, h + hourMs + 30 * m, UsageGroupBy::Key);
    DRAWBRIDGE_VERIFY_OK(after);
    QCOMPARE(after->totals.requests, 2); // the same answer with the raw rows gone
    const auto whole = query.usage(h, h + 2 * hourMs, UsageGroupBy::Hour);
    DRAWBRIDGE_VERIFY_OK(whole);
    QCOMPARE(whole->rows.size(), 2u);
    QCOMPARE(whole->totals.requests, 4);

    // With retention off, raw rows are trusted everywhere, so the same range is exact.
    Test::TempDatabase db2;
    QVERIFY2(db2.isValid(), qPrintable(db2.errorString()));
    auto connection2 = db2.database().connection();
    QVERIFY(connection2.ok());
    UsageWriter writer2(*connection2);
    DRAWBRIDGE_VERIFY_OK(
        writer2.write({ makeRecord(h + 10 * m, k, QString(), QStringLiteral("kiro")),
                        makeRecord(h + 50 * m, k, QString(), QStringLiteral("kiro")),
                        makeRecord(h + hourMs + 10 * m, k, QString(), QStringLiteral("kiro")),
                        makeRecord(h + hourMs + 50 * m, k, QString(), QStringLiteral("kiro")) }));
    const UsageQuery forever(db2.database(), clock, 0);
    const auto exact = forever.usage(h + 30 * m, h + hourMs + 30 * m, UsageGroupBy::Key);
    DRAWBRIDGE_VERIFY_OK(exact);
    QCOMPARE(exact->totals.requests, 2);
    const auto exactNarrow = forever.usage(h + 30 * m, h + 55 * m, UsageGroupBy::Key);
    DRAWBRIDGE_VERIFY_OK(exactNarrow);
    QCOMPARE(exactNarrow->totals.requests, 1);
}

void TstUsageLedger::ledgerPrunesInBackground()
{
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs); // not moved while the writer runs
    const std::vector<RequestRecord> old = randomRecords(51, 1200, baseMs - 45 * dayMs, dayMs);
    const std::vector<RequestRecord> recent = randomRecords(52, 30, baseMs - hourMs, hourMs);
    UsageLedgerOptions options;
    options.flushIntervalMs = 5;
    options.retentionDays = 30;
    options.pruneRowsPerStep = 100;
    options.pruneBudgetMs = 0; // one step per cycle: the pruning must take many cycles
    UsageLedger ledger(db.database(), clock, options);
    for (const RequestRecord &r : old)
        ledger.requestFinished(r);
    for (const RequestRecord &r : recent)
        ledger.requestFinished(r);
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    QTRY_COMPARE_WITH_TIMEOUT(scalar(db.database(),
                                     QStringLiteral("SELECT count(*) FROM usage_records WHERE ts_ms < ?"),
                                     { baseMs - 30 * dayMs }),
                              0, 20'000);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), 30);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT sum(requests) FROM usage_hourly")), 1230);
    const UsageQuery query(db.database(), clock, 30);
    const auto report = query.usage(baseMs - 46 * dayMs, baseMs + dayMs, UsageGroupBy::Day);
    DRAWBRIDGE_VERIFY_OK(report);
    std::vector<RequestRecord> all = old;
    all.insert(all.end(), recent.begin(), recent.end());
    const auto expected = expectedGroups(all, baseMs - 46 * dayMs, baseMs + dayMs, UsageGroupBy::Day);
    COMPARE_REPORT(*report, expected);
}

void TstUsageLedger::killedWriterLosesOnlyUnflushedRecords()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("crash.sqlite"));
    QProcess helper;
    helper.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    helper.start(QStringLiteral(DRAWBRIDGE_USAGE_CRASH_HELPER), { path });
    QVERIFY2(helper.waitForStarted(10'000), qPrintable(helper.errorString()));

    // Lines: "handed <n> committed <m>"; kill once a good number of batches is on disk and more are in
    // flight.
    qint64 handed = -1;
    qint64 committed = -1;
    bool sawPending = false; // the writer was behind at some report, i.e. it really worked under load
    QByteArray buffer;
    QElapsedTimer timer;
    timer.start();
    while (committed < 20'000 && timer.elapsed() < 60'000) {
        if (!helper.waitForReadyRead(5000))
            break;
        buffer += helper.readAllStandardOutput();
        while (buffer.contains('\n')) {
            const int eol = buffer.indexOf('\n');
            const QList<QByteArray> words = buffer.left(eol).split(' ');
            buffer.remove(0, eol + 1);
            QCOMPARE(words.size(), 4);
            handed = words[1].toLongLong();
            committed = words[3].toLongLong();
            sawPending = sawPending || handed > committed;
        }
    }
    QVERIFY2(committed >= 20'000, qPrintable(QStringLiteral("helper committed only %1").arg(committed)));
    QVERIFY(sawPending);
    helper.kill();
    QVERIFY(helper.waitForFinished(10'000));
    QCOMPARE(helper.exitStatus(), QProcess::CrashExit);

    // Database::open refuses a damaged file (quick_check); the full check must pass as well.
    auto db = Database::open(path);
    DRAWBRIDGE_VERIFY_OK(db);
    auto connection = (*db)->connection();
    QVERIFY(connection.ok());
    {
        QSqlQuery check(*connection);
        QVERIFY(check.exec(QStringLiteral("PRAGMA integrity_check")));
        QVERIFY(check.next());
        QCOMPARE(check.value(0).toString(), QStringLiteral("ok"));
    }
    const qint64 stored = scalar(**db, QStringLiteral("SELECT count(*) FROM usage_records"));
    // Every record reported committed survived; at most what was still queued or being written is lost (the
    // helper hands over 25 records per loop and reports every 10 loops, hence the 250 it may not have
    // reported).
    QVERIFY2(stored >= committed,
             qPrintable(QStringLiteral("%1 stored < %2 committed").arg(stored).arg(committed)));
    QVERIFY2(stored <= handed + 250,
             qPrintable(QStringLiteral("%1 stored > %2 handed").arg(stored).arg(handed)));
    // Batches are atomic: raw rows and rollups always agree.
    QCOMPARE(scalar(**db, QStringLiteral("SELECT sum(requests) FROM usage_hourly")), stored);
    qInfo("handed %lld, reported committed %lld, stored %lld", handed, committed, stored);
}

void TstUsageLedger::directPathWritesWhatQtSqlWrites()
{
    // On SQLite the writer binds through SQLite's C API; QSqlQuery (what PostgreSQL still takes) is the
    // reference: the same batches must leave byte-identical rows in every table the writer touches.
    Test::TempDatabase direct;
    QVERIFY2(direct.isValid(), qPrintable(direct.errorString()));
    if (direct.isPostgres())
        QSKIP("the direct path is SQLite's; PostgreSQL writes through QtSql only");
    Test::TempDatabase reference;
    QVERIFY2(reference.isValid(), qPrintable(reference.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    for (Test::TempDatabase *db : { &direct, &reference }) {
        KeyRepository keys(db->database(), clock);
        for (const char *id : { "aaaa2222", "bbbb3333", "cccc4444" }) {
            ApiKeyRecord key;
            key.id = QLatin1String(id);
            key.name = key.id;
            key.keyHash = QString(64, u'f');
            if (key.id == QLatin1String("bbbb3333"))
                key.lastUsedAtMs = baseMs + 3 * 977'777; // between the records' times: moves once
            DRAWBRIDGE_VERIFY_OK(keys.insert(key));
        }
    }
    auto directConnection = direct.database().connection();
    auto referenceConnection = reference.database().connection();
    QVERIFY(directConnection.ok() && referenceConnection.ok());
    {
        UsageWriter directWriter(*directConnection);
        UsageWriter referenceWriter(*referenceConnection, UsageWriter::SqliteAccess::QtSql);
        QVERIFY(directWriter.writesDirectly());
        QVERIFY(!referenceWriter.writesDirectly());
        const std::vector<RequestRecord> edges = edgeRecords();
        // The edges twice (the second time every rollup row exists: the upsert's update side), then a
        // random batch larger than one multi-row INSERT, then a single record.
        const std::vector<RequestRecord> batches[]
            = { edges,
                edges,
                randomRecords(18, 2 * UsageWriter::maxRowsPerInsert + 3, baseMs, dayMs),
                { edges.back() } };
        for (const auto &batch : batches) {
            DRAWBRIDGE_VERIFY_OK(directWriter.write(batch));
            DRAWBRIDGE_VERIFY_OK(referenceWriter.write(batch));
        }
    }
    const std::tuple<QString, QString> tables[] = {
        { QStringLiteral("usage_records"), QStringLiteral("id") },
        { QStringLiteral("usage_hourly"), QStringLiteral("hour_start_ms, key_id, account_id, model") },
        { QStringLiteral("api_keys"), QStringLiteral("id") },
    };
    for (const auto &[table, order] : tables) {
        const QStringList got = dumpTable(*directConnection, table, order);
        const QStringList want = dumpTable(*referenceConnection, table, order);
        QVERIFY2(got.size() > 2, qPrintable(table + QStringLiteral(": ") + got.value(0)));
        QCOMPARE(got.size(), want.size());
        for (qsizetype i = 0; i < got.size(); ++i)
            QVERIFY2(got[i] == want[i],
                     qPrintable(QStringLiteral("%1 row %2:\n direct %3\n QtSql  %4")
                                    .arg(table)
                                    .arg(i)
                                    .arg(got[i], want[i])));
    }
    // The records' own counts, so two writers that both dropped rows cannot pass; every key was used later
    // than bbbb3333's earlier time.
    QCOMPARE(scalar(direct.database(), QStringLiteral("SELECT count(*) FROM usage_records")),
             qint64(2 * edgeRecords().size() + 2 * UsageWriter::maxRowsPerInsert + 3 + 1));
    QCOMPARE(scalar(direct.database(), QStringLiteral("SELECT count(*) FROM api_keys WHERE last_used_at > ?"),
                    { baseMs + 3 * 977'777 }),
             qint64(3));
}

void TstUsageLedger::directPathRollsBackAFailedBatch()
{
    // A batch that fails part-way (a NaN credit becomes NULL in the NOT NULL rollup sum, after every record
    // was inserted) leaves nothing behind on either path, and the writer goes on with the next batch.
    Test::TempDatabase direct;
    QVERIFY2(direct.isValid(), qPrintable(direct.errorString()));
    if (direct.isPostgres())
        QSKIP("the direct path is SQLite's; PostgreSQL writes through QtSql only");
    Test::TempDatabase reference;
    QVERIFY2(reference.isValid(), qPrintable(reference.errorString()));
    auto directConnection = direct.database().connection();
    auto referenceConnection = reference.database().connection();
    QVERIFY(directConnection.ok() && referenceConnection.ok());
    UsageWriter directWriter(*directConnection);
    UsageWriter referenceWriter(*referenceConnection, UsageWriter::SqliteAccess::QtSql);
    QVERIFY(directWriter.writesDirectly());
    std::vector<RequestRecord> bad = randomRecords(7, 10, baseMs, hourMs);
    bad.back().usage.hasCredits = true;
    bad.back().usage.credits = std::numeric_limits<double>::quiet_NaN();
    const Status directFailure = directWriter.write(bad);
    QVERIFY(!directFailure);
    QVERIFY2(directFailure.error().contains(QLatin1String("NOT NULL")), qPrintable(directFailure.error()));
    QVERIFY(!referenceWriter.write(bad));
    for (const Test::TempDatabase *db : { &direct, &reference }) {
        QCOMPARE(scalar(db->database(), QStringLiteral("SELECT count(*) FROM usage_records")), qint64(0));
        QCOMPARE(scalar(db->database(), QStringLiteral("SELECT count(*) FROM usage_hourly")), qint64(0));
    }
    const std::vector<RequestRecord> good = randomRecords(8, 5, baseMs, hourMs);
    DRAWBRIDGE_VERIFY_OK(directWriter.write(good));
    DRAWBRIDGE_VERIFY_OK(referenceWriter.write(good));
    QCOMPARE(dumpTable(*directConnection, QStringLiteral("usage_records"), QStringLiteral("id")),
             dumpTable(*referenceConnection, QStringLiteral("usage_records"), QStringLiteral("id")));
    QCOMPARE(scalar(direct.database(), QStringLiteral("SELECT count(*) FROM usage_records")), qint64(5));
}

namespace {

/** The kernel thread id of this process's thread named @p comm (as /proc shows it, 15 characters), or -1. */
pid_t threadNamed(const QByteArray &comm)
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile f(tasks.filePath(tid + QStringLiteral("/comm")));
        if (f.open(QIODevice::ReadOnly) && f.readAll().trimmed() == comm)
            return pid_t(tid.toInt());
    }
    return -1;
}

} // namespace

void TstUsageLedger::writerRunsAtIdlePriority_data()
{
    QTest::addColumn<bool>("idlePriority");
    QTest::addColumn<int>("policy");
    QTest::newRow("default: SCHED_IDLE") << true << int(SCHED_IDLE);
    QTest::newRow("opted out: SCHED_OTHER") << false << int(SCHED_OTHER);
}

void TstUsageLedger::writerRunsAtIdlePriority()
{
    // A writer at normal priority, woken every flush interval, kept its core for its whole batch and
    // delayed the requests of those milliseconds (the gateway's p99 at concurrency 1 was 5-10 times its
    // median); at SCHED_IDLE every wake-up of a normal thread preempts it.
    QFETCH(bool, idlePriority);
    QFETCH(int, policy);
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    UsageLedgerOptions options = idleOptions();
    options.idlePriority = idlePriority;
    UsageLedger ledger(db.database(), clock, options);
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    const pid_t tid = threadNamed("drawbridge-usag"); // "drawbridge-usage-ledger", cut by the kernel
    QVERIFY(tid > 0);
    QCOMPARE(sched_getscheduler(tid), policy);
    // And it still writes.
    for (int i = 0; i < 10; ++i)
        ledger.requestFinished(
            makeRecord(baseMs + i, QStringLiteral("aaaa2222"), QString(), QStringLiteral("kiro")));
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    QCOMPARE(ledger.committedRecords(), 10u);
}

void TstUsageLedger::boundedFlushReturnsWhileTheWriterIsHeld()
{
    // The admin usage report flushes on the gateway thread with a bound: a writer that cannot finish (here
    // held by another connection's lock; in life, starved on a machine whose cores are all busy) must not
    // stall every request. The records are not lost: a later flush writes them.
    Test::TempDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.errorString()));
    Test::FakeClock clock(baseMs + dayMs);
    UsageLedger ledger(db.database(), clock, idleOptions());
    DRAWBRIDGE_VERIFY_OK(ledger.start());
    // Another connection takes the lock the writer's first write needs: SQLite's write lock, or on PostgreSQL
    // an EXCLUSIVE lock on usage_records, which the INSERT's ROW EXCLUSIVE waits for.
    Result<std::unique_ptr<Database>> other = Error {};
    if (db.isPostgres()) {
        const auto url = PostgresUrl::parse(db.url());
        QVERIFY(url.ok());
        other = Database::openPostgres(*url);
    } else {
        other = Database::open(db.filePath());
    }
    DRAWBRIDGE_VERIFY_OK(other);
    {
        const Result<QSqlDatabase> blocker = (*other)->connection();
        DRAWBRIDGE_VERIFY_OK(blocker);
        QSqlQuery lock(*blocker);
        QVERIFY2(lock.exec(db.isPostgres() ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")),
                 qPrintable(lock.lastError().text()));
        if (db.isPostgres())
            QVERIFY2(lock.exec(QStringLiteral("LOCK TABLE usage_records IN EXCLUSIVE MODE")),
                     qPrintable(lock.lastError().text()));
        for (int i = 0; i < 20; ++i)
            ledger.requestFinished(
                makeRecord(baseMs + i, QStringLiteral("aaaa2222"), QString(), QStringLiteral("kiro")));
        QElapsedTimer elapsed;
        elapsed.start();
        const Status bounded = ledger.flush(std::chrono::milliseconds(200));
        QVERIFY(!bounded.ok());
        QVERIFY2(bounded.error().contains(QLatin1String("within 200 ms")), qPrintable(bounded.error()));
        QVERIFY2(elapsed.elapsed() < 2000, qPrintable(QString::number(elapsed.elapsed())));
        QCOMPARE(ledger.committedRecords(), 0u);
        QCOMPARE(ledger.pendingRecords(), 20u);
        QVERIFY2(lock.exec(QStringLiteral("COMMIT")), qPrintable(lock.lastError().text()));
    }
    DRAWBRIDGE_VERIFY_OK(ledger.flush());
    QCOMPARE(ledger.committedRecords(), 20u);
    QCOMPARE(scalar(db.database(), QStringLiteral("SELECT count(*) FROM usage_records")), 20);
}

QTEST_GUILESS_MAIN(TstUsageLedger)
#include "tst_usageledger.moc"
