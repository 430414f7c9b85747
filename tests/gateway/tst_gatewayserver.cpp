// SPDX-License-Identifier: MIT
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <chrono>

#include "gatewayfixture.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QString &key)
{
    return { { "Authorization", "Bearer " + key.toUtf8() }, { "Content-Type", "application/json" } };
}

const QByteArray simpleChat = R"({"model":"kiro","messages":[{"role":"user","content":"hi"}]})";

} // namespace

class TstGatewayServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unknownRouteIs404();
    void wrongMethodIs405();
    void clientAuthErrors_data();
    void clientAuthErrors();
    void xApiKeyAccepted();
    void bearerSchemeInAnyCase_data();
    void bearerSchemeInAnyCase();
    void adminAndClientTokensDoNotMix();
    void keyLifecycle();
    void expiredKeyRejected();
    void rateLimitHeadersAnd429();
    void rateLimitWindowSlides();
    void hostHeaderChecked_data();
    void hostHeaderChecked();
    void originAndCors();
    void bodyLimits();
    void invalidRequests_data();
    void invalidRequests();
    void unknownModelIs404();
    void modelsList();
    void chatNonStreaming();
    void chatIdsAreUniformAlphanumerics();
    void chatStreaming();
    void chunkSizeLinesAreShortestLowerHex();
    void chatStreamingToolCallsAndUsage();
    void chatReasoningAndCachedTokens();
    void providerErrorsMapToStatus_data();
    void providerErrorsMapToStatus();
    void midStreamErrorEndsStream();
    void clientDisconnectCancelsCall();
    void healthReflectsPool_data();
    void healthReflectsPool();
    void drainRefusesNewWorkAndLetsStreamsFinish();
    void adminKeyValidation_data();
    void adminKeyValidation();
    void keepAliveConnectionServesSeveralRequests();
    void idleReleaseRunsOnceAfterLoad();
    void idleReleaseRunsAgainWhenAsked();
};

void TstGatewayServer::unknownRouteIs404()
{
    GatewayFixture f;
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/v2/nothing");
    QCOMPARE(r.status, 404);
    QCOMPARE(GatewayFixture::errorType(r), QStringLiteral("not_found_error"));
    QVERIFY(
        GatewayFixture::json(r).value(QLatin1String("error")).toObject().contains(QLatin1String("message")));
}

void TstGatewayServer::wrongMethodIs405()
{
    GatewayFixture f;
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/v1/chat/completions");
    QCOMPARE(r.status, 405);
    QCOMPARE(r.header("allow"), QByteArray("POST"));
    QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("method_not_allowed"));
    const RawResponse d = c.request("DELETE", "/admin/keys");
    QCOMPARE(d.status, 405);
}

void TstGatewayServer::clientAuthErrors_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QString>("code");
    QTest::newRow("missing") << QByteArray() << QStringLiteral("invalid_api_key");
    QTest::newRow("garbage") << QByteArray("Bearer nonsense") << QStringLiteral("invalid_api_key");
    QTest::newRow("openai-key") << QByteArray("Bearer sk-proj-abc") << QStringLiteral("invalid_api_key");
    QTest::newRow("unknown-db-key") << QByteArray(
        "Bearer db-abcdefgh-0123456789abcdefghijABCDEFGHIJ0123456789")
                                    << QStringLiteral("invalid_api_key");
    QTest::newRow("admin-token") << QByteArray("Bearer admin-secret") << QStringLiteral("invalid_api_key");
}

void TstGatewayServer::clientAuthErrors()
{
    QFETCH(QByteArray, authorization);
    QFETCH(QString, code);
    GatewayFixture f;
    RawHttpClient c(f.port);
    Headers h;
    if (!authorization.isEmpty())
        h.append({ "Authorization", authorization });
    const RawResponse r = c.request("POST", "/v1/chat/completions", simpleChat, h);
    QCOMPARE(r.status, 401);
    QCOMPARE(GatewayFixture::errorCode(r), code);
    QCOMPARE(GatewayFixture::errorType(r), QStringLiteral("authentication_error"));
    QVERIFY(!r.headers.contains("x-ratelimit-limit")); // a 401 carries no rate-limit headers
    QCOMPARE(f.provider.started(), 0);
}

void TstGatewayServer::xApiKeyAccepted()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/v1/models", {}, { { "x-api-key", key.toUtf8() } });
    QCOMPARE(r.status, 200);
}

void TstGatewayServer::bearerSchemeInAnyCase_data()
{
    // %1 stands for the key.
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("status");
    QTest::newRow("Bearer") << QByteArray("Bearer %1") << 200;
    QTest::newRow("bearer") << QByteArray("bearer %1") << 200;
    QTest::newRow("BeArEr") << QByteArray("BeArEr %1") << 200;
    QTest::newRow("spaces around the key") << QByteArray("Bearer    %1  ") << 200;
    QTest::newRow("tab before the key") << QByteArray("Bearer \t%1") << 200;
    QTest::newRow("no space") << QByteArray("Bearer%1") << 401;
    QTest::newRow("tab instead of space") << QByteArray("Bearer\t%1") << 401;
    QTest::newRow("Basic") << QByteArray("Basic %1") << 401;
    QTest::newRow("scheme only") << QByteArray("Bearer ") << 401;
    QTest::newRow("last character changed") << QByteArray("Bearer %1\x01") << 401;
}

void TstGatewayServer::bearerSchemeInAnyCase()
{
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    QByteArray value = authorization;
    value.replace("%1", key.toLatin1());
    // \x01: the key's last character swapped for another base62 one.
    if (value.endsWith('\x01')) {
        value.chop(1);
        const char last = value.back();
        value.chop(1);
        value += last == 'a' ? 'b' : 'a';
    }
    const RawResponse r = c.request("GET", "/v1/models", {}, { { "Authorization", value } });
    QCOMPARE(r.status, status);
}

