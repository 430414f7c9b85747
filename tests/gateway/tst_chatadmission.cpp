// SPDX-License-Identifier: MIT
#include <QSignalSpy>
#include <QTest>

#include "gatewayfixture.h"
#include "server/core/clientstringbounds.h"
#include "server/gateway/chatadmission.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QString &key)
{
    return { { "Authorization", "Bearer " + key.toUtf8() }, { "Content-Type", "application/json" } };
}

/** A minimal valid body of each dialect for @p model (`%1`). */
QByteArray bodyFor(const QString &path, const QString &model)
{
    if (path == QLatin1String("/v1/messages"))
        return QStringLiteral(
                   R"({"model":"%1","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})")
            .arg(model)
            .toUtf8();
    if (path == QLatin1String("/v1/responses"))
        return QStringLiteral(R"({"model":"%1","input":"hi"})").arg(model).toUtf8();
    return QStringLiteral(R"({"model":"%1","messages":[{"role":"user","content":"hi"}]})")
        .arg(model)
        .toUtf8();
}

QString errorMessage(const RawResponse &r)
{
    return GatewayFixture::json(r)
        .value(QLatin1String("error"))
        .toObject()
        .value(QLatin1String("message"))
        .toString();
}

} // namespace

/** The admission path is one: every dialect refuses, counts and defaults the same way. */
class TstChatAdmission : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routes_data();
    void refusalsReadAndCountTheSame_data() { routes_data(); }
    void refusalsReadAndCountTheSame();
    void thinkingModelGetsOneBudget_data() { routes_data(); }
    void thinkingModelGetsOneBudget();
    void windowIsSharedAcrossRoutes();
    void rejectedRequestsAreLabelledByRoute_data();
    void rejectedRequestsAreLabelledByRoute();
};

void TstChatAdmission::routes_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("endpoint");
    QTest::newRow("chat") << QStringLiteral("/v1/chat/completions") << QStringLiteral("chat");
    QTest::newRow("messages") << QStringLiteral("/v1/messages") << QStringLiteral("messages");
    QTest::newRow("responses") << QStringLiteral("/v1/responses") << QStringLiteral("responses");
}

void TstChatAdmission::refusalsReadAndCountTheSame()
{
    QFETCH(QString, path);
    QFETCH(QString, endpoint);
    GatewayFixture f;
    QList<RequestRecord> records;
    QObject::connect(f.server.get(), &GatewayServer::requestFinished,
                     [&records](const RequestRecord &rec) { records.append(rec); });
    const auto [id, key] = f.createKey(R"({"name":"narrow","models":["kiro"]})");
    RawHttpClient c(f.port);

    const RawResponse unknown
        = c.request("POST", path.toUtf8(), bodyFor(path, QStringLiteral("gpt-9")), bearer(key));
    QCOMPARE(unknown.status, 404);
    QCOMPARE(errorMessage(unknown),
             QStringLiteral("The model 'gpt-9' does not exist. GET /v1/models lists the available ones."));
    const RawResponse denied
        = c.request("POST", path.toUtf8(), bodyFor(path, QStringLiteral("claude-sonnet-4.5")), bearer(key));
    QCOMPARE(denied.status, 403);
    QCOMPARE(errorMessage(denied), QStringLiteral("Key %1 may not use model 'claude-sonnet-4.5'.").arg(id));
    const RawResponse broken = c.request("POST", path.toUtf8(), "{", bearer(key));
    QCOMPARE(broken.status, 400);
    QCOMPARE(f.provider.started(), 0);

    QTRY_COMPARE(records.size(), 3);
    QCOMPARE(records[0].endpoint, endpoint);
    QCOMPARE(records[0].httpStatus, 404);
    QCOMPARE(records[0].model, ClientStringBounds::refusedModelLabel()); // a refused name is no label
    QCOMPARE(records[0].status, QStringLiteral("invalid_request"));
    QCOMPARE(records[1].httpStatus, 403);
    QCOMPARE(records[1].model, QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(records[1].status, QStringLiteral("forbidden"));
    QCOMPARE(records[2].httpStatus, 400);
    QCOMPARE(records[2].keyId, id);
    QCOMPARE(records[2].endpoint, endpoint);
}

void TstChatAdmission::thinkingModelGetsOneBudget()
{
    QFETCH(QString, path);
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", path.toUtf8(),
                    bodyFor(path, QStringLiteral("claude-sonnet-4-5-20250929-thinking")), bearer(key));
    QCOMPARE(r.status, 200);
    QCOMPARE(f.provider.started(), 1);
    QVERIFY(f.provider.lastRequest().thinking);
    QCOMPARE(f.provider.lastRequest().thinkingBudgetTokens, ChatAdmission::defaultThinkingBudgetTokens);
    QCOMPARE(f.provider.lastRequest().upstreamModel, QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(f.provider.lastRequest().keyId, id);
}

void TstChatAdmission::windowIsSharedAcrossRoutes()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey(R"({"name":"slow","rate_limit_rpm":2})");
    RawHttpClient c(f.port);
    QCOMPARE(c.request("POST", "/v1/chat/completions",
                       bodyFor(QStringLiteral("/v1/chat/completions"), QStringLiteral("kiro")), bearer(key))
                 .status,
             200);
    QCOMPARE(c.request("POST", "/v1/messages",
                       bodyFor(QStringLiteral("/v1/messages"), QStringLiteral("kiro")), bearer(key))
                 .status,
             200);
    const RawResponse third = c.request("GET", "/v1/models", {}, bearer(key));
    QCOMPARE(third.status, 429);
    QCOMPARE(GatewayFixture::errorCode(third), QStringLiteral("rate_limit_exceeded"));
}

void TstChatAdmission::rejectedRequestsAreLabelledByRoute_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QString>("endpoint");
    QTest::newRow("models") << QByteArray("GET") << QByteArray("/v1/models") << QStringLiteral("models");
    QTest::newRow("model") << QByteArray("GET") << QByteArray("/v1/models/kiro") << QStringLiteral("models");
    QTest::newRow("chat") << QByteArray("POST") << QByteArray("/v1/chat/completions")
                          << QStringLiteral("chat");
    QTest::newRow("messages") << QByteArray("POST") << QByteArray("/v1/messages")
                              << QStringLiteral("messages");
    QTest::newRow("responses") << QByteArray("POST") << QByteArray("/v1/responses")
                               << QStringLiteral("responses");
    QTest::newRow("count_tokens") << QByteArray("POST") << QByteArray("/v1/messages/count_tokens")
                                  << QStringLiteral("messages");
}

void TstChatAdmission::rejectedRequestsAreLabelledByRoute()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QString, endpoint);
    GatewayFixture f;
    QList<RequestRecord> records;
    QObject::connect(f.server.get(), &GatewayServer::requestFinished,
                     [&records](const RequestRecord &rec) { records.append(rec); });
    RawHttpClient c(f.port);
    const RawResponse r = c.request(method, path, {}, { { "Authorization", "Bearer db-nope-nope" } });
    QCOMPARE(r.status, 401);
    QTRY_COMPARE(records.size(), 1);
    QCOMPARE(records[0].endpoint, endpoint);
    QCOMPARE(records[0].status, QStringLiteral("unauthorized"));
}

QTEST_GUILESS_MAIN(TstChatAdmission)
#include "tst_chatadmission.moc"
