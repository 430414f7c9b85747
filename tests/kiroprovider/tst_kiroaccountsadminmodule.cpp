// SPDX-License-Identifier: MIT
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <memory>

#include "server/kiroprovider/kiroaccountsadminmodule.h"
#include "server/kiroprovider/kirodevicelogin.h"
#include "tests/app/fakeoidc.h"
#include "tests/kiroprovider/kiroaccountfixture.h"
#include "tests/support/adminmoduleclient.h"

using namespace Drawbridge;
using Test::KiroAccountFixture;

namespace {

const QStringList accountKeys = {
    QStringLiteral("auth_method"),  QStringLiteral("cooldown_until"), QStringLiteral("credits_remaining"),
    QStringLiteral("credits_used"), QStringLiteral("endpoint"),       QStringLiteral("id"),
    QStringLiteral("last_error"),   QStringLiteral("last_error_at"),  QStringLiteral("models"),
    QStringLiteral("name"),         QStringLiteral("next_reset"),     QStringLiteral("queued"),
    QStringLiteral("requests"),     QStringLiteral("slots_in_use"),   QStringLiteral("slots_total"),
    QStringLiteral("status"),       QStringLiteral("type"),           QStringLiteral("usage_limit"),
};

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

} // namespace

class TstKiroAccountsAdminModule : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void routes_data();
    void routes();
    void emptyList();
    void createReturns201WithoutSecrets();
    void createIdcNeverEchoesClientSecret();
    void createValidation_data();
    void createValidation();
    void createWithRejectedToken();
    void createWithUnreachableAuth();
    void importMissingFile();
    void importDefaultFile();
    void getPatchDelete();
    void unknownIdIs404_data();
    void unknownIdIs404();
    void listShowsPoolAndQuota();
    void loginAddsAnAccount();
    void loginSignsAnAccountInAgain();
    void loginEndings_data();
    void loginEndings();
    void loginValidation_data();
    void loginValidation();
    void loginWithoutSignInService();
    void loginsAreBounded();
    void answeredLoginsMakeRoom();

private:
    /** POST /admin/accounts/login against a fake SSO-OIDC; the 202 body, or empty. */
    QJsonObject startLogin(Test::FakeOidc &oidc, const QJsonObject &request);
    /** GET /admin/accounts/login/{id} until it is no longer pending (bounded). */
    QJsonObject loginResult(const QString &loginId);

    struct Reply
    {
        int status = 0;
        QJsonObject json;
        QByteArray raw;
    };
    Reply call(const QByteArray &method, const QString &path, const QByteArray &body = {});
    QString addAccount(const QString &name);

    std::unique_ptr<KiroAccountFixture> f;
    std::unique_ptr<KiroAccountsAdminModule> m_module;
    QTemporaryDir m_ide;
};

void TstKiroAccountsAdminModule::init()
{
    f = std::make_unique<KiroAccountFixture>();
    QVERIFY2(f->isValid(), qPrintable(f->errorString()));
    KiroAccountManager::Options options = KiroAccountFixture::defaultOptions();
    options.ideTokenFilePath = m_ide.filePath(QStringLiteral("kiro-auth-token.json"));
    f->startManager(options);
    m_module = std::make_unique<KiroAccountsAdminModule>(*f->manager, *f->pool);
}

void TstKiroAccountsAdminModule::cleanup()
{
    m_module.reset();
    f.reset();
    QFile::remove(m_ide.filePath(QStringLiteral("kiro-auth-token.json")));
}

TstKiroAccountsAdminModule::Reply
TstKiroAccountsAdminModule::call(const QByteArray &method, const QString &path, const QByteArray &body)
{
    const Test::AdminModuleClient::Reply reply = Test::AdminModuleClient(*m_module).call(method, path, body);
    return Reply { reply.status, QJsonDocument::fromJson(reply.body).object(), reply.body };
}