void TstGatewayServer::adminAndClientTokensDoNotMix()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/admin/keys", {}, bearer(key));
    QCOMPARE(r.status, 401);
    QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("invalid_admin_token"));
    QCOMPARE(c.request("GET", "/admin/keys").status, 401);
    QCOMPARE(c.request("GET", "/admin/keys", {}, { { "Authorization", "Bearer admin-secreT" } }).status, 401);
    QCOMPARE(c.request("GET", "/admin/keys", {}, { { "Authorization", "Bearer admin-secret" } }).status, 200);
}

void TstGatewayServer::keyLifecycle()
{
    GatewayFixture f;
    RawHttpClient admin(f.port);
    const Headers adminAuth { { "Authorization", "Bearer admin-secret" } };
    RawResponse created
        = admin.request("POST", "/admin/keys", R"({"name":"ci","models":["kiro"]})", adminAuth);
    QCOMPARE(created.status, 201);
    QJsonObject o = GatewayFixture::json(created);
    const QString id = o.value(QLatin1String("id")).toString();
    const QString key = o.value(QLatin1String("key")).toString();
    QVERIFY(key.startsWith(QStringLiteral("db-") + id + u'-'));
    QCOMPARE(o.value(QLatin1String("prefix")).toString(), QStringLiteral("db-") + id);
    QCOMPARE(o.value(QLatin1String("rate_limit_rpm")).toInt(), 60);

    // The secret is never listed again, nor stored.
    const RawResponse list = admin.request("GET", "/admin/keys", {}, adminAuth);
    QVERIFY(!list.body.contains(key.toUtf8()));
    QVERIFY(!list.body.contains(key.mid(12).toUtf8()));
    const auto stored = f.keyRepository.findById(id);
    QVERIFY(stored.ok() && stored->has_value());
    QVERIFY((*stored)->keyHash != key);

    RawHttpClient client(f.port);
    QCOMPARE(client.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
    // Allow-list: another model is refused with 403.
    const RawResponse denied = client.request(
        "POST", "/v1/chat/completions",
        R"({"model":"claude-opus-4.7","messages":[{"role":"user","content":"hi"}]})", bearer(key));
    QCOMPARE(denied.status, 403);
    QCOMPARE(GatewayFixture::errorCode(denied), QStringLiteral("model_not_allowed"));

    // Patch takes effect on the next request.
    const RawResponse patched
        = admin.request("PATCH", "/admin/keys/" + id.toUtf8(),
                        R"({"models":[],"rate_limit_rpm":5,"name":"renamed"})", adminAuth);
    QCOMPARE(patched.status, 200);
    QCOMPARE(GatewayFixture::json(patched).value(QLatin1String("name")).toString(),
             QStringLiteral("renamed"));
    const RawResponse allowed = client.request(
        "POST", "/v1/chat/completions",
        R"({"model":"claude-opus-4.7","messages":[{"role":"user","content":"hi"}]})", bearer(key));
    QCOMPARE(allowed.status, 200);
    QCOMPARE(allowed.header("x-ratelimit-limit"), QByteArray("5"));

    // Revocation takes effect on the very next request.
    QCOMPARE(admin.request("DELETE", "/admin/keys/" + id.toUtf8(), {}, adminAuth).status, 200);
    const RawResponse revoked = client.request("POST", "/v1/chat/completions", simpleChat, bearer(key));
    QCOMPARE(revoked.status, 401);
    QCOMPARE(GatewayFixture::errorCode(revoked), QStringLiteral("key_revoked"));
    QCOMPARE(admin.request("DELETE", "/admin/keys/zzzzzzzz", {}, adminAuth).status, 404);
    QCOMPARE(admin.request("PATCH", "/admin/keys/zzzzzzzz", "{}", adminAuth).status, 404);

    // The cache is only a cache: a restart (fresh service over the same database) agrees.
    KeyService reloaded(f.keyRepository, f.clock);
    QVERIFY(reloaded.load().ok());
    QVERIFY(std::holds_alternative<ApiError>(reloaded.authenticate(key)));
}

void TstGatewayServer::expiredKeyRejected()
{
    GatewayFixture f;
    const QDateTime expires = QDateTime::fromMSecsSinceEpoch(f.clock.nowMs() + 60'000, Qt::UTC);
    const auto [id, key]
        = f.createKey("{\"name\":\"t\",\"expires_at\":\"" + expires.toString(Qt::ISODate).toUtf8() + "\"}");
    QVERIFY(!key.isEmpty());
    RawHttpClient c(f.port);
    QCOMPARE(c.request("GET", "/v1/models", {}, bearer(key)).status, 200);
    f.clock.advanceMs(60'000);
    const RawResponse r = c.request("GET", "/v1/models", {}, bearer(key));
    QCOMPARE(r.status, 401);
    QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("key_expired"));
}

void TstGatewayServer::rateLimitHeadersAnd429()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey(R"({"name":"t","rate_limit_rpm":2})");
    RawHttpClient c(f.port);
    const RawResponse first = c.request("POST", "/v1/chat/completions", simpleChat, bearer(key));
    QCOMPARE(first.status, 200);
    QCOMPARE(first.header("x-ratelimit-limit"), QByteArray("2"));
    QCOMPARE(first.header("x-ratelimit-remaining"), QByteArray("1"));
    QCOMPARE(first.header("x-ratelimit-reset").toLongLong(), (f.clock.nowMs() + 999) / 1000);
    // A 400 still counts: it was admitted.
    const RawResponse bad = c.request("POST", "/v1/chat/completions", "{}", bearer(key));
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.header("x-ratelimit-remaining"), QByteArray("0"));
    const RawResponse limited = c.request("POST", "/v1/chat/completions", simpleChat, bearer(key));
    QCOMPARE(limited.status, 429);
    QCOMPARE(GatewayFixture::errorCode(limited), QStringLiteral("rate_limit_exceeded"));
    QCOMPARE(GatewayFixture::errorType(limited), QStringLiteral("rate_limit_error"));
    QCOMPARE(limited.header("retry-after"), QByteArray("60"));
    QCOMPARE(limited.header("x-ratelimit-reset").toLongLong(), (f.clock.nowMs() + 60'000 + 999) / 1000);
    QCOMPARE(f.provider.started(), 1);
}

void TstGatewayServer::rateLimitWindowSlides()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey(R"({"name":"t","rate_limit_rpm":1})");
    RawHttpClient c(f.port);
    QCOMPARE(c.request("GET", "/v1/models", {}, bearer(key)).status, 200);
    f.clock.advanceMs(59'000);
    const RawResponse limited = c.request("GET", "/v1/models", {}, bearer(key));
    QCOMPARE(limited.status, 429);
    QCOMPARE(limited.header("retry-after"), QByteArray("1"));
    f.clock.advanceMs(1'000);
    QCOMPARE(c.request("GET", "/v1/models", {}, bearer(key)).status, 200);
}

void TstGatewayServer::hostHeaderChecked_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("status");
    QTest::newRow("ip") << QByteArray("127.0.0.1:8642") << 200;
    QTest::newRow("localhost") << QByteArray("localhost:8642") << 200;
    QTest::newRow("localhost-noport") << QByteArray("localhost") << 200;
    QTest::newRow("v6") << QByteArray("[::1]:8642") << 200;
    QTest::newRow("rebinding") << QByteArray("attacker.example:8642") << 403;
    QTest::newRow("lan-ip") << QByteArray("192.168.1.5:8642") << 403;
    QTest::newRow("localhost-suffix") << QByteArray("localhost.attacker.example") << 403;
}

void TstGatewayServer::hostHeaderChecked()
{
    QFETCH(QByteArray, host);
    QFETCH(int, status);
    GatewayFixture f;
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/health", {}, { { "Host", host } });
    QCOMPARE(r.status, status);
    if (status == 403)
        QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("host_not_allowed"));
}

void TstGatewayServer::originAndCors()
{
    Settings s;
    s.server.corsOrigins = { QStringLiteral("http://localhost:3000") };
    GatewayFixture f(s);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    Headers h = bearer(key);
    h.append(qMakePair(QByteArray("Origin"), QByteArray("https://evil.example")));
    const RawResponse refused = c.request("GET", "/v1/models", {}, h);
    QCOMPARE(refused.status, 403);
    QCOMPARE(GatewayFixture::errorCode(refused), QStringLiteral("origin_not_allowed"));
    QVERIFY(!refused.headers.contains("access-control-allow-origin"));

    Headers ok = bearer(key);
    ok.append(qMakePair(QByteArray("Origin"), QByteArray("http://localhost:3000")));
    const RawResponse allowed = c.request("GET", "/v1/models", {}, ok);
    QCOMPARE(allowed.status, 200);
    QCOMPARE(allowed.header("access-control-allow-origin"), QByteArray("http://localhost:3000"));

    const RawResponse preflight
        = c.request("OPTIONS", "/v1/chat/completions", {},
                    { { "Origin", "http://localhost:3000" },
                      { "Access-Control-Request-Method", "POST" },
                      { "Access-Control-Request-Headers", "authorization, content-type" } });
    QCOMPARE(preflight.status, 204);
    QCOMPARE(preflight.header("access-control-allow-origin"), QByteArray("http://localhost:3000"));
    QVERIFY(preflight.header("access-control-allow-methods").contains("POST"));
    QCOMPARE(preflight.header("access-control-allow-headers"), QByteArray("authorization, content-type"));

    const RawResponse badPreflight
        = c.request("OPTIONS", "/v1/chat/completions", {},
                    { { "Origin", "https://evil.example" }, { "Access-Control-Request-Method", "POST" } });
    QCOMPARE(badPreflight.status, 403);
    QVERIFY(!badPreflight.headers.contains("access-control-allow-origin"));
}

void TstGatewayServer::bodyLimits()
{
    Settings s;
    s.server.maxBodyMb = 1;
    GatewayFixture f(s);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    // Just over the limit: refused by the handler with a precise message.
    const QByteArray justOver(1024 * 1024 + 10, 'x');
    const RawResponse r = c.request("POST", "/v1/chat/completions", justOver, bearer(key));
    QCOMPARE(r.status, 413);
    QCOMPARE(GatewayFixture::errorType(r), QStringLiteral("invalid_request_error"));
    // Far over: cut off while reading, the connection is closed, nothing is buffered without bound.
    RawHttpClient big(f.port);
    const QByteArray huge(8 * 1024 * 1024, 'y');
    const RawResponse r2 = big.request("POST", "/v1/chat/completions", huge, bearer(key), 20'000);
    QCOMPARE(r2.status, 413);
    QCOMPARE(f.provider.started(), 0);
    // The server is still fine.
    RawHttpClient after(f.port);
    QCOMPARE(after.request("GET", "/health").status, 200);
}

void TstGatewayServer::invalidRequests_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("param");
    QTest::addColumn<QString>("code");
    QTest::newRow("not-json") << QByteArray("{nope") << QString() << QStringLiteral("invalid_json");
    QTest::newRow("array") << QByteArray("[]") << QString() << QStringLiteral("invalid_json");
    QTest::newRow("no-model") << QByteArray(R"({"messages":[{"role":"user","content":"x"}]})")
                              << QStringLiteral("model") << QString();
    QTest::newRow("model-type") << QByteArray(R"({"model":1,"messages":[]})") << QStringLiteral("model")
                                << QString();
    QTest::newRow("no-messages") << QByteArray(R"({"model":"kiro"})") << QStringLiteral("messages")
                                 << QString();
    QTest::newRow("empty-messages") << QByteArray(R"({"model":"kiro","messages":[]})")
                                    << QStringLiteral("messages") << QString();
    QTest::newRow("bad-role") << QByteArray(R"({"model":"kiro","messages":[{"role":"robot","content":"x"}]})")
                              << QStringLiteral("messages[0].role") << QString();
    QTest::newRow("content-type") << QByteArray(
        R"({"model":"kiro","messages":[{"role":"user","content":5}]})")
                                  << QStringLiteral("messages[0].content") << QString();
    QTest::newRow("part-type") << QByteArray(
        R"({"model":"kiro","messages":[{"role":"user","content":[{"type":"audio"}]}]})")
                               << QStringLiteral("messages[0].content[0].type") << QString();
    QTest::newRow("remote-image") << QByteArray(
        R"({"model":"kiro","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})")
                                  << QStringLiteral("messages[0].content[0].image_url.url") << QString();
    QTest::newRow("tool-no-id") << QByteArray(
        R"({"model":"kiro","messages":[{"role":"tool","content":"x"}]})")
                                << QStringLiteral("messages[0].tool_call_id") << QString();
    QTest::newRow("temperature") << QByteArray(
        R"({"model":"kiro","temperature":3,"messages":[{"role":"user","content":"x"}]})")
                                 << QStringLiteral("temperature") << QString();
    QTest::newRow("max-tokens") << QByteArray(
        R"({"model":"kiro","max_tokens":0,"messages":[{"role":"user","content":"x"}]})")
                                << QStringLiteral("max_tokens") << QString();
    QTest::newRow("n") << QByteArray(R"({"model":"kiro","n":2,"messages":[{"role":"user","content":"x"}]})")
                       << QStringLiteral("n") << QString();
    QTest::newRow("stream-type") << QByteArray(
        R"({"model":"kiro","stream":"yes","messages":[{"role":"user","content":"x"}]})")
                                 << QStringLiteral("stream") << QString();
    QTest::newRow("tools-shape") << QByteArray(
        R"({"model":"kiro","tools":[{"type":"function"}],"messages":[{"role":"user","content":"x"}]})")
                                 << QStringLiteral("tools[0].function") << QString();
    QTest::newRow("tool-name") << QByteArray(
        R"({"model":"kiro","tools":[{"type":"function","function":{"name":"a b"}}],"messages":[{"role":"user","content":"x"}]})")
                               << QStringLiteral("tools[0].function.name") << QString();
    QTest::newRow("tool-choice-unknown") << QByteArray(
        R"({"model":"kiro","tool_choice":{"type":"function","function":{"name":"nope"}},"messages":[{"role":"user","content":"x"}]})")
                                         << QStringLiteral("tool_choice.function.name") << QString();
    QTest::newRow("stop-too-many") << QByteArray(
        R"({"model":"kiro","stop":["a","b","c","d","e"],"messages":[{"role":"user","content":"x"}]})")
                                   << QStringLiteral("stop") << QString();
    QTest::newRow("tool-call-shape") << QByteArray(
        R"({"model":"kiro","messages":[{"role":"assistant","tool_calls":[{"id":"c1"}]}]})")
                                     << QStringLiteral("messages[0].tool_calls[0].function") << QString();
}

