// SPDX-License-Identifier: MIT
// Every admin route, the gateway's own (keys, metrics, drain, resume) and those of lower layers'
// AdminModules, goes through one mechanism: the gateway's router, then the admin token, then the handler;
// errors are rendered in one place.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QtTest>

#include "server/core/adminmodule.h"
#include "tests/gateway/gatewayfixture.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;
const Headers adminAuth { { "Authorization", "Bearer admin-secret" } };

/** A lower layer's module: answers at once, later (as after a token refresh), or with an error. */
class ProbeModule final : public QObject, public AdminModule
{
public:
    int calls = 0;

    std::vector<AdminRoute> routes() override
    {
        return {
            { "GET", QStringLiteral("probe"),
              [this](const AdminRequest &r, AdminResponder reply) {
                  ++calls;
                  reply(AdminReply::ok(
                      200,
                      QJsonObject { { QStringLiteral("q"), r.query.queryItemValue(QStringLiteral("q")) } }));
              } },
            { "GET", QStringLiteral("probe/{id}"),
              [this](const AdminRequest &r, AdminResponder reply) {
                  ++calls;
                  QTimer::singleShot(20, this, [id = r.params.value(0), reply = std::move(reply)] {
                      reply(AdminReply::ok(200, QJsonObject { { QStringLiteral("id"), id } }));
                  });
              } },
            { "POST", QStringLiteral("probe/special"),
              [this](const AdminRequest &r, AdminResponder reply) {
                  ++calls;
                  reply(AdminReply::ok(
                      201, QJsonObject { { QStringLiteral("body"), QString::fromUtf8(r.body) } }));
              } },
            { "POST", QStringLiteral("probe/fail"),
              [this](const AdminRequest &, AdminResponder reply) {
                  ++calls;
                  reply(AdminReply::failure(ApiError { ApiErrorKind::ImportFailed,
                                                       QStringLiteral("No token file at /nowhere."),
                                                       QStringLiteral("path") }));
              } },
        };
    }
};

/** The fixture's services plus the probe module, on a second server. */
struct AdminFixture
{
    AdminFixture()
    {
        GatewayServices services { f.settings, f.clock, f.keys, f.limiter, f.provider, f.models };
        services.adminModules.push_back(&probe);
        server = std::make_unique<GatewayServer>(std::move(services));
        server->setAdminToken(QStringLiteral("admin-secret"));
        const auto p = server->start();
        port = p.ok() ? *p : 0;
    }

    GatewayFixture f;
    ProbeModule probe;
    std::unique_ptr<GatewayServer> server;
    quint16 port = 0;
};

} // namespace

class TstAdminRoutes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyAdminRouteNeedsTheAdminToken_data();
    void everyAdminRouteNeedsTheAdminToken();
    void moduleRoutes_data();
    void moduleRoutes();
    void errorsAreRenderedInTheOpenAiShape();
    void lateReplyReachesTheClient();
};

void TstAdminRoutes::everyAdminRouteNeedsTheAdminToken_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    for (const auto &[method, path] : std::initializer_list<std::pair<const char *, const char *>> {
             { "GET", "/admin/keys" },
             { "POST", "/admin/keys" },
             { "GET", "/admin/keys/abcd2345" },
             { "PATCH", "/admin/keys/abcd2345" },
             { "DELETE", "/admin/keys/abcd2345" },
             { "GET", "/admin/metrics" },
             { "POST", "/admin/drain" },
             { "POST", "/admin/resume" },
             { "GET", "/admin/probe" },
             { "GET", "/admin/probe/x" },
             { "POST", "/admin/probe/special" },
             { "POST", "/admin/probe/fail" },
         }) {
        QTest::addRow("%s %s", method, path) << QByteArray(method) << QByteArray(path);
    }
}

void TstAdminRoutes::everyAdminRouteNeedsTheAdminToken()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    AdminFixture a;
    const auto [id, clientKey] = a.f.createKey();
    QVERIFY(!clientKey.isEmpty());
    RawHttpClient c(a.port);
    for (const Headers &auth : { Headers {}, Headers { { "Authorization", "Bearer " + clientKey.toUtf8() } },
                                 Headers { { "x-api-key", "admin-secreT" } } }) {
        const RawResponse r = c.request(method, path, "{}", auth);
        QCOMPARE(r.status, 401);
        QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("invalid_admin_token"));
    }
    QCOMPARE(a.probe.calls, 0);
    QVERIFY(!a.server->isDraining());
    QCOMPARE(a.f.keys.list().size(), size_t(1));
}