QString TstKiroAccountsAdminModule::addAccount(const QString &name)
{
    const auto params = f->socialAccount(name);
    const Reply r
        = call("POST", QStringLiteral("accounts"),
               QJsonDocument(QJsonObject { { QStringLiteral("type"), QStringLiteral("kiro") },
                                           { QStringLiteral("name"), name },
                                           { QStringLiteral("auth_method"), QStringLiteral("social") },
                                           { QStringLiteral("refresh_token"), params.refreshToken } })
                   .toJson());
    return r.status == 201 ? r.json.value(QStringLiteral("id")).toString() : QString();
}

void TstKiroAccountsAdminModule::routes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::newRow("list") << QByteArray("GET") << QStringLiteral("accounts") << 200;
    QTest::newRow("collection-put") << QByteArray("PUT") << QStringLiteral("accounts") << 405;
    // "import" is a route of its own, not an account id.
    QTest::newRow("import-get") << QByteArray("GET") << QStringLiteral("accounts/import") << 405;
    QTest::newRow("one") << QByteArray("GET") << QStringLiteral("accounts/abcd2345") << 404;
    QTest::newRow("one-post") << QByteArray("POST") << QStringLiteral("accounts/abcd2345") << 405;
    QTest::newRow("too-deep") << QByteArray("GET") << QStringLiteral("accounts/abcd2345/x") << 404;
    QTest::newRow("other-collection") << QByteArray("GET") << QStringLiteral("keys") << 404;
}

void TstKiroAccountsAdminModule::routes()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    QCOMPARE(call(method, path).status, status);
}

void TstKiroAccountsAdminModule::emptyList()
{
    const Reply r = call("GET", QStringLiteral("accounts"));
    QCOMPARE(r.status, 200);
    QCOMPARE(sortedKeys(r.json), QStringList({ QStringLiteral("data"), QStringLiteral("pool") }));
    QVERIFY(r.json.value(QStringLiteral("data")).toArray().isEmpty());
    const QJsonObject pool = r.json.value(QStringLiteral("pool")).toObject();
    QCOMPARE(sortedKeys(pool),
             QStringList({ QStringLiteral("available_slots"), QStringLiteral("in_flight"),
                           QStringLiteral("queued"), QStringLiteral("total_slots") }));
    QCOMPARE(pool.value(QStringLiteral("total_slots")).toInt(-1), 0);
}

void TstKiroAccountsAdminModule::createReturns201WithoutSecrets()
{
    f->socialAccount(QStringLiteral("alice"));
    const Reply r = call(
        "POST", QStringLiteral("accounts"),
        R"({"type":"kiro","name":"Alice","auth_method":"social","refresh_token":"rt-social-alice","slots":3})");
    QCOMPARE(r.status, 201);
    QCOMPARE(sortedKeys(r.json), accountKeys);
    QCOMPARE(r.json.value(QStringLiteral("name")).toString(), QStringLiteral("Alice"));
    QCOMPARE(r.json.value(QStringLiteral("type")).toString(), QStringLiteral("kiro"));
    QCOMPARE(r.json.value(QStringLiteral("auth_method")).toString(), QStringLiteral("social"));
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(r.json.value(QStringLiteral("slots_total")).toInt(), 3);
    QCOMPARE(r.json.value(QStringLiteral("slots_in_use")).toInt(-1), 0);
    QVERIFY(r.json.value(QStringLiteral("cooldown_until")).isNull());
    QVERIFY(r.json.value(QStringLiteral("last_error")).isNull());
    QCOMPARE(r.json.value(QStringLiteral("credits_used")).toDouble(-1), 0.0);
    QVERIFY(!r.raw.contains("rt-social-alice"));
    QVERIFY(!r.raw.contains("aoa-"));

    const QString id = r.json.value(QStringLiteral("id")).toString();
    const Reply list = call("GET", QStringLiteral("accounts"));
    QCOMPARE(list.status, 200);
    const QJsonArray data = list.json.value(QStringLiteral("data")).toArray();
    QCOMPARE(data.size(), 1);
    QCOMPARE(data.first().toObject().value(QStringLiteral("id")).toString(), id);
    QCOMPARE(list.json.value(QStringLiteral("pool")).toObject().value(QStringLiteral("total_slots")).toInt(),
             3);
    QVERIFY(!list.raw.contains("rt-social-alice"));
    QVERIFY(!list.raw.contains("aoa-"));
}