void TstGatewayServer::invalidRequests()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, param);
    QFETCH(QString, code);
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/chat/completions", body, bearer(key));
    QCOMPARE(r.status, 400);
    QCOMPARE(GatewayFixture::errorType(r), QStringLiteral("invalid_request_error"));
    QCOMPARE(GatewayFixture::errorParam(r), param);
    if (!code.isEmpty())
        QCOMPARE(GatewayFixture::errorCode(r), code);
    QCOMPARE(f.provider.started(), 0);
}

void TstGatewayServer::unknownModelIs404()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/chat/completions",
                    R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})", bearer(key));
    QCOMPARE(r.status, 404);
    QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("model_not_found"));
    QCOMPARE(c.request("GET", "/v1/models/gpt-9", {}, bearer(key)).status, 404);
    const RawResponse one = c.request("GET", "/v1/models/claude-sonnet-4-5-20250929", {}, bearer(key));
    QCOMPARE(one.status, 200);
    QCOMPARE(GatewayFixture::json(one).value(QLatin1String("id")).toString(),
             QStringLiteral("claude-sonnet-4-5-20250929"));
}

void TstGatewayServer::modelsList()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/v1/models", {}, bearer(key));
    QCOMPARE(r.status, 200);
    const QJsonObject o = GatewayFixture::json(r);
    QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("list"));
    const QJsonArray data = o.value(QLatin1String("data")).toArray();
    QCOMPARE(data.first().toObject().value(QLatin1String("id")).toString(), QStringLiteral("kiro"));
    QCOMPARE(data.first().toObject().value(QLatin1String("owned_by")).toString(),
             QStringLiteral("drawbridge"));
    QVERIFY(r.header("x-ratelimit-limit").toInt() > 0);
}

