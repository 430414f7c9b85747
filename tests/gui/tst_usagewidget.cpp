// SPDX-License-Identifier: MIT
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QTemporaryDir>
#include <QTest>

#include "gui/models/usageseriesmodel.h"
#include "gui/widgets/usagewidget.h"
#include "guiapplication.h"
#include "server/storage/usageledger.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TestUsageWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chartIsFilledFromUsageData()
    {
        auto app = startEphemeralApplication();
        QVERIFY(app);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 thisHour = usageBucketStart(now, usageHourMs);
        // Three requests this hour, two three hours ago (one failed).
        for (int i = 0; i < 5; ++i) {
            RequestRecord r;
            r.startedMs = i < 3 ? thisHour + 1000 * i : thisHour - 3 * usageHourMs + 1000 * i;
            r.keyId = QStringLiteral("abcd1234");
            r.accountId = QStringLiteral("acct");
            r.model = i == 2 ? QStringLiteral("claude-opus-4.5") : QStringLiteral("claude-sonnet-4.5");
            r.endpoint = QStringLiteral("chat");
            r.status = i == 4 ? QStringLiteral("upstream_error") : QStringLiteral("success");
            r.httpStatus = i == 4 ? 502 : 200;
            r.usage.promptTokens = 100;
            r.usage.completionTokens = 20;
            r.usage.credits = 0.5;
            r.usage.hasCredits = true;
            app->ledger().requestFinished(r);
        }
        QVERIFY(app->ledger().flush().ok());

        FakePrompter prompter;
        UsageWidget widget(app->usage(), prompter, [now] { return now; });
        widget.resize(800, 500);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));

        QLineSeries *requests = widget.requestsSeries();
        QCOMPARE(requests->count(), 2);
        QCOMPARE(requests->at(0), QPointF(double(thisHour - 3 * usageHourMs), 2.0));
        QCOMPARE(requests->at(1), QPointF(double(thisHour), 3.0));
        QCOMPARE(widget.creditsSeries()->count(), 2);
        QCOMPARE(widget.creditsSeries()->at(1).y(), 1.5);
        QCOMPARE(widget.model()->totals().requests, 5);
        QCOMPARE(widget.model()->totals().errors, 1);
        QVERIFY(widget.totalsLabel()->text().startsWith(QStringLiteral("5 requests, 1 errors")));

        // Split by model: one line per model beside the total.
        widget.splitPicker()->setCurrentIndex(widget.splitPicker()->findText(QStringLiteral("Model")));
        QCOMPARE(int(widget.splitSeries().size()), 2);
        QCOMPARE(widget.splitSeries()[0]->name(), QStringLiteral("claude-sonnet-4.5"));
        QCOMPARE(widget.splitSeries()[0]->count(), 2);
        QCOMPARE(widget.splitSeries()[1]->name(), QStringLiteral("claude-opus-4.5"));
        QCOMPARE(widget.splitSeries()[1]->at(0), QPointF(double(thisHour), 1.0));
        QCOMPARE(requests->count(), 2);
        QCOMPARE(widget.model()->totals().requests, 5);
        QVERIFY(!widget.creditsSeries()->isVisible());
        widget.splitPicker()->setCurrentIndex(0);
        QVERIFY(widget.splitSeries().empty());
        QVERIFY(widget.creditsSeries()->isVisible());

        // Daily buckets put everything of today into one point (both hours are today unless just after 03:00
        // UTC).
        widget.rangePicker()->setCurrentIndex(2);
        QCOMPARE(widget.model()->totals().requests, 5);
        QVERIFY(requests->count() >= 1 && requests->count() <= 2);

        QTemporaryDir dir;
        prompter.fileName = dir.filePath(QStringLiteral("usage.csv"));
        widget.exportCsv();
        QVERIFY(prompter.errors.isEmpty());
        QFile csv(prompter.fileName);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QByteArray content = csv.readAll();
        QVERIFY(content.startsWith("bucket_start_utc,requests,"));
        QCOMPARE(content.count("\r\n"), 1 + requests->count());

        prompter.fileName = dir.filePath(QStringLiteral("missing/dir/usage.csv"));
        widget.exportCsv();
        QCOMPARE(prompter.errors.size(), 1);
    }
};

QTEST_MAIN(TestUsageWidget)
#include "tst_usagewidget.moc"
