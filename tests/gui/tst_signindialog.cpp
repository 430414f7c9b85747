// SPDX-License-Identifier: MIT
// Sign in from the app: the device-code flow against a fake SSO-OIDC, then the account in the pool.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QUrl>
#include <QUrlQuery>

#include "app/applicationdesktopservices.h"
#include "fakesocialauth.h"
#include "gui/models/accounttablemodel.h"
#include "gui/widgets/accountswidget.h"
#include "gui/widgets/signindialog.h"
#include "guiapplication.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kirosociallogin.h"
#include "server/secrets/memorysecretstore.h"
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

    void signsAnAccountThatNeedsLoginInAgainInPlace()
    {
        FakeOidc oidc;
        oidc.tokenAnswers = { QStringLiteral("authorization_pending"), QStringLiteral("ok") };
        FakeKiroUpstream kiro;
        QVERIFY(kiro.listen());
        FakeKiroUpstream::Account upstream;
        upstream.name = QStringLiteral("dana");
        upstream.refreshToken = QStringLiteral("refresh-dana");
        kiro.addAccount(upstream);
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = kiro.baseUrl().toString();
            s.kiro.socialAuthBaseUrl = kiro.baseUrl().toString();
            s.kiro.oidcBaseUrl = oidc.baseUrl();
        });
        QVERIFY(app);
        KiroAccountManager::NewAccount account;
        account.name = QStringLiteral("dana");
        account.authMethod = QStringLiteral("social");
        account.refreshToken = upstream.refreshToken;
        account.slots = 4;
        std::optional<KiroAccountManager::Outcome> added;
        app->accounts().addAccount(account, this, [&](const KiroAccountManager::Outcome &o) { added = o; });
        QTRY_VERIFY_WITH_TIMEOUT(added.has_value(), 10'000);
        QVERIFY2(added->ok(), qPrintable(added->failure.message));
        const QString id = added->account->record.id;

        FakePrompter prompter;
        AccountsWidget widget(app->accounts(), 2, prompter);
        QSignalSpy again(&widget, &AccountsWidget::signInAgainRequested);
        QTRY_COMPARE(widget.model()->rowCount(), 1);
        widget.view()->selectRow(0);
        QVERIFY(!widget.signInAgainButton()->isEnabled()); // an active account has nothing to sign in for

        // The login expires upstream: the account needs a new one.
        kiro.revokeRefreshToken(QStringLiteral("dana"));
        bool failed = false;
        app->accounts().accessToken(
            id, true, this, [&](const KiroAccountContext *c, const QString &) { failed = c == nullptr; });
        QTRY_VERIFY(failed);
        QCOMPARE(app->accounts().account(id)->status, AccountStatus::NeedsLogin);
        QTRY_VERIFY(widget.signInAgainButton()->isEnabled());
        widget.signInAgainButton()->click();
        QCOMPARE(again.count(), 1);
        QCOMPARE(again.first().at(0).toString(), id);
        QCOMPARE(again.first().at(1).toString(), QStringLiteral("dana"));

        ApplicationDesktopServices services(*app);
        SignInDialog dialog(services);
        dialog.setUrlOpener([](const QUrl &) {});
        dialog.setAccountToReplace(id, QStringLiteral("dana"));
        QVERIFY(!dialog.name()->isEnabled());
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        dialog.signInButton()->click();
        QTRY_COMPARE(dialog.code()->text(), QStringLiteral("ABCD-EFGH"));
        QVERIFY(accepted.wait(10'000));
        QCOMPARE(dialog.accountId(), id);
        QCOMPARE(app->accounts().accounts().size(), size_t(1)); // the same account, not a second one
        const auto signedIn = app->accounts().account(id);
        QVERIFY(signedIn);
        QCOMPARE(signedIn->record.name, QStringLiteral("dana"));
        QCOMPARE(signedIn->record.authMethod, QStringLiteral("idc"));
        QCOMPARE(signedIn->slotsTotal, 4);
        QCOMPARE(signedIn->status, AccountStatus::Active);
        QTRY_VERIFY(!widget.signInAgainButton()->isEnabled());
    }

    void aKeychainRefusingHalfWayLeavesTheAccountAsItWas()
    {
        FakeOidc oidc;
        oidc.tokenAnswers = { QStringLiteral("ok") };
        FakeKiroUpstream kiro;
        QVERIFY(kiro.listen());
        FakeKiroUpstream::Account upstream;
        upstream.name = QStringLiteral("erin");
        upstream.refreshToken = QStringLiteral("refresh-erin");
        kiro.addAccount(upstream);
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.apiBaseUrl = kiro.baseUrl().toString();
            s.kiro.socialAuthBaseUrl = kiro.baseUrl().toString();
            s.kiro.oidcBaseUrl = oidc.baseUrl();
        });
        QVERIFY(app);
        KiroAccountManager::NewAccount account;
        account.name = QStringLiteral("erin");
        account.authMethod = QStringLiteral("social");
        account.refreshToken = upstream.refreshToken;
        std::optional<KiroAccountManager::Outcome> added;
        app->accounts().addAccount(account, this, [&](const KiroAccountManager::Outcome &o) { added = o; });
        QTRY_VERIFY_WITH_TIMEOUT(added.has_value(), 10'000);
        QVERIFY2(added->ok(), qPrintable(added->failure.message));
        const QString id = added->account->record.id;
        kiro.revokeRefreshToken(QStringLiteral("erin"));
        bool failed = false;
        app->accounts().accessToken(
            id, true, this, [&](const KiroAccountContext *c, const QString &) { failed = c == nullptr; });
        QTRY_VERIFY(failed);
        QCOMPARE(app->accounts().account(id)->status, AccountStatus::NeedsLogin);

        // The ephemeral app keeps its secrets in memory, which can refuse one write like a cancelled prompt.
        auto *store = qobject_cast<MemorySecretStore *>(&app->secrets());
        QVERIFY(store);
        const QStringList keysBefore = store->keys();
        const auto secret = [&](const QString &name) {
            std::optional<SecretResult> result;
            store->read(KiroAccountManager::secretKey(id, name), this,
                        [&](const SecretResult &r) { result = r; });
            if (!QTest::qWaitFor([&] { return result.has_value(); }, 5'000))
                return QByteArray("<no answer>");
            return result && result->ok() ? result->data : QByteArray("<none>");
        };
        const QByteArray refreshBefore = secret(QStringLiteral("refresh_token"));
        QCOMPARE(refreshBefore, QByteArray("refresh-erin"));
        const KiroAccountInfo before = *app->accounts().account(id);
        store->failOneWrite(1, SecretError::AccessDenied, QStringLiteral("the keyring prompt was dismissed"));

        ApplicationDesktopServices services(*app);
        SignInDialog dialog(services);
        dialog.setUrlOpener([](const QUrl &) {});
        dialog.setAccountToReplace(id, QStringLiteral("erin"));
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        dialog.signInButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.signInButton()->isEnabled(), 10'000);

        // One clear error, in the dialog, and the dialog stays open for another try.
        const QString status = dialog.status()->text();
        QVERIFY2(status.startsWith(QStringLiteral("Signed in, but the account kept its old login:")),
                 qPrintable(status));
        QCOMPARE(status.count(QStringLiteral("the keyring prompt was dismissed")), 1);
        QCOMPARE(accepted.count(), 0);

        // Nothing half-updated: the record, the pool's view and every secret are as they were (the one write
        // that went through is taken back).
        const auto after = app->accounts().account(id);
        QVERIFY(after);
        QCOMPARE(after->record.authMethod, before.record.authMethod);
        QCOMPARE(after->record.region, before.record.region);
        QCOMPARE(after->record.profileArn, before.record.profileArn);
        QCOMPARE(after->status, AccountStatus::NeedsLogin);
        QCOMPARE(app->accounts().accounts().size(), size_t(1));
        QTRY_COMPARE(store->keys(), keysBefore);
        QCOMPARE(secret(QStringLiteral("refresh_token")), refreshBefore);
        QCOMPARE(secret(QStringLiteral("client_id")), QByteArray("<none>"));

        // The keychain answers again: the same dialog signs the account in.
        oidc.tokenAnswers = { QStringLiteral("ok") };
        dialog.signInButton()->click();
        QVERIFY(accepted.wait(10'000));
        QCOMPARE(app->accounts().account(id)->record.authMethod, QStringLiteral("idc"));
        QCOMPARE(app->accounts().account(id)->status, AccountStatus::Active);
        QCOMPARE(secret(QStringLiteral("client_id")), QByteArray("client-1"));
    }

    void pkceChallengeIsRfc7636()
    {
        // RFC 7636, Appendix B.
        QCOMPARE(KiroSocialLogin::challengeFor(QStringLiteral("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
                 QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }

    void googleSignInByPastingTheAddressTheBrowserEndedOn()
    {
        FakeSocialAuth auth;
        QVERIFY(auth.port != 0);
        auto app = startEphemeralApplication([&](Settings &s) {
            s.kiro.socialAuthBaseUrl = auth.baseUrl();
            s.kiro.apiBaseUrl = auth.baseUrl();
        });
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        SignInDialog dialog(services);
        QList<QUrl> opened;
        dialog.setUrlOpener([&opened](const QUrl &url) { opened.append(url); });
        QVERIFY(!dialog.pastedAddress()->isEnabled());
        dialog.method()->setCurrentIndex(dialog.method()->findData(QStringLiteral("Google")));
        QVERIFY(dialog.pastedAddress()->isEnabled());
        QVERIFY(!dialog.finishButton()->isEnabled()); // nothing to finish before the page was opened
        QVERIFY(!dialog.startUrl()->isEnabled());
        dialog.name()->setText(QStringLiteral("gmail"));
        dialog.signInButton()->click();

        // The browser goes to the auth service's /login with a PKCE challenge and Kiro's own redirect.
        QCOMPARE(opened.size(), 1);
        const QUrl login = opened.first();
        QCOMPARE(login.toString(QUrl::RemoveQuery), auth.baseUrl() + QStringLiteral("/login"));
        const QUrlQuery q(login);
        QCOMPARE(q.queryItemValue(QStringLiteral("idp")), QStringLiteral("Google"));
        QCOMPARE(q.queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded),
                 QStringLiteral("kiro://kiro.kiroAgent/authenticate-success"));
        QCOMPARE(q.queryItemValue(QStringLiteral("code_challenge_method")), QStringLiteral("S256"));
        const QString state = q.queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded);
        QVERIFY(state.size() >= 16);
        auth.challenge = q.queryItemValue(QStringLiteral("code_challenge"), QUrl::FullyDecoded);
        QCOMPARE(auth.challenge.size(), 43);
        QVERIFY(dialog.status()->text().contains(QStringLiteral("kiro://")));

        // Addresses that are not this sign-in's answer are refused before anything is sent.
        dialog.pastedAddress()->setText(
            QStringLiteral("kiro://kiro.kiroAgent/authenticate-success?code=code-1&state=someone-elses"));
        dialog.finishButton()->click();
        QVERIFY2(dialog.status()->text().contains(QStringLiteral("another sign-in")),
                 qPrintable(dialog.status()->text()));
        dialog.pastedAddress()->setText(QStringLiteral("https://example.com/nothing"));
        dialog.finishButton()->click();
        QVERIFY(dialog.status()->text().contains(QStringLiteral("no sign-in code")));
        dialog.pastedAddress()->setText(QStringLiteral("kiro://kiro.kiroAgent/authenticate-success?error="
                                                       "access_denied&error_description=User%20cancelled"));
        dialog.finishButton()->click();
        QVERIFY(dialog.status()->text().contains(QStringLiteral("User cancelled")));
        QCOMPARE(auth.tokenRequests.size(), 0);

        // The real one: exchanged with the verifier, the account is added with the social login.
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        dialog.pastedAddress()->setText(
            QStringLiteral("kiro://kiro.kiroAgent/authenticate-success?code=code-1&state=%1")
                .arg(QString::fromLatin1(QUrl::toPercentEncoding(state))));
        dialog.finishButton()->click();
        QVERIFY(accepted.wait(10'000));
        QCOMPARE(auth.tokenRequests.size(), 1);
        QCOMPARE(auth.tokenRequests.first().value(QStringLiteral("code")).toString(),
                 QStringLiteral("code-1"));
        QVERIFY(auth.refreshes >= 1); // proven like any added account
        const auto account = app->accounts().account(dialog.accountId());
        QVERIFY(account);
        QCOMPARE(account->record.name, QStringLiteral("gmail"));
        QCOMPARE(account->record.authMethod, QStringLiteral("social"));
        QCOMPARE(account->record.profileArn, auth.profileArn);
    }

    void aUsedOrWrongCodeSaysToStartAgain()
    {
        FakeSocialAuth auth;
        auto app = startEphemeralApplication([&](Settings &s) { s.kiro.socialAuthBaseUrl = auth.baseUrl(); });
        QVERIFY(app);
        ApplicationDesktopServices services(*app);
        auto login = services.createSocialLogin(QStringLiteral("Github"));
        const QUrlQuery q(login->loginUrl());
        QCOMPARE(q.queryItemValue(QStringLiteral("idp")), QStringLiteral("Github"));
        auth.challenge = q.queryItemValue(QStringLiteral("code_challenge"), QUrl::FullyDecoded);
        QSignalSpy failed(login.get(), &KiroSocialLogin::failed);
        QSignalSpy signedIn(login.get(), &KiroSocialLogin::signedIn);
        login->complete(QStringLiteral("code=stale&state=") + q.queryItemValue(QStringLiteral("state")));
        QVERIFY(failed.wait(10'000));
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("Invalid code")),
                 qPrintable(failed.first().first().toString()));
        QVERIFY(failed.first().first().toString().contains(QStringLiteral("Open the sign-in page again")));
        QCOMPARE(signedIn.count(), 0);
    }
};

QTEST_MAIN(TstSignInDialog)
#include "tst_signindialog.moc"