void TstGatewayServer::chatIdsAreUniformAlphanumerics()
{
    // 30 completions: each id is chatcmpl- and 24 of the 62 letters and digits, no two alike, and at least 56
    // of the 62 show up in the 720 draws (all 62 but for a chance of about 1 in 2,000 of one missing; a
    // mapping onto a part of the alphabet fails).
    GatewayFixture f;
    const auto [id, key] = f.createKey(R"({"name":"t","rate_limit_rpm":1000})");
    const QRegularExpression form(QStringLiteral("^chatcmpl-[A-Za-z0-9]{24}$"));
    QSet<QString> ids;
    QSet<QChar> seen;
    RawHttpClient c(f.port);
    for (int i = 0; i < 30; ++i) {
        const RawResponse r = c.request("POST", "/v1/chat/completions", simpleChat, bearer(key));
        QCOMPARE(r.status, 200);
        const QString chatId = GatewayFixture::json(r).value(QLatin1String("id")).toString();
        QVERIFY2(form.match(chatId).hasMatch(), qPrintable(chatId));
        ids.insert(chatId);
        for (QChar ch : QStringView(chatId).mid(9))
            seen.insert(ch);
    }
    QCOMPARE(ids.size(), 30);
    QVERIFY2(seen.size() >= 56, qPrintable(QString::number(seen.size())));
}

void TstGatewayServer::chatNonStreaming()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request(
        "POST", "/v1/chat/completions",
        R"({"model":"claude-sonnet-4-5-20250929","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]})",
        bearer(key));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    const QJsonObject o = GatewayFixture::json(r);
    QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(o.value(QLatin1String("model")).toString(), QStringLiteral("claude-sonnet-4-5-20250929"));
    QVERIFY(o.value(QLatin1String("id")).toString().startsWith(QLatin1String("chatcmpl-")));
    const QJsonObject choice = o.value(QLatin1String("choices")).toArray().first().toObject();
    QCOMPARE(choice.value(QLatin1String("finish_reason")).toString(), QStringLiteral("stop"));
    QCOMPARE(choice.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString(),
             QStringLiteral("Hello world"));
    QCOMPARE(choice.value(QLatin1String("message")).toObject().value(QLatin1String("role")).toString(),
             QStringLiteral("assistant"));
    const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInt(), 12);
    QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInt(), 3);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(), 15);
    // What the provider got: the resolved upstream model and the normalized messages.
    QCOMPARE(f.provider.lastRequest().upstreamModel, QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(f.provider.lastRequest().messages.size(), size_t(2));
    QCOMPARE(f.provider.lastRequest().messages[0].role, Role::System);
    QCOMPARE(f.provider.lastRequest().keyId, id);
}

