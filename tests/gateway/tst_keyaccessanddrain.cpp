// SPDX-License-Identifier: MIT
// Taking a key's access away fails its waiting requests at once (docs/api.md#keys), and a drain can be ended
// (POST /admin/resume) and only reports drained once every answer is flushed.
#include <QSignalSpy>
#include <QTest>

#include "tests/gateway/gatewayfixture.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QString &key)
{
    return { { "Authorization", "Bearer " + key.toUtf8() } };
}

const Headers admin { { "Authorization", "Bearer admin-secret" } };

/** A provider call that waits far longer than any test for a slot: it is "queued" until cancelled. */
ScriptedProvider::Script waitingScript()
{
    return { { 60'000, ScriptedProvider::Start {} },
             { 0, ScriptedProvider::Text { QStringLiteral("too late") } },
             { 0, FinishReason::Stop } };
}

QByteArray chatBody(const QByteArray &model = "kiro", bool stream = false)
{
    return R"({"model":")" + model + R"(","stream":)" + (stream ? "true" : "false")
        + R"(,"messages":[{"role":"user","content":"hi"}]})";
}

} // namespace

class TstKeyAccessAndDrain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void losingAccessFailsWaitingRequests_data();
    void losingAccessFailsWaitingRequests();
    void otherKeysWaitOn();
    void resumeEndsADrain();
    void drainedOnlyAfterTheLastAnswerIsFlushed();
};

void TstKeyAccessAndDrain::losingAccessFailsWaitingRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("patch");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("revoked, chat") << QByteArray("DELETE") << QByteArray()
                                   << QByteArray("/v1/chat/completions") << 401
                                   << QStringLiteral("key_revoked");
    QTest::newRow("revoked, messages")
        << QByteArray("DELETE") << QByteArray() << QByteArray("/v1/messages") << 401 << QString();
    QTest::newRow("model taken away")
        << QByteArray("PATCH") << QByteArray(R"({"models":["claude-sonnet-4.5"]})")
        << QByteArray("/v1/chat/completions") << 403 << QStringLiteral("model_not_allowed");
}

void TstKeyAccessAndDrain::losingAccessFailsWaitingRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, patch);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QFETCH(QString, code);
    GatewayFixture f;
    f.provider.setDefaultScript(waitingScript());
    const auto [id, key] = f.createKey();
    const QByteArray model = path == "/v1/messages" ? QByteArray("claude-sonnet-4.5") : QByteArray("kiro");
    QByteArray body = chatBody(model);
    body.insert(1, R"("max_tokens":16,)");
    Headers h = bearer(key);
    h.append({ "x-api-key", key.toUtf8() });

    // Two requests of the key wait for a slot.
    RawHttpClient first(f.port);
    RawHttpClient second(f.port);
    first.startAndWait(
        RawHttpClient::build("POST", path, f.port, body, h), [](const RawResponse &) { return true; }, 200);
    second.startAndWait(
        RawHttpClient::build("POST", path, f.port, body, h), [](const RawResponse &) { return true; }, 200);
    QTRY_COMPARE(f.provider.alive(), 2);

    RawHttpClient adminClient(f.port);
    const RawResponse changed = adminClient.request(method, "/admin/keys/" + id.toUtf8(), patch, admin);
    QCOMPARE(changed.status, 200);

    // Both are answered at once with the key's error, and neither reaches the upstream any more.
    for (RawHttpClient *c : { &first, &second }) {
        const RawResponse r = c->waitFor([](const RawResponse &x) { return x.complete; }, 5000);
        QCOMPARE(r.status, status);
        if (!code.isEmpty())
            QCOMPARE(GatewayFixture::errorCode(r), code);
        QVERIFY2(!r.body.contains("too late"), r.body.constData());
    }
    QTRY_COMPARE(f.provider.alive(), 0);
    QCOMPARE(f.provider.cancelled(), 2);
}