void TstKiroAccountsAdminModule::createIdcNeverEchoesClientSecret()
{
    const auto params = f->idcAccount(QStringLiteral("bob"));
    const QJsonObject body { { QStringLiteral("name"), QStringLiteral("Bob") },
                             { QStringLiteral("auth_method"), QStringLiteral("idc") },
                             { QStringLiteral("refresh_token"), params.refreshToken },
                             { QStringLiteral("client_id"), params.clientId },
                             { QStringLiteral("client_secret"), params.clientSecret },
                             { QStringLiteral("region"), QStringLiteral("eu-central-1") } };
    const Reply r = call("POST", QStringLiteral("accounts"), QJsonDocument(body).toJson());
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("auth_method")).toString(), QStringLiteral("idc"));
    QVERIFY(!r.raw.contains(params.clientSecret.toUtf8()));
    QVERIFY(!r.raw.contains(params.refreshToken.toUtf8()));
    const Reply one
        = call("GET", QStringLiteral("accounts/") + r.json.value(QStringLiteral("id")).toString());
    QCOMPARE(one.status, 200);
    QVERIFY(!one.raw.contains(params.clientSecret.toUtf8()));
}

void TstKiroAccountsAdminModule::createValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("param");
    QTest::newRow("not-json") << QByteArray("{nope") << QStringLiteral("invalid_json") << QString();
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("invalid_json") << QString();
    QTest::newRow("empty-body") << QByteArray() << QStringLiteral("invalid_json") << QString();
    QTest::newRow("missing-token") << QByteArray(R"({"name":"x"})") << QString()
                                   << QStringLiteral("refresh_token");
    QTest::newRow("missing-name") << QByteArray(R"({"refresh_token":"r"})") << QString()
                                  << QStringLiteral("name");
    QTest::newRow("wrong-type") << QByteArray(R"({"type":"openai","name":"x","refresh_token":"r"})")
                                << QString() << QStringLiteral("type");
    QTest::newRow("token-not-a-string")
        << QByteArray(R"({"name":"x","refresh_token":42})") << QString() << QStringLiteral("refresh_token");
    QTest::newRow("idc-without-secret")
        << QByteArray(R"({"name":"x","auth_method":"idc","refresh_token":"r","client_id":"c"})") << QString()
        << QStringLiteral("client_secret");
    QTest::newRow("bad-auth-method") << QByteArray(
        R"({"name":"x","auth_method":"magic","refresh_token":"r"})")
                                     << QString() << QStringLiteral("auth_method");
    QTest::newRow("slots-zero") << QByteArray(R"({"name":"x","refresh_token":"r","slots":0})") << QString()
                                << QStringLiteral("slots");
    QTest::newRow("slots-fraction") << QByteArray(R"({"name":"x","refresh_token":"r","slots":1.5})")
                                    << QString() << QStringLiteral("slots");
    QTest::newRow("bad-region") << QByteArray(R"({"name":"x","refresh_token":"r","region":"127.0.0.1:80"})")
                                << QString() << QStringLiteral("region");
}

void TstKiroAccountsAdminModule::createValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    QFETCH(QString, param);
    const Reply r = call("POST", QStringLiteral("accounts"), body);
    QCOMPARE(r.status, 400);
    const QJsonObject error = r.json.value(QStringLiteral("error")).toObject();
    QCOMPARE(sortedKeys(error),
             QStringList({ QStringLiteral("code"), QStringLiteral("message"), QStringLiteral("param"),
                           QStringLiteral("type") }));
    QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
    if (!code.isEmpty())
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
    if (param.isEmpty())
        QVERIFY(error.value(QStringLiteral("param")).isNull());
    else
        QCOMPARE(error.value(QStringLiteral("param")).toString(), param);
    QCOMPARE(f->fake.requestCount(), 0);
    QVERIFY(f->manager->accounts().empty());
}