void TstGatewayServer::chatStreaming()
{
    GatewayFixture f;
    f.provider.enqueue(
        ScriptedProvider::textScript({ QStringLiteral("He"), QStringLiteral("llo \"q\"\n") }, 20));
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request(
        "POST", "/v1/chat/completions",
        R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})", bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.chunked);
    QVERIFY(r.header("content-type").startsWith("text/event-stream"));
    const QList<QByteArray> events = r.body.split('\n');
    QStringList contents;
    bool sawRole = false;
    QString finish;
    for (const QByteArray &line : events) {
        if (!line.startsWith("data: ") || line == "data: [DONE]")
            continue;
        const QJsonObject chunk = QJsonDocument::fromJson(line.mid(6)).object();
        QCOMPARE(chunk.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion.chunk"));
        QCOMPARE(chunk.value(QLatin1String("model")).toString(), QStringLiteral("kiro"));
        const QJsonObject choice = chunk.value(QLatin1String("choices")).toArray().first().toObject();
        const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
        if (delta.value(QLatin1String("role")).toString() == QLatin1String("assistant"))
            sawRole = true;
        if (delta.contains(QLatin1String("content")))
            contents.append(delta.value(QLatin1String("content")).toString());
        if (choice.value(QLatin1String("finish_reason")).isString())
            finish = choice.value(QLatin1String("finish_reason")).toString();
    }
    QVERIFY(sawRole);
    QCOMPARE(contents.join(QString()), QStringLiteral("Hello \"q\"\n"));
    QCOMPARE(finish, QStringLiteral("stop"));
    QVERIFY(r.body.endsWith("data: [DONE]\n\n"));
    QVERIFY(!r.body.contains("\"usage\":{")); // not asked for
}

void TstGatewayServer::chunkSizeLinesAreShortestLowerHex()
{
    // Deltas whose chunks need one to five hex digits: every size line is the chunk's length in lower-case
    // hex without leading zeros (RFC 9112 allows more, but this is what the gateway writes), read off the
    // wire.
    GatewayFixture f;
    QStringList pieces;
    for (int n : { 1, 40, 300, 5'000, 70'000 })
        pieces.append(QString(n, u'x'));
    f.provider.enqueue(ScriptedProvider::textScript(pieces));
    const auto [id, key] = f.createKey();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, f.port);
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write(RawHttpClient::build(
        "POST", "/v1/chat/completions", f.port,
        R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})",
        { { "Authorization", QByteArray("Bearer " + key.toLatin1()) }, { "Connection", "close" } }));
    QByteArray wire;
    QTRY_VERIFY_WITH_TIMEOUT((wire += socket.readAll(), wire.endsWith("\r\n0\r\n\r\n")), 10'000);
    qsizetype pos = wire.indexOf("\r\n\r\n") + 4;
    QVERIFY(pos > 4);
    const QRegularExpression sizeForm(QStringLiteral("^[1-9a-f][0-9a-f]*$"));
    QSet<qsizetype> digits;
    QByteArray body;
    while (true) {
        const qsizetype eol = wire.indexOf("\r\n", pos);
        QVERIFY(eol > pos);
        const QByteArray sizeLine = wire.mid(pos, eol - pos);
        if (sizeLine == "0")
            break;
        QVERIFY2(sizeForm.match(QString::fromLatin1(sizeLine)).hasMatch(), sizeLine.constData());
        bool ok = false;
        const qsizetype size = sizeLine.toLongLong(&ok, 16);
        QVERIFY(ok);
        QCOMPARE(wire.mid(eol + 2 + size, 2), QByteArray("\r\n"));
        body += wire.mid(eol + 2, size);
        digits.insert(sizeLine.size());
        pos = eol + 2 + size + 2;
    }
    QCOMPARE(pos + 5, wire.size());
    for (qsizetype n : { 2, 3, 4, 5 })
        QVERIFY2(digits.contains(n), qPrintable(QString::number(n)));
    QString text;
    for (const QByteArray &line : body.split('\n')) {
        if (!line.startsWith("data: {"))
            continue;
        const QJsonObject delta = QJsonDocument::fromJson(line.mid(6))
                                      .object()
                                      .value(QLatin1String("choices"))
                                      .toArray()
                                      .first()
                                      .toObject()
                                      .value(QLatin1String("delta"))
                                      .toObject();
        text += delta.value(QLatin1String("content")).toString();
    }
    QCOMPARE(text, pieces.join(QString()));
}

