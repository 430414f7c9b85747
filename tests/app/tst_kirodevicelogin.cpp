// SPDX-License-Identifier: MIT
// The device-code sign-in against a fake SSO-OIDC on 127.0.0.1 that answers like the real one at its worst:
// pending, slow_down, expiry and denial.
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <deque>

#include "server/core/clock.h"
#include "server/kiroprovider/kirodevicelogin.h"
#include "server/net/httpclient.h"
#include "tests/app/fakeoidc.h"
#include "tests/support/fakeclock.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

Q_DECLARE_METATYPE(Drawbridge::KiroDeviceLogin::Code)
Q_DECLARE_METATYPE(Drawbridge::KiroDeviceLogin::Credentials)

class TstKiroDeviceLogin : public QObject
{
    Q_OBJECT

private:
    KiroDeviceLogin::Options options(const FakeOidc &oidc) const
    {
        KiroDeviceLogin::Options o;
        o.oidcBaseUrl = oidc.baseUrl();
        o.startUrl = KiroDeviceLogin::builderIdStartUrl();
        o.minIntervalMs = 10; // the fake says interval 0; polling is still paced
        o.slowDownStepMs = 40;
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<KiroDeviceLogin::Code>();
        qRegisterMetaType<KiroDeviceLogin::Credentials>();
    }

    void signsInAfterPendingAndSlowDown()
    {
        FakeOidc oidc;
        QVERIFY(oidc.port != 0);
        oidc.tokenAnswers = { QStringLiteral("authorization_pending"), QStringLiteral("slow_down"),
                              QStringLiteral("authorization_pending"), QStringLiteral("ok") };
        HttpClient http;
        SystemClock clock;
        KiroDeviceLogin login(http, clock, options(oidc));
        QSignalSpy code(&login, &KiroDeviceLogin::codeReady);
        QSignalSpy done(&login, &KiroDeviceLogin::signedIn);
        QSignalSpy failed(&login, &KiroDeviceLogin::failed);
        login.start();
        QVERIFY(code.wait(5000));
        const auto shown = code.first().first().value<KiroDeviceLogin::Code>();
        QCOMPARE(shown.userCode, QStringLiteral("ABCD-EFGH"));
        QCOMPARE(shown.verificationUriComplete, QStringLiteral("https://device.example?user_code=ABCD-EFGH"));
        QVERIFY(shown.expiresAtMs > clock.nowMs());
        QCOMPARE(login.intervalMs(), 10);
        QVERIFY(done.wait(5000));
        QCOMPARE(failed.count(), 0);
        const auto c = done.first().first().value<KiroDeviceLogin::Credentials>();
        QCOMPARE(c.refreshToken, QStringLiteral("refresh-1"));
        QCOMPARE(c.clientId, QStringLiteral("client-1"));
        QCOMPARE(c.clientSecret, QStringLiteral("secret-1"));
        // slow_down made every later poll wait longer (RFC 8628 §3.5).
        QCOMPARE(login.intervalMs(), 10 + 40);
        QCOMPARE(oidc.tokenRequests.size(), 4);
        const QJsonObject poll = oidc.tokenRequests.last();
        QCOMPARE(poll.value(QStringLiteral("grantType")).toString(),
                 QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"));
        QCOMPARE(poll.value(QStringLiteral("deviceCode")).toString(), QStringLiteral("device-1"));
        QCOMPARE(oidc.registered.value(QStringLiteral("clientType")).toString(), QStringLiteral("public"));
        QCOMPARE(oidc.authorization.value(QStringLiteral("startUrl")).toString(),
                 KiroDeviceLogin::builderIdStartUrl());
    }

    void failures_data()
    {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<bool>("expired");
        QTest::addColumn<QString>("message");
        QTest::newRow("expired-token") << "expired_token" << true << "expired";
        QTest::newRow("denied") << "access_denied" << false << "denied";
        QTest::newRow("other") << "invalid_client" << false << "invalid_client";
    }

    void failures()
    {
        QFETCH(QString, answer);
        QFETCH(bool, expired);
        QFETCH(QString, message);
        FakeOidc oidc;
        oidc.tokenAnswers = { QStringLiteral("authorization_pending"), answer };
        HttpClient http;
        SystemClock clock;
        KiroDeviceLogin login(http, clock, options(oidc));
        QSignalSpy failed(&login, &KiroDeviceLogin::failed);
        QSignalSpy done(&login, &KiroDeviceLogin::signedIn);
        login.start();
        QVERIFY(failed.wait(5000));
        QVERIFY2(failed.first().at(0).toString().contains(message),
                 qPrintable(failed.first().at(0).toString()));
        QCOMPARE(failed.first().at(1).toBool(), expired);
        QCOMPARE(done.count(), 0);
        QCOMPARE(oidc.tokenRequests.size(), 2); // no polling after the end
    }

    void theCodesOwnExpiryEndsPolling()
    {
        FakeOidc oidc;
        oidc.expiresIn = 30; // the server keeps saying "pending"; the code's lifetime still ends it
        HttpClient http;
        FakeClock clock;
        KiroDeviceLogin login(http, clock, options(oidc));
        QSignalSpy code(&login, &KiroDeviceLogin::codeReady);
        QSignalSpy failed(&login, &KiroDeviceLogin::failed);
        login.start();
        QVERIFY(code.wait(5000));
        QTRY_VERIFY(oidc.tokenRequests.size() >= 2);
        clock.advanceMs(31'000);
        QVERIFY(failed.wait(5000));
        QVERIFY(failed.first().at(1).toBool());
    }
};

QTEST_GUILESS_MAIN(TstKiroDeviceLogin)
#include "tst_kirodevicelogin.moc"