void TstAdminRoutes::moduleRoutes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("allow");
    QTest::addColumn<QString>("answer"); // "field=value" of the JSON answer, or the error code
    QTest::newRow("query") << QByteArray("GET") << QByteArray("/admin/probe?q=a%20b") << 200 << QByteArray()
                           << QStringLiteral("q=a b");
    QTest::newRow("param") << QByteArray("GET") << QByteArray("/admin/probe/xyz") << 200 << QByteArray()
                           << QStringLiteral("id=xyz");
    QTest::newRow("literal-beats-param") << QByteArray("POST") << QByteArray("/admin/probe/special") << 201
                                         << QByteArray() << QStringLiteral("body={}");
    QTest::newRow("literal-wrong-method") << QByteArray("GET") << QByteArray("/admin/probe/special") << 405
                                          << QByteArray("POST") << QStringLiteral("method_not_allowed");
    QTest::newRow("collection-wrong-method")
        << QByteArray("PUT") << QByteArray("/admin/probe") << 405 << QByteArray("GET, HEAD")
        << QStringLiteral("method_not_allowed");
    QTest::newRow("too-deep") << QByteArray("GET") << QByteArray("/admin/probe/x/y") << 404 << QByteArray()
                              << QStringLiteral("not_found");
    QTest::newRow("unknown-collection") << QByteArray("GET") << QByteArray("/admin/nothing") << 404
                                        << QByteArray() << QStringLiteral("not_found");
    QTest::newRow("keys-beside-modules") << QByteArray("GET") << QByteArray("/admin/keys/zzzz2222") << 404
                                         << QByteArray() << QStringLiteral("not_found");
}

void TstAdminRoutes::moduleRoutes()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QFETCH(QByteArray, allow);
    QFETCH(QString, answer);
    AdminFixture a;
    RawHttpClient c(a.port);
    const RawResponse r
        = c.request(method, path, method == "POST" ? QByteArray("{}") : QByteArray(), adminAuth);
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("allow"), allow);
    if (status < 400) {
        const auto [field, value] = std::pair(answer.section(u'=', 0, 0), answer.section(u'=', 1));
        QCOMPARE(GatewayFixture::json(r).value(field).toString(), value);
    } else {
        QCOMPARE(GatewayFixture::errorCode(r), answer);
    }
}

void TstAdminRoutes::errorsAreRenderedInTheOpenAiShape()
{
    AdminFixture a;
    RawHttpClient c(a.port);
    const RawResponse r = c.request("POST", "/admin/probe/fail", "{}", adminAuth);
    QCOMPARE(r.status, 400);
    QVERIFY(r.header("content-type").startsWith("application/json"));
    const QJsonObject error = GatewayFixture::json(r).value(QLatin1String("error")).toObject();
    QCOMPARE(error,
             QJsonObject({ { QStringLiteral("message"), QStringLiteral("No token file at /nowhere.") },
                           { QStringLiteral("type"), QStringLiteral("invalid_request_error") },
                           { QStringLiteral("param"), QStringLiteral("path") },
                           { QStringLiteral("code"), QStringLiteral("import_failed") } }));
}

void TstAdminRoutes::lateReplyReachesTheClient()
{
    // The handler answers from a timer, after the gateway's request object is gone.
    AdminFixture a;
    RawHttpClient c(a.port);
    const RawResponse r = c.request("GET", "/admin/probe/late", {}, adminAuth);
    QCOMPARE(r.status, 200);
    QCOMPARE(GatewayFixture::json(r).value(QLatin1String("id")).toString(), QStringLiteral("late"));
    // The connection stays usable for the next request.
    QCOMPARE(c.request("GET", "/admin/probe?q=next", {}, adminAuth).status, 200);
    QCOMPARE(a.probe.calls, 2);
}

QTEST_GUILESS_MAIN(TstAdminRoutes)
#include "tst_adminroutes.moc"