void TstGatewayServer::chatStreamingToolCallsAndUsage()
{
    GatewayFixture f;
    ScriptedProvider::Script s;
    s.push_back({ 0, ScriptedProvider::Start {} });
    s.push_back(
        { 5, ScriptedProvider::ToolStart { 0, QStringLiteral("call_1"), QStringLiteral("get_weather") } });
    s.push_back({ 5, ScriptedProvider::ToolArgs { 0, QStringLiteral("{\"city\":") } });
    s.push_back({ 5, ScriptedProvider::ToolArgs { 0, QStringLiteral("\"Paris\"}") } });
    s.push_back(
        { 5, ScriptedProvider::ToolStart { 1, QStringLiteral("call_2"), QStringLiteral("get_time") } });
    s.push_back({ 5, ScriptedProvider::ToolArgs { 1, QStringLiteral("{}") } });
    Usage u;
    u.promptTokens = 100;
    u.completionTokens = 20;
    s.push_back({ 0, u });
    s.push_back({ 0, FinishReason::ToolCalls });
    f.provider.enqueue(s);
    f.provider.enqueue(s);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const QByteArray req
        = R"({"model":"kiro","stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},{"type":"function","function":{"name":"get_time"}}],"messages":[{"role":"user","content":"weather?"}]})";
    const RawResponse r = c.request("POST", "/v1/chat/completions", req, bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.contains(
        R"("tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}])"));
    QVERIFY(r.body.contains(R"("tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}])"));
    QVERIFY(r.body.contains(R"("finish_reason":"tool_calls")"));
    QVERIFY(r.body.contains(
        R"("choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":0}})"));
    QCOMPARE(f.provider.lastRequest().tools.size(), size_t(2));
    QVERIFY(f.provider.lastRequest().tools[1].parameters.isEmpty());

    // The same, aggregated.
    const QByteArray nonStream = QByteArray(req).replace("\"stream\":true", "\"stream\":false");
    const RawResponse agg = c.request("POST", "/v1/chat/completions", nonStream, bearer(key));
    QCOMPARE(agg.status, 200);
    const QJsonObject msg = GatewayFixture::json(agg)
                                .value(QLatin1String("choices"))
                                .toArray()
                                .first()
                                .toObject()
                                .value(QLatin1String("message"))
                                .toObject();
    QVERIFY(msg.value(QLatin1String("content")).isNull());
    const QJsonArray calls = msg.value(QLatin1String("tool_calls")).toArray();
    QCOMPARE(calls.size(), 2);
    QCOMPARE(calls[0]
                 .toObject()
                 .value(QLatin1String("function"))
                 .toObject()
                 .value(QLatin1String("arguments"))
                 .toString(),
             QStringLiteral("{\"city\":\"Paris\"}"));
    QCOMPARE(calls[1].toObject().value(QLatin1String("id")).toString(), QStringLiteral("call_2"));
}

void TstGatewayServer::chatReasoningAndCachedTokens()
{
    GatewayFixture f;
    ScriptedProvider::Script s;
    s.push_back({ 0, ScriptedProvider::Start {} });
    s.push_back({ 0, ScriptedProvider::Reasoning { QStringLiteral("Think") } });
    s.push_back({ 5, ScriptedProvider::Reasoning { QStringLiteral("ing.") } });
    // OpenAI has no place for a signature or withheld reasoning: neither shows up.
    s.push_back({ 0, ScriptedProvider::ReasoningSignature { QStringLiteral("sig-abc") } });
    s.push_back({ 0, ScriptedProvider::RedactedReasoning { QStringLiteral("UkVEQUNURUQ=") } });
    s.push_back({ 5, ScriptedProvider::Text { QStringLiteral("Done.") } });
    Usage u;
    u.promptTokens = 1000; // every input token, the cached ones included
    u.cacheReadTokens = 600;
    u.cacheWriteTokens = 100;
    u.completionTokens = 20;
    u.tokensEstimated = false;
    s.push_back({ 0, u });
    s.push_back({ 0, FinishReason::Stop });
    f.provider.enqueue(s);
    f.provider.enqueue(s);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);

    const RawResponse r = c.request(
        "POST", "/v1/chat/completions",
        R"({"model":"kiro","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})",
        bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.contains(R"("delta":{"reasoning_content":"Think"})"));
    QVERIFY(r.body.contains(R"("delta":{"reasoning_content":"ing."})"));
    QVERIFY(r.body.contains(R"("delta":{"content":"Done."})"));
    QVERIFY(!r.body.contains("sig-abc"));
    QVERIFY(!r.body.contains("UkVEQUNURUQ="));
    QVERIFY2(
        r.body.contains(
            R"("usage":{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,"prompt_tokens_details":{"cached_tokens":600}})"),
        r.body.constData());

    const RawResponse a = c.request("POST", "/v1/chat/completions", simpleChat, bearer(key));
    QCOMPARE(a.status, 200);
    const QJsonObject o = GatewayFixture::json(a);
    const QJsonObject message = o.value(QLatin1String("choices"))
                                    .toArray()
                                    .first()
                                    .toObject()
                                    .value(QLatin1String("message"))
                                    .toObject();
    QCOMPARE(message.value(QLatin1String("reasoning_content")).toString(), QStringLiteral("Thinking."));
    QCOMPARE(message.value(QLatin1String("content")).toString(), QStringLiteral("Done."));
    const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInt(), 1000);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(), 1020);
    QCOMPARE(usage.value(QLatin1String("prompt_tokens_details")).toObject(),
             QJsonObject({ { QLatin1String("cached_tokens"), 600 } }));
}

void TstGatewayServer::providerErrorsMapToStatus_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<int>("retryAfter");
    QTest::newRow("pool-busy") << int(ProviderErrorKind::PoolBusy) << 429 << QStringLiteral("pool_busy") << 3;
    QTest::newRow("no-upstream") << int(ProviderErrorKind::NoUpstream) << 503
                                 << QStringLiteral("no_upstream_available") << 40;
    QTest::newRow("upstream") << int(ProviderErrorKind::UpstreamError) << 502
                              << QStringLiteral("upstream_error") << 0;
    QTest::newRow("timeout") << int(ProviderErrorKind::UpstreamTimeout) << 504
                             << QStringLiteral("upstream_timeout") << 0;
    QTest::newRow("invalid") << int(ProviderErrorKind::InvalidRequest) << 400 << QString() << 0;
    QTest::newRow("context") << int(ProviderErrorKind::ContextTooLong) << 400
                             << QStringLiteral("context_length_exceeded") << 0;
}

void TstGatewayServer::providerErrorsMapToStatus()
{
    QFETCH(int, kind);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(int, retryAfter);
    GatewayFixture f;
    f.provider.enqueue(
        { { 0, ProviderError { ProviderErrorKind(kind), QStringLiteral("upstream said no"), retryAfter } } });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request(
        "POST", "/v1/chat/completions",
        R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})", bearer(key));
    QCOMPARE(r.status, status);
    QVERIFY(!r.chunked);
    QCOMPARE(GatewayFixture::errorCode(r), code);
    QCOMPARE(GatewayFixture::json(r)
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("message"))
                 .toString(),
             QStringLiteral("upstream said no"));
    QCOMPARE(r.header("retry-after"), retryAfter > 0 ? QByteArray::number(retryAfter) : QByteArray());
}