void TstKiroAccountsAdminModule::createWithRejectedToken()
{
    const Reply r
        = call("POST", QStringLiteral("accounts"), R"({"name":"x","refresh_token":"rt-nobody-knows"})");
    QCOMPARE(r.status, 400);
    const QJsonObject error = r.json.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_refresh_token"));
    QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
    QVERIFY(!r.raw.contains("rt-nobody-knows"));
    QCOMPARE(f->fake.requestCount(QStringLiteral("/refreshToken")), 1);
    QVERIFY(f->manager->accounts().empty());
    QVERIFY(f->secrets.keys().isEmpty());
    QCOMPARE(call("GET", QStringLiteral("accounts")).json.value(QStringLiteral("data")).toArray().size(), 0);
}

void TstKiroAccountsAdminModule::createWithUnreachableAuth()
{
    f->settings.socialAuthBaseUrl = KiroAccountFixture::localUrl(KiroAccountFixture::closedPort());
    const Reply r = call("POST", QStringLiteral("accounts"), R"({"name":"x","refresh_token":"rt-offline"})");
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("error"));
    QVERIFY(r.json.value(QStringLiteral("last_error")).toString().contains(QStringLiteral("unreachable")));
    QVERIFY(r.json.value(QStringLiteral("cooldown_until")).isString());
    QVERIFY(!r.raw.contains("rt-offline"));
}

void TstKiroAccountsAdminModule::importMissingFile()
{
    const QString path = m_ide.filePath(QStringLiteral("absent.json"));
    const Reply r = call("POST", QStringLiteral("accounts/import"),
                         QJsonDocument(QJsonObject { { QStringLiteral("path"), path } }).toJson());
    QCOMPARE(r.status, 400);
    const QJsonObject error = r.json.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("import_failed"));
    QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QDir::toNativeSeparators(path)),
             r.raw.constData());

    // Without a path, the default file is meant, and its path is named.
    const Reply d = call("POST", QStringLiteral("accounts/import"));
    QCOMPARE(d.status, 400);
    QVERIFY(d.json.value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("kiro-auth-token.json")));
}

void TstKiroAccountsAdminModule::importDefaultFile()
{
    f->socialAccount(QStringLiteral("ida"));
    QFile file(m_ide.filePath(QStringLiteral("kiro-auth-token.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        R"({"refreshToken":"rt-social-ida","accessToken":"aoa-ide","authMethod":"social","provider":"Google"})");
    file.close();
    const Reply r = call("POST", QStringLiteral("accounts/import"), "{}");
    QCOMPARE(r.status, 201);
    QCOMPARE(sortedKeys(r.json), accountKeys);
    QCOMPARE(r.json.value(QStringLiteral("name")).toString(), QStringLiteral("Kiro IDE (Google)"));
    QVERIFY(!r.raw.contains("rt-social-ida"));
}

void TstKiroAccountsAdminModule::getPatchDelete()
{
    const QString id = addAccount(QStringLiteral("carl"));
    QVERIFY(!id.isEmpty());
    const QString path = QStringLiteral("accounts/") + id;

    Reply r = call("GET", path);
    QCOMPARE(r.status, 200);
    QCOMPARE(sortedKeys(r.json), accountKeys);
    QCOMPARE(r.json.value(QStringLiteral("slots_total")).toInt(), 2);

    r = call("PATCH", path, R"({"name":"Carl B","slots":4})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("name")).toString(), QStringLiteral("Carl B"));
    QCOMPARE(r.json.value(QStringLiteral("slots_total")).toInt(), 4);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("active"));

    r = call("PATCH", path, R"({"enabled":false})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("disabled"));
    QCOMPARE(call("GET", QStringLiteral("accounts"))
                 .json.value(QStringLiteral("pool"))
                 .toObject()
                 .value(QStringLiteral("total_slots"))
                 .toInt(-1),
             0);

    r = call("PATCH", path, R"({"slots":null,"enabled":true})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("slots_total")).toInt(), 2);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("active"));

    for (const QByteArray &bad : { QByteArray(R"({"slots":0})"), QByteArray(R"({"enabled":"yes"})"),
                                   QByteArray(R"({"name":""})"), QByteArray(R"({"name":null})") }) {
        r = call("PATCH", path, bad);
        QCOMPARE(r.status, 400);
        QVERIFY(!r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).isNull());
    }
    QCOMPARE(call("PATCH", path, "nope").status, 400);

    r = call("DELETE", path);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("id")).toString(), id);
    QCOMPARE(r.json.value(QStringLiteral("deleted")).toBool(), true);
    QCOMPARE(call("GET", path).status, 404);
    QTRY_VERIFY(f->secrets.keys().isEmpty());
}

void TstKiroAccountsAdminModule::unknownIdIs404_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::newRow("get") << QByteArray("GET");
    QTest::newRow("patch") << QByteArray("PATCH");
    QTest::newRow("delete") << QByteArray("DELETE");
}

void TstKiroAccountsAdminModule::unknownIdIs404()
{
    QFETCH(QByteArray, method);
    const Reply r = call(method, QStringLiteral("accounts/zzzz2222"), R"({"name":"x"})");
    QCOMPARE(r.status, 404);
    const QJsonObject error = r.json.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("not_found_error"));
    QVERIFY(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("zzzz2222")));
}

