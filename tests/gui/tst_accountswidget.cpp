// SPDX-License-Identifier: MIT
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QTableView>
#include <QTest>

#include "gui/models/accounttablemodel.h"
#include "gui/widgets/accountswidget.h"
#include "guiapplication.h"
#include "server/core/accountpool.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TestAccountsWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statusChangesAreShown()
    {
        FakeKiroUpstream fake;
        QVERIFY(fake.listen());
        const QString base = fake.baseUrl().toString();
        FakeKiroUpstream::Account upstream;
        upstream.name = QStringLiteral("alice");
        upstream.refreshToken = QStringLiteral("refresh-alice");
        fake.addAccount(upstream);
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = base;
            s.kiro.socialAuthBaseUrl = base;
            s.kiro.oidcBaseUrl = base;
        });
        QVERIFY(app);

        FakePrompter prompter;
        AccountsWidget widget(app->accounts(), 3, prompter);
        AccountTableModel &model = *widget.model();
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        KiroAccountManager::NewAccount account;
        account.name = QStringLiteral("alice");
        account.authMethod = QStringLiteral("social");
        account.refreshToken = QStringLiteral("refresh-alice");
        bool added = false;
        QString id;
        app->accounts().addAccount(account, this, [&](const KiroAccountManager::Outcome &o) {
            added = true;
            QVERIFY2(o.ok(), qPrintable(o.failure.message));
            id = o.account->record.id;
        });
        QTRY_VERIFY_WITH_TIMEOUT(added, 10'000);
        QTRY_COMPARE(model.rowCount(), 1);
        const int row = model.rowOf(id);
        QCOMPARE(model.index(row, AccountTableModel::Name).data().toString(), QStringLiteral("alice"));
        QCOMPARE(model.index(row, AccountTableModel::Status).data().toString(), QStringLiteral("Active"));
        QCOMPARE(model.index(row, AccountTableModel::Slots).data().toString(), QStringLiteral("0 / 3"));
        QCOMPARE(model.index(row, 0).data(AccountTableModel::SlotsTotalRole).toInt(), 3);

        app->pool().markThrottled(id, false, QStringLiteral("Too many requests"));
        QTRY_COMPARE(model.index(row, AccountTableModel::Status).data().toString(),
                     QStringLiteral("Cooling down"));
        QVERIFY(model.index(row, AccountTableModel::Cooldown).data().toString().contains(QLatin1Char(':')));

        app->pool().markSuspended(id, QStringLiteral("Account suspended"));
        QTRY_COMPARE(model.index(row, AccountTableModel::Status).data().toString(),
                     QStringLiteral("Suspended"));
        QCOMPARE(model.index(row, AccountTableModel::LastError).data().toString(),
                 QStringLiteral("Account suspended"));
        widget.view()->selectRow(row);
        const auto labels = widget.findChildren<QLabel *>();
        const bool explained = std::any_of(labels.begin(), labels.end(), [](QLabel *l) {
            return l->accessibleName() == QStringLiteral("Status explanation")
                && l->text().contains(QStringLiteral("suspended"));
        });
        QVERIFY(explained);

        // Disabling through the widget goes to the manager and comes back as a status.
        QMetaObject::invokeMethod(&widget, "toggleEnabled");
        QTRY_VERIFY(!app->accounts().account(id)->record.enabled);
        QVERIFY(!model.index(row, 0).data(AccountTableModel::EnabledRole).toBool());

        prompter.answer = true;
        QMetaObject::invokeMethod(&widget, "removeSelected");
        QTRY_COMPARE(model.rowCount(), 0);
    }

    void explanationsCoverTheUserStates()
    {
        for (AccountStatus s :
             { AccountStatus::NeedsLogin, AccountStatus::Suspended, AccountStatus::QuotaExhausted })
            QVERIFY(AccountTableModel::statusExplanation(s).size() > 40);
        QVERIFY(AccountTableModel::statusExplanation(AccountStatus::Active).isEmpty());
    }
};

QTEST_MAIN(TestAccountsWidget)
#include "tst_accountswidget.moc"