void TstGatewayServer::midStreamErrorEndsStream()
{
    GatewayFixture f;
    f.provider.enqueue(
        { { 0, ScriptedProvider::Start {} },
          { 0, ScriptedProvider::Text { QStringLiteral("partial") } },
          { 5, ProviderError { ProviderErrorKind::UpstreamError, QStringLiteral("connection reset"), 0 } } });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request(
        "POST", "/v1/chat/completions",
        R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})", bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.complete);
    QVERIFY(r.body.contains("partial"));
    QVERIFY(r.body.contains(R"("message":"connection reset")"));
    QVERIFY(r.body.contains(R"(data: {"error":{)"));
    QVERIFY(r.body.endsWith("data: [DONE]\n\n"));
}

void TstGatewayServer::clientDisconnectCancelsCall()
{
    GatewayFixture f;
    ScriptedProvider::Script slow { { 0, ScriptedProvider::Start {} },
                                    { 0, ScriptedProvider::Text { QStringLiteral("first") } } };
    for (int i = 0; i < 50; ++i)
        slow.push_back({ 100, ScriptedProvider::Text { QStringLiteral("more") } });
    slow.push_back({ 0, FinishReason::Stop });
    f.provider.enqueue(slow);
    QSignalSpy finished(f.server.get(), &GatewayServer::requestFinished);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse partial = c.startAndWait(
        RawHttpClient::build("POST", "/v1/chat/completions", f.port,
                             R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})",
                             bearer(key)),
        [](const RawResponse &r) { return r.body.contains("first"); });
    QVERIFY(partial.body.contains("first"));
    QCOMPARE(f.provider.alive(), 1);
    c.close();
    QTRY_COMPARE(f.provider.alive(), 0);
    QCOMPARE(f.provider.cancelled(), 1);
    QTRY_COMPARE(f.server->inFlight(), 0);
    bool sawClosed = false;
    for (const auto &args : finished)
        sawClosed |= args.at(0).value<RequestRecord>().status == QLatin1String("client_closed");
    QVERIFY(sawClosed);
}

void TstGatewayServer::healthReflectsPool_data()
{
    QTest::addColumn<int>("enabled");
    QTest::addColumn<int>("usable");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("text");
    QTest::newRow("healthy") << 2 << 2 << 200 << QStringLiteral("healthy");
    QTest::newRow("degraded") << 2 << 1 << 200 << QStringLiteral("degraded");
    QTest::newRow("unavailable") << 2 << 0 << 503 << QStringLiteral("unavailable");
    QTest::newRow("none") << 0 << 0 << 503 << QStringLiteral("unavailable");
}

void TstGatewayServer::healthReflectsPool()
{
    QFETCH(int, enabled);
    QFETCH(int, usable);
    QFETCH(int, status);
    QFETCH(QString, text);
    GatewayFixture f;
    f.provider.setPoolStatus(PoolStatus { enabled, usable, usable * 3, usable * 2, usable, 0 });
    RawHttpClient c(f.port);
    const RawResponse r = c.request("GET", "/health");
    QCOMPARE(r.status, status);
    const QJsonObject o = GatewayFixture::json(r);
    QCOMPARE(o.value(QLatin1String("status")).toString(), text);
    QCOMPARE(o.value(QLatin1String("accounts")).toInt(), enabled);
    QCOMPARE(o.value(QLatin1String("total_slots")).toInt(), usable * 3);
    QCOMPARE(o.value(QLatin1String("available_slots")).toInt(), usable * 2);
}

void TstGatewayServer::drainRefusesNewWorkAndLetsStreamsFinish()
{
    GatewayFixture f;
    ScriptedProvider::Script slow { { 0, ScriptedProvider::Start {} },
                                    { 0, ScriptedProvider::Text { QStringLiteral("first") } },
                                    { 300, ScriptedProvider::Text { QStringLiteral(" last") } },
                                    { 0, FinishReason::Stop } };
    f.provider.enqueue(slow);
    const auto [id, key] = f.createKey();
    QSignalSpy drained(f.server.get(), &GatewayServer::drained);
    RawHttpClient streaming(f.port);
    streaming.startAndWait(
        RawHttpClient::build("POST", "/v1/chat/completions", f.port,
                             R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})",
                             bearer(key)),
        [](const RawResponse &r) { return r.body.contains("first"); });
    RawHttpClient admin(f.port);
    const RawResponse d
        = admin.request("POST", "/admin/drain", {}, { { "Authorization", "Bearer admin-secret" } });
    QCOMPARE(d.status, 202);
    QCOMPARE(GatewayFixture::json(d).value(QLatin1String("status")).toString(), QStringLiteral("draining"));
    const RawResponse h = admin.request("GET", "/health");
    QCOMPARE(h.status, 503);
    QCOMPARE(GatewayFixture::json(h).value(QLatin1String("status")).toString(), QStringLiteral("draining"));
    RawHttpClient late(f.port);
    const RawResponse refused = late.request("POST", "/v1/chat/completions", simpleChat, bearer(key));
    QCOMPARE(refused.status, 503);
    QCOMPARE(GatewayFixture::errorCode(refused), QStringLiteral("draining"));
    QCOMPARE(drained.count(), 0);
    const RawResponse rest = streaming.waitFor([](const RawResponse &r) { return r.complete; });
    QVERIFY(rest.body.contains(" last"));
    QVERIFY(rest.body.endsWith("data: [DONE]\n\n"));
    QTRY_COMPARE(drained.count(), 1);
}

