// SPDX-License-Identifier: MIT
// Sign in from the app: the device-code flow against a fake SSO-OIDC, then the account in the pool.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

#include "app/applicationdesktopservices.h"
#include "gui/widgets/signindialog.h"
#include "guiapplication.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "tests/app/fakeoidc.h"
#include "tests/fakekiro/fakekiroupstream.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

class TstSignInDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void signsInWithBuilderIdAndAddsTheAccount()
    {
        FakeOidc oidc;
        QVERIFY(oidc.port != 0);
        oidc.tokenAnswers = { QStringLiteral("authorization_pending"), QStringLiteral("ok") };
        FakeKiroUpstream kiro;
        QVERIFY(kiro.listen());
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = kiro.baseUrl().toString();
            s.kiro.socialAuthBaseUrl = kiro.baseUrl().toString();
            s.kiro.oidcBaseUrl = oidc.baseUrl();
        });
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        SignInDialog dialog(services);
        QList<QUrl> opened;
        dialog.setUrlOpener([&opened](const QUrl &url) { opened.append(url); });
        QVERIFY(!dialog.startUrl()->isEnabled()); // Builder ID needs no start URL
        dialog.name()->setText(QStringLiteral("builder"));
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        dialog.signInButton()->click();
        QTRY_COMPARE(dialog.code()->text(), QStringLiteral("ABCD-EFGH"));
        QCOMPARE(opened.size(), 1); // the page opens by itself, with the code filled in
        QCOMPARE(opened.first(), QUrl(QStringLiteral("https://device.example?user_code=ABCD-EFGH")));
        QVERIFY(dialog.status()->text().contains(QStringLiteral("ABCD-EFGH")));
        QVERIFY(accepted.wait(10'000));
        const auto account = app->accounts().account(dialog.accountId());
        QVERIFY(account);
        QCOMPARE(account->record.name, QStringLiteral("builder"));
        QCOMPARE(account->record.authMethod, QStringLiteral("idc"));
    }

    void identityCenterNeedsAStartUrlAndReportsDenial()
    {
        FakeOidc oidc;
        oidc.tokenAnswers = { QStringLiteral("access_denied") };
        auto app = startEphemeralApplication([&](Settings &s) { s.kiro.oidcBaseUrl = oidc.baseUrl(); });
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        SignInDialog dialog(services);
        dialog.setUrlOpener([](const QUrl &) {});
        dialog.method()->setCurrentIndex(dialog.method()->findData(QStringLiteral("idc")));
        QVERIFY(dialog.startUrl()->isEnabled());
        dialog.signInButton()->click();
        QVERIFY(dialog.status()->text().contains(QStringLiteral("start URL")));
        QVERIFY(dialog.signInButton()->isEnabled());
        dialog.startUrl()->setText(QStringLiteral("https://my-company.awsapps.com/start"));
        dialog.signInButton()->click();
        QTRY_VERIFY(dialog.status()->text().contains(QStringLiteral("denied")));
        QVERIFY(dialog.signInButton()->isEnabled());
        QCOMPARE(oidc.authorization.value(QStringLiteral("startUrl")).toString(),
                 QStringLiteral("https://my-company.awsapps.com/start"));
        QVERIFY(app->accounts().accounts().empty());
    }
};

QTEST_MAIN(TstSignInDialog)
#include "tst_signindialog.moc"
