// SPDX-License-Identifier: MIT
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QScopeGuard>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "gui/models/accounttablemodel.h"
#include "gui/widgets/accountswidget.h"
#include "guiapplication.h"
#include "kiroclidatabase.h"
#include "server/core/accountpool.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "tests/fakekiro/fakekiroupstream.h"
#include "tests/support/fakeclock.h"

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
        // The error with the time it happened (this run saw it): "<time>: Account suspended".
        const QString lastError = model.index(row, AccountTableModel::LastError).data().toString();
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(app->pool().account(id)->lastErrorAtMs);
        QVERIFY2(lastError
                         == QLocale().toString(at.time(), QLocale::ShortFormat)
                             + QStringLiteral(": Account suspended")
                     || lastError
                         == QLocale().toString(at, QLocale::ShortFormat)
                             + QStringLiteral(": Account suspended"),
                 qPrintable(lastError));
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

    void firstRunImportsTheKiroCliLogin()
    {
        // A temporary HOME holding what "kiro-cli login" with Builder ID leaves behind.
        QTemporaryDir home;
        const QByteArray oldHome = qgetenv("HOME");
        const QByteArray oldXdg = qgetenv("XDG_DATA_HOME");
        qputenv("HOME", QFile::encodeName(home.path()));
        qunsetenv("XDG_DATA_HOME");
        const auto restore = qScopeGuard([&] {
            qputenv("HOME", oldHome);
            if (!oldXdg.isNull())
                qputenv("XDG_DATA_HOME", oldXdg);
        });

        FakeKiroUpstream fake;
        QVERIFY(fake.listen());
        const QString base = fake.baseUrl().toString();
        FakeKiroUpstream::Account upstream;
        upstream.name = QStringLiteral("cli-user");
        upstream.refreshToken = QStringLiteral("aor-cli-refresh");
        upstream.clientId = QStringLiteral("cli-client");
        upstream.clientSecret = QStringLiteral("cli-secret");
        fake.addAccount(upstream);
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = base;
            s.kiro.socialAuthBaseUrl = base;
            s.kiro.oidcBaseUrl = base;
        });
        QVERIFY(app);

        FakePrompter prompter;
        FakeClock clock;
        AccountsWidget widget(app->accounts(), 3, prompter);
        widget.setClock(clock);
        const auto explanation = [&] {
            for (QLabel *l : widget.findChildren<QLabel *>())
                if (l->accessibleName() == QStringLiteral("Status explanation"))
                    return l->text();
            return QString();
        };
        QVERIFY2(explanation().contains(QStringLiteral("Log in to the Kiro IDE or kiro-cli")),
                 qPrintable(explanation()));

        // Nothing to import yet: one clear error, no account.
        widget.importFromKiroCliButton()->click();
        QCOMPARE(prompter.errors.size(), 1);
        QVERIFY2(prompter.errors.first().contains(QStringLiteral("kiro-cli")),
                 qPrintable(prompter.errors.first()));
        QCOMPARE(widget.model()->rowCount(), 0);
        prompter.errors.clear();

        const QString dir = home.filePath(QStringLiteral(".local/share/kiro-cli"));
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(writeKiroCliDatabase(
            dir + QStringLiteral("/data.sqlite3"),
            { { QStringLiteral("kirocli:odic:token"), cliUserToken },
              { QStringLiteral("kirocli:odic:device-registration"), cliUserRegistration } }));
        // The empty tab notices the login while it is open.
        QTRY_VERIFY2(explanation().contains(QStringLiteral("kiro-cli is logged in on this computer")),
                     qPrintable(explanation()));

        widget.importFromKiroCliButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(widget.model()->rowCount(), 1, 10'000);
        QVERIFY2(prompter.errors.isEmpty(), qPrintable(prompter.errors.join(u'\n')));
        const auto accounts = app->accounts().accounts();
        QCOMPARE(accounts.size(), 1);
        QCOMPARE(accounts.front().record.name, QStringLiteral("kiro-cli (Builder ID)"));
        QCOMPARE(accounts.front().record.authMethod, QStringLiteral("idc"));
        // Proven against the (fake) SSO-OIDC with kiro-cli's own client and refresh token.
        QVERIFY(fake.refreshCount(QStringLiteral("cli-user")) >= 1);

        // A registered client past its expiry is refused before anything is sent.
        clock.setNowMs(
            QDateTime::fromString(QStringLiteral("2026-09-01T00:00:00Z"), Qt::ISODate).toMSecsSinceEpoch());
        widget.importFromKiroCliButton()->click();
        QCOMPARE(prompter.errors.size(), 1);
        QVERIFY2(prompter.errors.first().contains(QStringLiteral("expired")),
                 qPrintable(prompter.errors.first()));
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