void TstGatewayServer::adminKeyValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("param");
    QTest::newRow("rpm-zero") << QByteArray(R"({"name":"x","rate_limit_rpm":0})")
                              << QStringLiteral("rate_limit_rpm");
    QTest::newRow("rpm-string") << QByteArray(R"({"name":"x","rate_limit_rpm":"5"})")
                                << QStringLiteral("rate_limit_rpm");
    QTest::newRow("models-type") << QByteArray(R"({"name":"x","models":"kiro"})") << QStringLiteral("models");
    QTest::newRow("models-unknown") << QByteArray(R"({"name":"x","models":["gpt-9"]})")
                                    << QStringLiteral("models");
    QTest::newRow("expiry-format") << QByteArray(R"({"name":"x","expires_at":"tomorrow"})")
                                   << QStringLiteral("expires_at");
    QTest::newRow("expiry-past") << QByteArray(R"({"name":"x","expires_at":"2001-01-01T00:00:00Z"})")
                                 << QStringLiteral("expires_at");
    QTest::newRow("name-empty") << QByteArray(R"({"name":"  "})") << QStringLiteral("name");
    QTest::newRow("not-object") << QByteArray("[1]") << QString();
}

void TstGatewayServer::adminKeyValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, param);
    GatewayFixture f;
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/admin/keys", body, { { "Authorization", "Bearer admin-secret" } });
    QCOMPARE(r.status, 400);
    QCOMPARE(GatewayFixture::errorParam(r), param);
    QCOMPARE(f.keys.list().size(), size_t(0));
}

void TstGatewayServer::keepAliveConnectionServesSeveralRequests()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
        QCOMPARE(c.request("POST", "/v1/chat/completions",
                           R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})",
                           bearer(key))
                     .status,
                 200);
        QVERIFY(c.isConnected());
    }
}

void TstGatewayServer::idleReleaseRunsOnceAfterLoad()
{
    GatewayFixture f;
    int releases = 0;
    f.server->setIdleRelease(
        [&releases] {
            ++releases;
            return std::chrono::milliseconds(0);
        },
        std::chrono::milliseconds(50));
    auto *timer = f.server->findChild<QTimer *>(QStringLiteral("idleMemoryRelease"));
    QVERIFY(timer);
    const auto [id, key] = f.createKey();
    QVERIFY(!timer->isActive()); // an admin request is no load

    // The end of the last request arms it; the timer runs on real time but measures idleness on the clock,
    // which has not moved: it waits on.
    RawHttpClient c(f.port);
    QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
    QTRY_COMPARE(f.server->inFlight(), 0);
    QVERIFY(timer->isActive());
    QSignalSpy ticks(timer, &QTimer::timeout);
    QVERIFY(ticks.wait());
    QCOMPARE(releases, 0);
    QVERIFY(timer->isActive());

    // A stream in flight when the time is up: nothing is released, and the timer stops.
    ScriptedProvider::Script held { { 0, ScriptedProvider::Start {} },
                                    { 0, ScriptedProvider::Text { QStringLiteral("first") } },
                                    { 60'000, ScriptedProvider::Text { QStringLiteral("late") } },
                                    { 0, FinishReason::Stop } };
    f.provider.enqueue(held);
    RawHttpClient streaming(f.port);
    streaming.startAndWait(
        RawHttpClient::build("POST", "/v1/chat/completions", f.port,
                             R"({"model":"kiro","stream":true,"messages":[{"role":"user","content":"hi"}]})",
                             bearer(key)),
        [](const RawResponse &r) { return r.body.contains("first"); });
    QCOMPARE(f.server->inFlight(), 1);
    f.clock.advanceMs(1'000);
    QTRY_VERIFY(!timer->isActive());
    QCOMPARE(releases, 0);

    // Its end arms it again: 49 ms on the clock are not enough, 50 are, and it runs once.
    streaming.close();
    QTRY_COMPARE(f.server->inFlight(), 0);
    QVERIFY(timer->isActive());
    f.clock.advanceMs(49);
    ticks.clear();
    QVERIFY(ticks.wait());
    QCOMPARE(releases, 0);
    f.clock.advanceMs(1);
    QTRY_COMPARE(releases, 1);
    QVERIFY(!timer->isActive());

    // Requests that start no exchange are no load; nothing more runs until a new exchange.
    f.clock.advanceMs(10'000);
    QCOMPARE(c.request("GET", "/health").status, 200);
    QVERIFY(!timer->isActive());
    QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
    QTRY_COMPARE(f.server->inFlight(), 0);
    f.clock.advanceMs(50);
    QTRY_COMPARE(releases, 2);
    QVERIFY(!timer->isActive());
}

void TstGatewayServer::idleReleaseRunsAgainWhenAsked()
{
    GatewayFixture f;
    int releases = 0;
    qint64 againMs = 200;
    f.server->setIdleRelease(
        [&] {
            ++releases;
            return std::chrono::milliseconds(againMs);
        },
        std::chrono::milliseconds(50));
    auto *timer = f.server->findChild<QTimer *>(QStringLiteral("idleMemoryRelease"));
    QVERIFY(timer);
    QSignalSpy ticks(timer, &QTimer::timeout);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
    QTRY_COMPARE(f.server->inFlight(), 0);
    f.clock.advanceMs(50);
    QTRY_COMPARE(releases, 1);

    // The follow-up it asked for runs 200 ms on the clock later without new load, and asks for no other.
    QVERIFY(timer->isActive());
    againMs = 0;
    f.clock.advanceMs(199);
    ticks.clear();
    QVERIFY(ticks.wait());
    QCOMPARE(releases, 1);
    f.clock.advanceMs(1);
    QTRY_COMPARE(releases, 2);
    QVERIFY(!timer->isActive());

    // New load while a follow-up waits: the next release comes 50 ms after the last request, before the
    // follow-up's 200.
    againMs = 200;
    QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
    QTRY_COMPARE(f.server->inFlight(), 0);
    f.clock.advanceMs(50);
    QTRY_COMPARE(releases, 3);
    QVERIFY(timer->isActive()); // the follow-up, 200 ms on
    againMs = 0;
    QCOMPARE(c.request("POST", "/v1/chat/completions", simpleChat, bearer(key)).status, 200);
    QTRY_COMPARE(f.server->inFlight(), 0);
    f.clock.advanceMs(50);
    QTRY_COMPARE(releases, 4);
    QVERIFY(!timer->isActive());
}

QTEST_GUILESS_MAIN(TstGatewayServer)
#include "tst_gatewayserver.moc"