void TstKeyAccessAndDrain::otherKeysWaitOn()
{
    GatewayFixture f;
    f.provider.setDefaultScript(waitingScript());
    const auto [revokedId, revokedKey] = f.createKey(R"({"name":"a"})");
    const auto [keptId, keptKey] = f.createKey(R"({"name":"b"})");
    RawHttpClient a(f.port);
    RawHttpClient b(f.port);
    a.startAndWait(
        RawHttpClient::build("POST", "/v1/chat/completions", f.port, chatBody(), bearer(revokedKey)),
        [](const RawResponse &) { return true; }, 200);
    b.startAndWait(
        RawHttpClient::build("POST", "/v1/chat/completions", f.port, chatBody(), bearer(keptKey)),
        [](const RawResponse &) { return true; }, 200);
    QTRY_COMPARE(f.provider.alive(), 2);
    RawHttpClient adminClient(f.port);
    QCOMPARE(adminClient.request("DELETE", "/admin/keys/" + revokedId.toUtf8(), {}, admin).status, 200);
    QCOMPARE(a.waitFor([](const RawResponse &x) { return x.complete; }, 5000).status, 401);
    QTRY_COMPARE(f.provider.alive(), 1); // the other key's request still waits
    QCOMPARE(f.provider.cancelled(), 1);
}

void TstKeyAccessAndDrain::resumeEndsADrain()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    QSignalSpy draining(f.server.get(), &GatewayServer::drainingChanged);
    RawHttpClient c(f.port);
    QCOMPARE(c.request("POST", "/admin/drain", {}, admin).status, 202);
    QCOMPARE(c.request("GET", "/health").status, 503);
    QCOMPARE(c.request("POST", "/v1/chat/completions", chatBody(), bearer(key)).status, 503);
    QCOMPARE(c.request("POST", "/admin/resume", {}, { { "Authorization", "Bearer wrong" } }).status, 401);
    const RawResponse resumed = c.request("POST", "/admin/resume", {}, admin);
    QCOMPARE(resumed.status, 200);
    QCOMPARE(GatewayFixture::json(resumed).value(QLatin1String("status")).toString(),
             QStringLiteral("serving"));
    QCOMPARE(c.request("GET", "/health").status, 200);
    QCOMPARE(c.request("POST", "/v1/chat/completions", chatBody(), bearer(key)).status, 200);
    QCOMPARE(draining.count(), 2);
    QCOMPARE(draining.at(1).at(0).toBool(), false);
    // A second drain after a resume reports drained again.
    QSignalSpy drained(f.server.get(), &GatewayServer::drained);
    f.server->startDrain();
    QTRY_COMPARE(drained.count(), 1);
    QVERIFY(f.server->isDrained());
}

void TstKeyAccessAndDrain::drainedOnlyAfterTheLastAnswerIsFlushed()
{
    GatewayFixture f;
    ScriptedProvider::Script slow { { 0, ScriptedProvider::Start {} },
                                    { 0, ScriptedProvider::Text { QStringLiteral("first") } },
                                    { 200, ScriptedProvider::Text { QStringLiteral(" last") } },
                                    { 0, FinishReason::Stop } };
    f.provider.enqueue(slow);
    const auto [id, key] = f.createKey();
    RawHttpClient streaming(f.port);
    streaming.startAndWait(
        RawHttpClient::build("POST", "/v1/chat/completions", f.port, chatBody("kiro", true), bearer(key)),
        [](const RawResponse &r) { return r.body.contains("first"); });
    QSignalSpy drained(f.server.get(), &GatewayServer::drained);
    f.server->startDrain();
    QVERIFY(!f.server->isDrained());
    QCOMPARE(drained.count(), 0);
    QTRY_COMPARE(drained.count(), 1);
    // By the time drained() fired, the whole answer had been handed to the kernel: the client gets it all.
    QCOMPARE(f.server->responsesInFlight(), 0);
    const RawResponse rest = streaming.waitFor([](const RawResponse &r) { return r.complete; });
    QVERIFY(rest.body.contains(" last"));
    QVERIFY(rest.body.contains("[DONE]"));
}

QTEST_GUILESS_MAIN(TstKeyAccessAndDrain)
#include "tst_keyaccessanddrain.moc"
