// SPDX-License-Identifier: MIT
#include <QAbstractItemModelTester>
#include <QFile>
#include <QGuiApplication>
#include <QTest>
#include <QTranslator>

#include "gui/models/apikeytablemodel.h"
#include "gui/models/keylimitstablemodel.h"
#include "gui/models/requestlogmodel.h"
#include "gui/models/traystate.h"
#include "gui/models/usageseriesmodel.h"
#include "guiapplication.h"
#include "server/core/ratelimiter.h"
#include "server/gateway/keyservice.h"
#include "tests/support/fakeclock.h"

Q_DECLARE_METATYPE(Drawbridge::TrayInputs)
Q_DECLARE_METATYPE(Drawbridge::TrayState)

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TestGuiModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void apiKeyModelFollowsKeyService()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        KeyService &keys = app->keys();
        ApiKeyTableModel model(keys, 60);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        KeyService::NewKey a;
        a.name = QStringLiteral("alpha");
        const auto created = keys.create(a);
        QVERIFY(created.ok());
        KeyService::NewKey b;
        b.name = QStringLiteral("beta");
        b.rateLimitRpm = 5;
        b.models = { QStringLiteral("claude-sonnet-4.5") };
        QVERIFY(keys.create(b).ok());
        QCOMPARE(model.rowCount(), 2);

        const int row = model.rowOf(created->record.id);
        QVERIFY(row >= 0);
        QCOMPARE(model.index(row, ApiKeyTableModel::Name).data().toString(), QStringLiteral("alpha"));
        QCOMPARE(model.index(row, ApiKeyTableModel::Rpm).data().toString(), QStringLiteral("60 (default)"));
        QCOMPARE(model.index(row, ApiKeyTableModel::Models).data().toString(), QStringLiteral("all"));
        QCOMPARE(model.index(row, ApiKeyTableModel::State).data().toString(), QStringLiteral("active"));
        const int other = model.rowOf(model.keyId(1 - row));
        QCOMPARE(model.index(other, ApiKeyTableModel::Rpm).data().toString(), QStringLiteral("5"));
        QCOMPARE(model.index(other, ApiKeyTableModel::Models).data().toString(),
                 QStringLiteral("claude-sonnet-4.5"));

        KeyService::Patch patch;
        patch.name = QStringLiteral("alpha2");
        QVERIFY(keys.update(created->record.id, patch).ok());
        QCOMPARE(model.index(row, ApiKeyTableModel::Name).data().toString(), QStringLiteral("alpha2"));

        // Edited in place through KeyService.
        QVERIFY(model.flags(model.index(row, ApiKeyTableModel::Models)) & Qt::ItemIsEditable);
        QVERIFY(!(model.flags(model.index(row, ApiKeyTableModel::Created)) & Qt::ItemIsEditable));
        QVERIFY(model.setData(model.index(row, ApiKeyTableModel::Models),
                              QStringLiteral(" claude-haiku-4.5, claude-opus-4.5 ,")));
        QCOMPARE(keys.find(created->record.id)->models,
                 QStringList({ QStringLiteral("claude-haiku-4.5"), QStringLiteral("claude-opus-4.5") }));
        QCOMPARE(model.index(row, ApiKeyTableModel::Models).data().toString(),
                 QStringLiteral("claude-haiku-4.5, claude-opus-4.5"));
        QVERIFY(model.setData(model.index(row, ApiKeyTableModel::Rpm), 12));
        QCOMPARE(model.index(row, ApiKeyTableModel::Rpm).data().toString(), QStringLiteral("12"));
        QVERIFY(!model.setData(model.index(row, ApiKeyTableModel::Name), QStringLiteral("  ")));
        QVERIFY(!model.setData(model.index(row, ApiKeyTableModel::Rpm), QStringLiteral("many")));

        QVERIFY(keys.revoke(created->record.id).ok());
        QCOMPARE(model.index(row, ApiKeyTableModel::State).data().toString(), QStringLiteral("revoked"));
        QVERIFY(!(model.flags(model.index(row, ApiKeyTableModel::Models)) & Qt::ItemIsEditable));
        QVERIFY(model.index(row, 0).data(ApiKeyTableModel::RevokedRole).toBool());
        model.reload();
        QCOMPARE(model.rowCount(), 2);
    }

    void keyLimitsModelEditsAndPeeks()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        FakeClock clock;
        RateLimiter limiter(clock);
        KeyLimitsTableModel model(app->keys(), limiter, 60, [&clock] { return clock.nowMs(); });
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        KeyService::NewKey k;
        k.name = QStringLiteral("limited");
        const auto created = app->keys().create(k);
        QVERIFY(created.ok());
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(model.flags(model.index(0, KeyLimitsTableModel::Rpm)) & Qt::ItemIsEditable);
        QVERIFY(!(model.flags(model.index(0, KeyLimitsTableModel::Used)) & Qt::ItemIsEditable));

        QVERIFY(model.setData(model.index(0, KeyLimitsTableModel::Rpm), 3));
        QCOMPARE(app->keys().find(created->record.id)->rateLimitRpm, std::optional<int>(3));
        QCOMPARE(model.index(0, KeyLimitsTableModel::Rpm).data().toString(), QStringLiteral("3"));
        QVERIFY(!model.setData(model.index(0, KeyLimitsTableModel::Rpm), -1));

        QVERIFY(limiter.acquire(created->record.id, 3).admitted);
        QVERIFY(limiter.acquire(created->record.id, 3).admitted);
        model.refreshWindows();
        QCOMPARE(model.index(0, KeyLimitsTableModel::Used).data().toString(), QStringLiteral("2 / 3"));
        QCOMPARE(model.index(0, KeyLimitsTableModel::Remaining).data().toInt(), 1);
        QVERIFY(limiter.acquire(created->record.id, 3).admitted);
        QCOMPARE(model.index(0, KeyLimitsTableModel::Reset).data().toString(), QStringLiteral("in 60 s"));

        QVERIFY(model.setData(model.index(0, KeyLimitsTableModel::Rpm), 0));
        QCOMPARE(app->keys().find(created->record.id)->rateLimitRpm, std::nullopt);
        QCOMPARE(model.index(0, KeyLimitsTableModel::Rpm).data().toString(), QStringLiteral("60 (default)"));

        QVERIFY(app->keys().revoke(created->record.id).ok());
        QCOMPARE(model.rowCount(), 0);
    }

    void requestLogIsABoundedRing()
    {
        RequestLogModel model(3);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (int i = 0; i < 5; ++i) {
            RequestRecord r;
            r.keyId = QStringLiteral("key%1").arg(i);
            r.status = i % 2 ? QStringLiteral("error") : QStringLiteral("success");
            r.httpStatus = i % 2 ? 502 : 200;
            r.latencyMs = 10 * i;
            model.append(r);
        }
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, RequestLogModel::Key).data().toString(), QStringLiteral("key4"));
        QCOMPARE(model.index(2, RequestLogModel::Key).data().toString(), QStringLiteral("key2"));
        QCOMPARE(model.index(1, RequestLogModel::Status).data(RequestLogModel::StatusRole).toString(),
                 QStringLiteral("error"));
        QCOMPARE(model.index(0, RequestLogModel::Latency).data().toString(), QStringLiteral("40 ms"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void usageSeriesMergesBucketsAndExportsCsv()
    {
        UsageSeriesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const qint64 h = 1'780'000'000'000 / usageHourMs * usageHourMs;
        std::vector<UsageSeriesPoint> points;
        points.push_back({ h, QStringLiteral("a"), UsageTotals { 2, 1, 100, 50, 0.5 } });
        points.push_back({ h, QStringLiteral("b"), UsageTotals { 3, 0, 10, 5, 0.25 } });
        points.push_back({ h + usageHourMs, QString(), UsageTotals { 1, 0, 1, 1, 0.125 } });
        model.setPoints(points, UsageBucket::Hour);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, UsageSeriesModel::Requests).data().toLongLong(), 5);
        QCOMPARE(model.index(0, UsageSeriesModel::Credits).data(UsageSeriesModel::ValueRole).toDouble(),
                 0.75);
        QCOMPARE(model.totals().requests, 6);
        const QStringList lines = model.toCsv().split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0],
                 QStringLiteral("bucket_start_utc,requests,errors,prompt_tokens,completion_tokens,credits"));
        QCOMPARE(lines[1], QStringLiteral("2026-05-28T20:00:00Z,5,1,110,55,0.7500"));
        model.setPoints({}, UsageBucket::Day);
        QCOMPARE(model.rowCount(), 0);
    }

    void trayStates_data()
    {
        QTest::addColumn<TrayInputs>("inputs");
        QTest::addColumn<TrayState>("expected");
        TrayInputs in;
        in.accounts = 1;
        in.pool.enabledAccounts = 1;
        in.pool.usableAccounts = 1;
        in.pool.totalSlots = 3;
        in.pool.availableSlots = 3;
        in.accountStatuses = { AccountStatus::Active };
        QTest::newRow("idle") << in << TrayState::Idle;
        TrayInputs serving = in;
        serving.inFlight = 1;
        serving.pool.inFlight = 1;
        serving.pool.availableSlots = 2;
        QTest::newRow("serving") << serving << TrayState::Serving;
        // Every slot in use is busy, not rate limited: nothing is wrong, requests wait their turn.
        TrayInputs busy = serving;
        busy.pool.inFlight = 3;
        busy.pool.availableSlots = 0;
        QTest::newRow("all-slots-busy") << busy << TrayState::Busy;
        busy.pool.queued = 5;
        QTest::newRow("all-slots-busy-and-queue") << busy << TrayState::Busy;
        TrayInputs cooling = in;
        cooling.pool.usableAccounts = 0;
        cooling.accountStatuses = { AccountStatus::CoolingDown };
        QTest::newRow("cooling-down") << cooling << TrayState::Limited;
        TrayInputs login = cooling;
        login.accountStatuses = { AccountStatus::NeedsLogin };
        QTest::newRow("needs-login") << login << TrayState::Error;
        TrayInputs keychain = in;
        keychain.keychainAvailable = false;
        QTest::newRow("no-keychain") << keychain << TrayState::Error;
        TrayInputs draining = keychain;
        draining.draining = true;
        QTest::newRow("draining") << draining << TrayState::Draining;
        draining.stopped = true;
        QTest::newRow("drained") << draining << TrayState::Stopped;
        // A first run has no account: that is something to set up, not an error.
        QTest::newRow("first-run") << TrayInputs {} << TrayState::SetUp;
        TrayInputs paused = in;
        paused.pool = PoolStatus {};
        paused.accountStatuses.clear();
        QTest::newRow("every-account-paused") << paused << TrayState::Paused;
    }

    void trayStates()
    {
        QFETCH(TrayInputs, inputs);
        QFETCH(TrayState, expected);
        QCOMPARE(trayStateFor(inputs), expected);
    }

    void iconsAreEmbedded()
    {
        QVERIFY(QFile::exists(QStringLiteral(":/icons/app/drawbridge.svg")));
        for (TrayState s :
             { TrayState::Idle, TrayState::Serving, TrayState::Busy, TrayState::Limited, TrayState::Error,
               TrayState::Draining, TrayState::Stopped, TrayState::SetUp, TrayState::Paused })
            QVERIFY2(QFile::exists(trayIconPath(s)), qPrintable(trayIconPath(s)));
        QVERIFY(QFile::exists(QStringLiteral(":/i18n/drawbridge_de.qm")));
    }

    void translationsAreEmbeddedAndComplete()
    {
        QTranslator de;
        QVERIFY(de.load(QStringLiteral("drawbridge_de"), QStringLiteral(":/i18n")));
        QCOMPARE(de.translate("Drawbridge::MainWindow", "&Keys"), QStringLiteral("&Schl\u00fcssel"));
        QCOMPARE(de.translate("Drawbridge::SettingsWidget", "%n day(s)", nullptr, 2),
                 QStringLiteral("%n Tage"));
        QTranslator en;
        QVERIFY(en.load(QStringLiteral("drawbridge_en"), QStringLiteral(":/i18n")));
        QCOMPARE(en.translate("Drawbridge::SettingsWidget", "%n day(s)", nullptr, 1),
                 QStringLiteral("%n day"));
        QCOMPARE(en.translate("Drawbridge::SettingsWidget", "%n day(s)", nullptr, 30),
                 QStringLiteral("%n days"));
    }
};

QTEST_MAIN(TestGuiModels)
#include "tst_guimodels.moc"