void TstKiroAccountsAdminModule::listShowsPoolAndQuota()
{
    const QString id = addAccount(QStringLiteral("dora"));
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY(f->stored(id)->usageLimit.has_value());
    f->manager->creditsUsed(id, 1.25);

    SlotLease lease;
    auto acquisition = f->pool->acquire({}, [](SlotLease, std::optional<ProviderError>) {});
    QVERIFY(acquisition.lease);
    lease = std::move(acquisition.lease);

    Reply r = call("GET", QStringLiteral("accounts"));
    QCOMPARE(r.status, 200);
    QJsonObject account = r.json.value(QStringLiteral("data")).toArray().first().toObject();
    QCOMPARE(account.value(QStringLiteral("slots_in_use")).toInt(), 1);
    QCOMPARE(account.value(QStringLiteral("requests")).toInt(), 1);
    QCOMPARE(account.value(QStringLiteral("credits_used")).toDouble(), 1.25);
    QCOMPARE(account.value(QStringLiteral("usage_limit")).toDouble(), 50.0);
    QCOMPARE(account.value(QStringLiteral("credits_remaining")).toDouble(), 50.0 - 1.25);
    QVERIFY(account.value(QStringLiteral("next_reset")).toString().endsWith(u'Z'));
    const QJsonObject pool = r.json.value(QStringLiteral("pool")).toObject();
    QCOMPARE(pool.value(QStringLiteral("total_slots")).toInt(), 2);
    QCOMPARE(pool.value(QStringLiteral("available_slots")).toInt(), 1);
    QCOMPARE(pool.value(QStringLiteral("in_flight")).toInt(), 1);
    QCOMPARE(pool.value(QStringLiteral("queued")).toInt(), 0);

    lease.release();
    f->manager->quotaExhausted(id, QStringLiteral("You have reached the limit."));
    r = call("GET", QStringLiteral("accounts/") + id);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("quota_exhausted"));
    const QDateTime until
        = QDateTime::fromString(r.json.value(QStringLiteral("cooldown_until")).toString(), Qt::ISODateWithMs);
    QVERIFY(until.isValid());
    QVERIFY(until.toMSecsSinceEpoch() > f->clock.nowMs());
    QCOMPARE(r.json.value(QStringLiteral("last_error")).toString(),
             QStringLiteral("You have reached the limit."));
    // When it happened, by the gateway's clock.
    QCOMPARE(
        QDateTime::fromString(r.json.value(QStringLiteral("last_error_at")).toString(), Qt::ISODateWithMs)
            .toMSecsSinceEpoch(),
        f->clock.nowMs());
}

QJsonObject TstKiroAccountsAdminModule::startLogin(Test::FakeOidc &oidc, const QJsonObject &request)
{
    f->settings.oidcBaseUrl = oidc.baseUrl();
    const Reply r = call("POST", QStringLiteral("accounts/login"), QJsonDocument(request).toJson());
    if (r.status != 202)
        qWarning() << "POST accounts/login answered" << r.status << r.raw;
    return r.status == 202 ? r.json : QJsonObject();
}

QJsonObject TstKiroAccountsAdminModule::loginResult(const QString &loginId)
{
    QJsonObject last;
    const bool done = QTest::qWaitFor(
        [&] {
            last = call("GET", QStringLiteral("accounts/login/") + loginId).json;
            return last.value(QStringLiteral("status")).toString() != QLatin1String("pending");
        },
        15'000);
    return done ? last : QJsonObject();
}

void TstKiroAccountsAdminModule::loginAddsAnAccount()
{
    Test::FakeOidc oidc;
    oidc.tokenAnswers = { QStringLiteral("authorization_pending"), QStringLiteral("ok") };
    const QJsonObject started = startLogin(oidc,
                                           { { QStringLiteral("method"), QStringLiteral("builder_id") },
                                             { QStringLiteral("name"), QStringLiteral("builder") } });
    QCOMPARE(
        sortedKeys(started),
        QStringList({ QStringLiteral("expires_at"), QStringLiteral("interval"), QStringLiteral("login_id"),
                      QStringLiteral("user_code"), QStringLiteral("verification_uri"),
                      QStringLiteral("verification_uri_complete") }));
    QCOMPARE(started.value(QStringLiteral("user_code")).toString(), QStringLiteral("ABCD-EFGH"));
    QCOMPARE(started.value(QStringLiteral("verification_uri_complete")).toString(),
             QStringLiteral("https://device.example?user_code=ABCD-EFGH"));
    QVERIFY(started.value(QStringLiteral("interval")).toInt() >= 1);
    const QDateTime expires
        = QDateTime::fromString(started.value(QStringLiteral("expires_at")).toString(), Qt::ISODateWithMs);
    QVERIFY(expires.isValid());
    QCOMPARE(oidc.authorization.value(QStringLiteral("startUrl")).toString(),
             KiroDeviceLogin::builderIdStartUrl());
    const QString loginId = started.value(QStringLiteral("login_id")).toString();
    const Reply pending = call("GET", QStringLiteral("accounts/login/") + loginId);
    QCOMPARE(pending.status, 200);
    QCOMPARE(pending.json.value(QStringLiteral("status")).toString(), QStringLiteral("pending"));
    QVERIFY(pending.json.value(QStringLiteral("account")).isNull());

    const QJsonObject result = loginResult(loginId);
    QCOMPARE(result.value(QStringLiteral("status")).toString(), QStringLiteral("complete"));
    QVERIFY(result.value(QStringLiteral("error")).isNull());
    const QJsonObject account = result.value(QStringLiteral("account")).toObject();
    QCOMPARE(sortedKeys(account), accountKeys);
    QCOMPARE(account.value(QStringLiteral("name")).toString(), QStringLiteral("builder"));
    QCOMPARE(account.value(QStringLiteral("auth_method")).toString(), QStringLiteral("idc"));
    QCOMPARE(account.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QVERIFY(f->manager->account(account.value(QStringLiteral("id")).toString()));
    QVERIFY(!result.contains(QStringLiteral("refresh_token"))
            && !QJsonDocument(result).toJson().contains("refresh-1"));
}

void TstKiroAccountsAdminModule::loginSignsAnAccountInAgain()
{
    const QString id = addAccount(QStringLiteral("olga"));
    QVERIFY(!id.isEmpty());
    KiroAccountManager::Changes c;
    c.slots = std::optional<int>(6);
    QVERIFY(f->manager->update(id, c).ok());
    f->fake.revokeRefreshToken(QStringLiteral("olga"));
    QString error;
    QVERIFY(f->token(id, true, &error).isEmpty());
    QCOMPARE(call("GET", QStringLiteral("accounts/") + id).json.value(QStringLiteral("status")).toString(),
             QStringLiteral("needs_login"));

    Test::FakeOidc oidc;
    oidc.tokenAnswers = { QStringLiteral("ok") };
    const QJsonObject started
        = startLogin(oidc,
                     { { QStringLiteral("method"), QStringLiteral("idc") },
                       { QStringLiteral("start_url"), QStringLiteral("https://corp.awsapps.com/start") },
                       { QStringLiteral("region"), QStringLiteral("eu-west-1") },
                       { QStringLiteral("account_id"), id } });
    QVERIFY(!started.isEmpty());
    QCOMPARE(oidc.authorization.value(QStringLiteral("startUrl")).toString(),
             QStringLiteral("https://corp.awsapps.com/start"));
    const QJsonObject result = loginResult(started.value(QStringLiteral("login_id")).toString());
    QCOMPARE(result.value(QStringLiteral("status")).toString(), QStringLiteral("complete"));
    const QJsonObject account = result.value(QStringLiteral("account")).toObject();
    QCOMPARE(account.value(QStringLiteral("id")).toString(), id);
    QCOMPARE(account.value(QStringLiteral("name")).toString(), QStringLiteral("olga"));
    QCOMPARE(account.value(QStringLiteral("auth_method")).toString(), QStringLiteral("idc"));
    QCOMPARE(account.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(account.value(QStringLiteral("slots_total")).toInt(), 6);
    QCOMPARE(f->manager->accounts().size(), size_t(1));
    QCOMPARE(f->stored(id)->region, QStringLiteral("eu-west-1"));
}

void TstKiroAccountsAdminModule::loginEndings_data()
{
    QTest::addColumn<QString>("answer");
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("errorText");
    QTest::newRow("denied") << QStringLiteral("access_denied") << QStringLiteral("denied")
                            << QStringLiteral("denied");
    QTest::newRow("expired") << QStringLiteral("expired_token") << QStringLiteral("expired")
                             << QStringLiteral("expired");
    QTest::newRow("other") << QStringLiteral("invalid_client") << QStringLiteral("error")
                           << QStringLiteral("failed");
}

void TstKiroAccountsAdminModule::loginEndings()
{
    QFETCH(QString, answer);
    QFETCH(QString, status);
    QFETCH(QString, errorText);
    Test::FakeOidc oidc;
    oidc.tokenAnswers = { QStringLiteral("authorization_pending"), answer };
    const QJsonObject started
        = startLogin(oidc, { { QStringLiteral("method"), QStringLiteral("builder_id") } });
    QVERIFY(!started.isEmpty());
    const QJsonObject result = loginResult(started.value(QStringLiteral("login_id")).toString());
    QCOMPARE(result.value(QStringLiteral("status")).toString(), status);
    QVERIFY(result.value(QStringLiteral("account")).isNull());
    QVERIFY2(result.value(QStringLiteral("error")).toString().contains(errorText),
             qPrintable(result.value(QStringLiteral("error")).toString()));
    QVERIFY(f->manager->accounts().empty());
}

void TstKiroAccountsAdminModule::loginValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("param");
    QTest::newRow("no-method") << QByteArray("{}") << 400 << QStringLiteral("method");
    QTest::newRow("bad-method") << QByteArray(R"({"method":"social"})") << 400 << QStringLiteral("method");
    QTest::newRow("method-type") << QByteArray(R"({"method":5})") << 400 << QStringLiteral("method");
    QTest::newRow("idc-no-start-url")
        << QByteArray(R"({"method":"idc"})") << 400 << QStringLiteral("start_url");
    QTest::newRow("idc-http") << QByteArray(R"({"method":"idc","start_url":"http://corp.example/start"})")
                              << 400 << QStringLiteral("start_url");
    QTest::newRow("bad-region") << QByteArray(
        R"({"method":"idc","start_url":"https://corp.example/start","region":"x.evil.com"})")
                                << 400 << QStringLiteral("region");
    QTest::newRow("bad-name") << QByteArray("{\"method\":\"builder_id\",\"name\":\"a\\u0000b\"}") << 400
                              << QStringLiteral("name");
    QTest::newRow("unknown-account") << QByteArray(R"({"method":"builder_id","account_id":"nobody22"})")
                                     << 404 << QString();
    QTest::newRow("not-json") << QByteArray("{") << 400 << QString();
}

void TstKiroAccountsAdminModule::loginValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, param);
    Test::FakeOidc oidc;
    f->settings.oidcBaseUrl = oidc.baseUrl();
    const Reply r = call("POST", QStringLiteral("accounts/login"), body);
    QCOMPARE(r.status, status);
    const QJsonObject error = r.json.value(QStringLiteral("error")).toObject();
    QVERIFY2(!error.value(QStringLiteral("message")).toString().isEmpty(), r.raw.constData());
    if (!param.isEmpty())
        QCOMPARE(error.value(QStringLiteral("param")).toString(), param);
    QVERIFY(oidc.registered.isEmpty()); // nothing was sent
    QCOMPARE(call("GET", QStringLiteral("accounts/login/login-nothing")).status, 404);
}

void TstKiroAccountsAdminModule::loginWithoutSignInService()
{
    f->settings.oidcBaseUrl = KiroAccountFixture::localUrl(KiroAccountFixture::closedPort());
    const Reply r = call("POST", QStringLiteral("accounts/login"), R"({"method":"builder_id"})");
    QCOMPARE(r.status, 502);
    QVERIFY(r.json.value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("register")));
}

void TstKiroAccountsAdminModule::loginsAreBounded()
{
    Test::FakeOidc oidc; // never confirms: every sign-in stays pending
    QStringList ids;
    for (std::size_t i = 0; i < KiroAccountsAdminModule::maxLogins; ++i) {
        const QJsonObject started
            = startLogin(oidc, { { QStringLiteral("method"), QStringLiteral("builder_id") } });
        QVERIFY(!started.isEmpty());
        ids.append(started.value(QStringLiteral("login_id")).toString());
    }
    ids.removeDuplicates();
    QCOMPARE(std::size_t(ids.size()), KiroAccountsAdminModule::maxLogins);
    const Reply refused = call("POST", QStringLiteral("accounts/login"), R"({"method":"builder_id"})");
    QCOMPARE(refused.status, 429);
    for (const QString &id : std::as_const(ids))
        QCOMPARE(call("GET", QStringLiteral("accounts/login/") + id)
                     .json.value(QStringLiteral("status"))
                     .toString(),
                 QStringLiteral("pending"));
}

void TstKiroAccountsAdminModule::answeredLoginsMakeRoom()
{
    Test::FakeOidc oidc;
    for (std::size_t i = 0; i < KiroAccountsAdminModule::maxLogins; ++i)
        oidc.tokenAnswers.push_back(QStringLiteral("access_denied"));
    QStringList ids;
    for (std::size_t i = 0; i < KiroAccountsAdminModule::maxLogins; ++i) {
        const QJsonObject started
            = startLogin(oidc, { { QStringLiteral("method"), QStringLiteral("builder_id") } });
        QVERIFY(!started.isEmpty());
        ids.append(started.value(QStringLiteral("login_id")).toString());
    }
    for (const QString &id : std::as_const(ids))
        QCOMPARE(loginResult(id).value(QStringLiteral("status")).toString(), QStringLiteral("denied"));
    // Full of answered sign-ins: a new one pushes out the oldest.
    const QJsonObject next = startLogin(oidc, { { QStringLiteral("method"), QStringLiteral("builder_id") } });
    QVERIFY(!next.isEmpty());
    QCOMPARE(call("GET", QStringLiteral("accounts/login/") + ids.first()).status, 404);
    QCOMPARE(call("GET", QStringLiteral("accounts/login/") + ids.last()).status, 200);
}

QTEST_GUILESS_MAIN(TstKiroAccountsAdminModule)
#include "tst_kiroaccountsadminmodule.moc"
