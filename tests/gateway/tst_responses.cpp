// SPDX-License-Identifier: MIT
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include "gatewayfixture.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QString &key)
{
    return { { "Authorization", "Bearer " + key.toUtf8() }, { "Content-Type", "application/json" } };
}

struct Event
{
    QByteArray name; ///< the SSE `event:` line
    QJsonObject data;
};

/** Parses an SSE body; every event must have an `event:` and a JSON `data:` line whose type matches it. */
QList<Event> events(const QByteArray &body)
{
    QList<Event> out;
    for (const QByteArray &block : body.split('\n')) {
        if (block.startsWith("event: "))
            out.append(Event { block.mid(7), {} });
        else if (block.startsWith("data: ") && !out.isEmpty())
            out.last().data = QJsonDocument::fromJson(block.mid(6)).object();
    }
    return out;
}

QStringList names(const QList<Event> &list)
{
    QStringList n;
    for (const Event &e : list)
        n.append(QString::fromLatin1(e.name));
    return n;
}

ScriptedProvider::Script toolScript()
{
    ScriptedProvider::Script s;
    s.push_back({ 0, ScriptedProvider::Start {} });
    s.push_back({ 0, ScriptedProvider::Reasoning { QStringLiteral("Need ") } });
    s.push_back({ 0, ScriptedProvider::Reasoning { QStringLiteral("weather.") } });
    s.push_back({ 0, ScriptedProvider::ReasoningSignature { QStringLiteral("sig") } });
    s.push_back({ 0, ScriptedProvider::Text { QStringLiteral("Let me check.") } });
    s.push_back(
        { 0, ScriptedProvider::ToolStart { 0, QStringLiteral("call_1"), QStringLiteral("get_weather") } });
    s.push_back({ 0, ScriptedProvider::ToolArgs { 0, QStringLiteral("{\"city\":") } });
    s.push_back({ 0, ScriptedProvider::ToolArgs { 0, QStringLiteral("\"Paris\"}") } });
    s.push_back(
        { 0, ScriptedProvider::ToolStart { 1, QStringLiteral("call_2"), QStringLiteral("get_time") } });
    s.push_back({ 0, ScriptedProvider::ToolArgs { 1, QStringLiteral("{}") } });
    Usage u;
    u.promptTokens = 100;
    u.cacheReadTokens = 40;
    u.completionTokens = 20;
    s.push_back({ 0, u });
    s.push_back({ 0, FinishReason::ToolCalls });
    return s;
}

const QByteArray toolRequest
    = R"({"model":"kiro","input":"weather?","tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}},{"type":"function","name":"get_time"}]})";

} // namespace

class TstResponses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nonStreamingText();
    void nonStreamingItems();
    void streamingEventSequence();
    void streamingToolCallsAndReasoning();
    void textIsRelayedAsItArrives();
    void maxOutputTokensIsIncomplete();
    void errorsBeforeOutput_data();
    void errorsBeforeOutput();
    void midStreamFailure();
    void keepAliveIsACommentNotAnEvent();
    void statelessParametersRefused();
    void bodyOverTheLimitIs413();
    void ledgerRecordsResponses();
};

void TstResponses::nonStreamingText()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request(
        "POST", "/v1/responses",
        R"({"model":"claude-sonnet-4-5-20250929","instructions":"be brief","input":"hi","store":true})",
        bearer(key));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    const QJsonObject o = GatewayFixture::json(r);
    QVERIFY(o.value(QLatin1String("id")).toString().startsWith(QLatin1String("resp_")));
    QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("response"));
    QCOMPARE(o.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    QCOMPARE(o.value(QLatin1String("model")).toString(), QStringLiteral("claude-sonnet-4-5-20250929"));
    QCOMPARE(o.value(QLatin1String("instructions")).toString(), QStringLiteral("be brief"));
    QCOMPARE(o.value(QLatin1String("store")).toBool(true), false); // nothing is kept, whatever was asked
    QVERIFY(o.value(QLatin1String("error")).isNull());
    const QJsonArray output = o.value(QLatin1String("output")).toArray();
    QCOMPARE(output.size(), 1);
    const QJsonObject msg = output[0].toObject();
    QCOMPARE(msg.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(msg.value(QLatin1String("role")).toString(), QStringLiteral("assistant"));
    QCOMPARE(msg.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    QVERIFY(msg.value(QLatin1String("id")).toString().startsWith(QLatin1String("msg_")));
    const QJsonObject part = msg.value(QLatin1String("content")).toArray().first().toObject();
    QCOMPARE(part.value(QLatin1String("type")).toString(), QStringLiteral("output_text"));
    QCOMPARE(part.value(QLatin1String("text")).toString(), QStringLiteral("Hello world"));
    const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("input_tokens")).toInt(), 12);
    QCOMPARE(usage.value(QLatin1String("output_tokens")).toInt(), 3);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(), 15);
    QCOMPARE(usage.value(QLatin1String("input_tokens_details"))
                 .toObject()
                 .value(QLatin1String("cached_tokens"))
                 .toInt(-1),
             0);
    // What the provider got: instructions first, the resolved model, the key.
    const ChatRequest &sent = f.provider.lastRequest();
    QCOMPARE(sent.upstreamModel, QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(sent.messages.size(), size_t(2));
    QCOMPARE(sent.messages[0].role, Role::System);
    QCOMPARE(sent.messages[1].text, QStringLiteral("hi"));
    QCOMPARE(sent.keyId, id);
    QVERIFY(!sent.stream);
}

void TstResponses::nonStreamingItems()
{
    GatewayFixture f;
    f.provider.enqueue(toolScript());
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/responses", toolRequest, bearer(key));
    QCOMPARE(r.status, 200);
    const QJsonObject o = GatewayFixture::json(r);
    const QJsonArray output = o.value(QLatin1String("output")).toArray();
    QCOMPARE(output.size(), 4);
    const QJsonObject reasoning = output[0].toObject();
    QCOMPARE(reasoning.value(QLatin1String("type")).toString(), QStringLiteral("reasoning"));
    QVERIFY(reasoning.value(QLatin1String("summary")).isArray());
    QCOMPARE(reasoning.value(QLatin1String("content"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QLatin1String("text"))
                 .toString(),
             QStringLiteral("Need weather."));
    QCOMPARE(output[1].toObject().value(QLatin1String("type")).toString(), QStringLiteral("message"));
    const QJsonObject call = output[2].toObject();
    QCOMPARE(call.value(QLatin1String("type")).toString(), QStringLiteral("function_call"));
    QCOMPARE(call.value(QLatin1String("call_id")).toString(), QStringLiteral("call_1"));
    QCOMPARE(call.value(QLatin1String("name")).toString(), QStringLiteral("get_weather"));
    QCOMPARE(call.value(QLatin1String("arguments")).toString(), QStringLiteral("{\"city\":\"Paris\"}"));
    QCOMPARE(call.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    QVERIFY(call.value(QLatin1String("id")).toString().startsWith(QLatin1String("fc_")));
    QCOMPARE(output[3].toObject().value(QLatin1String("call_id")).toString(), QStringLiteral("call_2"));
    const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("input_tokens")).toInt(), 100);
    QCOMPARE(usage.value(QLatin1String("input_tokens_details"))
                 .toObject()
                 .value(QLatin1String("cached_tokens"))
                 .toInt(),
             40);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(), 120);
    QCOMPARE(o.value(QLatin1String("tools")).toArray().size(), 2);
    QCOMPARE(f.provider.lastRequest().tools.size(), size_t(2));
}

void TstResponses::streamingEventSequence()
{
    GatewayFixture f;
    f.provider.enqueue(
        ScriptedProvider::textScript({ QStringLiteral("He"), QStringLiteral("llo \"q\"\n") }, 5));
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/responses", R"({"model":"kiro","input":"hi","stream":true})", bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.chunked);
    QVERIFY(r.header("content-type").startsWith("text/event-stream"));
    const QList<Event> ev = events(r.body);
    QCOMPARE(
        names(ev),
        QStringList(
            { QStringLiteral("response.created"), QStringLiteral("response.in_progress"),
              QStringLiteral("response.output_item.added"), QStringLiteral("response.content_part.added"),
              QStringLiteral("response.output_text.delta"), QStringLiteral("response.output_text.delta"),
              QStringLiteral("response.output_text.done"), QStringLiteral("response.content_part.done"),
              QStringLiteral("response.output_item.done"), QStringLiteral("response.completed") }));
    for (qsizetype i = 0; i < ev.size(); ++i) {
        QCOMPARE(ev[i].data.value(QLatin1String("type")).toString(), QString::fromLatin1(ev[i].name));
        QCOMPARE(ev[i].data.value(QLatin1String("sequence_number")).toInt(-1), int(i));
    }
    const QJsonObject created = ev[0].data.value(QLatin1String("response")).toObject();
    QCOMPARE(created.value(QLatin1String("status")).toString(), QStringLiteral("in_progress"));
    QVERIFY(created.value(QLatin1String("output")).toArray().isEmpty());
    const QString itemId
        = ev[2].data.value(QLatin1String("item")).toObject().value(QLatin1String("id")).toString();
    QCOMPARE(ev[4].data.value(QLatin1String("item_id")).toString(), itemId);
    QCOMPARE(ev[4].data.value(QLatin1String("output_index")).toInt(-1), 0);
    QCOMPARE(ev[4].data.value(QLatin1String("content_index")).toInt(-1), 0);
    QCOMPARE(ev[4].data.value(QLatin1String("delta")).toString(), QStringLiteral("He"));
    QCOMPARE(ev[5].data.value(QLatin1String("delta")).toString(), QStringLiteral("llo \"q\"\n"));
    QCOMPARE(ev[6].data.value(QLatin1String("text")).toString(), QStringLiteral("Hello \"q\"\n"));
    const QJsonObject done = ev[8].data.value(QLatin1String("item")).toObject();
    QCOMPARE(done.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    const QJsonObject completed = ev[9].data.value(QLatin1String("response")).toObject();
    QCOMPARE(completed.value(QLatin1String("id")).toString(), created.value(QLatin1String("id")).toString());
    QCOMPARE(completed.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    QCOMPARE(completed.value(QLatin1String("output")).toArray().first().toObject(), done);
    QCOMPARE(completed.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(),
             3);
    QVERIFY(!r.body.contains("[DONE]"));
}

void TstResponses::streamingToolCallsAndReasoning()
{
    GatewayFixture f;
    f.provider.enqueue(toolScript());
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    QByteArray req = toolRequest;
    req.replace("\"input\":", "\"stream\":true,\"input\":");
    const RawResponse r = c.request("POST", "/v1/responses", req, bearer(key));
    QCOMPARE(r.status, 200);
    const QList<Event> ev = events(r.body);
    const QStringList n = names(ev);
    QCOMPARE(
        n,
        QStringList(
            { QStringLiteral("response.created"), QStringLiteral("response.in_progress"),
              // reasoning item 0
              QStringLiteral("response.output_item.added"), QStringLiteral("response.content_part.added"),
              QStringLiteral("response.reasoning_text.delta"),
              QStringLiteral("response.reasoning_text.delta"), QStringLiteral("response.reasoning_text.done"),
              QStringLiteral("response.content_part.done"), QStringLiteral("response.output_item.done"),
              // message item 1
              QStringLiteral("response.output_item.added"), QStringLiteral("response.content_part.added"),
              QStringLiteral("response.output_text.delta"), QStringLiteral("response.output_text.done"),
              QStringLiteral("response.content_part.done"), QStringLiteral("response.output_item.done"),
              // function calls 2 and 3
              QStringLiteral("response.output_item.added"),
              QStringLiteral("response.function_call_arguments.delta"),
              QStringLiteral("response.function_call_arguments.delta"),
              QStringLiteral("response.output_item.added"),
              QStringLiteral("response.function_call_arguments.delta"),
              QStringLiteral("response.function_call_arguments.done"),
              QStringLiteral("response.output_item.done"),
              QStringLiteral("response.function_call_arguments.done"),
              QStringLiteral("response.output_item.done"), QStringLiteral("response.completed") }));
    for (qsizetype i = 0; i < ev.size(); ++i)
        QCOMPARE(ev[i].data.value(QLatin1String("sequence_number")).toInt(-1), int(i));
    const QJsonObject added = ev[15].data.value(QLatin1String("item")).toObject();
    QCOMPARE(added.value(QLatin1String("type")).toString(), QStringLiteral("function_call"));
    QCOMPARE(added.value(QLatin1String("call_id")).toString(), QStringLiteral("call_1"));
    QCOMPARE(added.value(QLatin1String("arguments")).toString(), QString());
    QCOMPARE(added.value(QLatin1String("status")).toString(), QStringLiteral("in_progress"));
    QCOMPARE(ev[16].data.value(QLatin1String("output_index")).toInt(), 2);
    QCOMPARE(ev[16].data.value(QLatin1String("delta")).toString(), QStringLiteral("{\"city\":"));
    QCOMPARE(ev[19].data.value(QLatin1String("output_index")).toInt(), 3);
    QCOMPARE(ev[20].data.value(QLatin1String("arguments")).toString(),
             QStringLiteral("{\"city\":\"Paris\"}"));
    QCOMPARE(ev[20].data.value(QLatin1String("name")).toString(), QStringLiteral("get_weather"));
    const QJsonArray output
        = ev.last().data.value(QLatin1String("response")).toObject().value(QLatin1String("output")).toArray();
    QCOMPARE(output.size(), 4);
    QCOMPARE(output[2].toObject().value(QLatin1String("arguments")).toString(),
             QStringLiteral("{\"city\":\"Paris\"}"));
    QCOMPARE(output[3].toObject().value(QLatin1String("arguments")).toString(), QStringLiteral("{}"));
}

void TstResponses::textIsRelayedAsItArrives()
{
    GatewayFixture f;
    ScriptedProvider::Script slow { { 0, ScriptedProvider::Start {} },
                                    { 0, ScriptedProvider::Text { QStringLiteral("first") } },
                                    { 3000, ScriptedProvider::Text { QStringLiteral("second") } },
                                    { 0, FinishReason::Stop } };
    f.provider.enqueue(slow);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse partial
        = c.startAndWait(RawHttpClient::build("POST", "/v1/responses", f.port,
                                              R"({"model":"kiro","input":"hi","stream":true})", bearer(key)),
                         [](const RawResponse &r) { return r.body.contains("\"delta\":\"first\""); });
    QVERIFY(partial.body.contains("\"delta\":\"first\""));
    QVERIFY(!partial.body.contains("second"));
    QCOMPARE(f.provider.alive(), 1); // the upstream is still talking
    const RawResponse rest = c.waitFor([](const RawResponse &r) { return r.complete; }, 10'000);
    QVERIFY(rest.body.contains("\"text\":\"firstsecond\""));
}

void TstResponses::maxOutputTokensIsIncomplete()
{
    GatewayFixture f;
    ScriptedProvider::Script s { { 0, ScriptedProvider::Start {} },
                                 { 0, ScriptedProvider::Text { QStringLiteral("cut") } },
                                 { 0, FinishReason::Length } };
    f.provider.enqueue(s);
    f.provider.enqueue(s);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/responses",
                                    R"({"model":"kiro","input":"hi","max_output_tokens":16})", bearer(key));
    QCOMPARE(r.status, 200);
    const QJsonObject o = GatewayFixture::json(r);
    QCOMPARE(o.value(QLatin1String("status")).toString(), QStringLiteral("incomplete"));
    QCOMPARE(
        o.value(QLatin1String("incomplete_details")).toObject().value(QLatin1String("reason")).toString(),
        QStringLiteral("max_output_tokens"));
    QCOMPARE(o.value(QLatin1String("max_output_tokens")).toInt(), 16);
    QCOMPARE(f.provider.lastRequest().maxTokens, std::optional<int>(16));
    const RawResponse s2
        = c.request("POST", "/v1/responses",
                    R"({"model":"kiro","input":"hi","max_output_tokens":16,"stream":true})", bearer(key));
    const QList<Event> ev = events(s2.body);
    QCOMPARE(ev.last().name, QByteArray("response.incomplete"));
    QCOMPARE(
        ev.last().data.value(QLatin1String("response")).toObject().value(QLatin1String("status")).toString(),
        QStringLiteral("incomplete"));
}

void TstResponses::errorsBeforeOutput_data()
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
    QTest::newRow("context") << int(ProviderErrorKind::ContextTooLong) << 400
                             << QStringLiteral("context_length_exceeded") << 0;
}

void TstResponses::errorsBeforeOutput()
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
    const RawResponse r
        = c.request("POST", "/v1/responses", R"({"model":"kiro","input":"hi","stream":true})", bearer(key));
    QCOMPARE(r.status, status);
    QVERIFY(!r.chunked);
    QCOMPARE(GatewayFixture::errorCode(r), code);
    QCOMPARE(r.header("retry-after"), retryAfter > 0 ? QByteArray::number(retryAfter) : QByteArray());
}

void TstResponses::midStreamFailure()
{
    GatewayFixture f;
    f.provider.enqueue(
        { { 0, ScriptedProvider::Start {} },
          { 0, ScriptedProvider::Text { QStringLiteral("partial") } },
          { 5, ProviderError { ProviderErrorKind::UpstreamError, QStringLiteral("connection reset"), 0 } } });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/responses", R"({"model":"kiro","input":"hi","stream":true})", bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.complete);
    const QList<Event> ev = events(r.body);
    QVERIFY(ev.size() >= 3);
    QCOMPARE(ev[ev.size() - 2].name, QByteArray("error"));
    QCOMPARE(ev[ev.size() - 2].data.value(QLatin1String("code")).toString(),
             QStringLiteral("upstream_error"));
    QCOMPARE(ev[ev.size() - 2].data.value(QLatin1String("message")).toString(),
             QStringLiteral("connection reset"));
    QCOMPARE(ev.last().name, QByteArray("response.failed"));
    const QJsonObject failed = ev.last().data.value(QLatin1String("response")).toObject();
    QCOMPARE(failed.value(QLatin1String("status")).toString(), QStringLiteral("failed"));
    QCOMPARE(failed.value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(),
             QStringLiteral("upstream_error"));
    for (qsizetype i = 0; i < ev.size(); ++i)
        QCOMPARE(ev[i].data.value(QLatin1String("sequence_number")).toInt(-1), int(i));
}

void TstResponses::keepAliveIsACommentNotAnEvent()
{
    // The SDKs throw on event types they do not know: upstream silence must not produce one.
    GatewayFixture f;
    f.provider.enqueue({ { 0, ScriptedProvider::Start {} },
                         { 0, ScriptedProvider::Text { QStringLiteral("a") } },
                         { 5, ScriptedProvider::KeepAlive {} },
                         { 5, ScriptedProvider::Text { QStringLiteral("b") } },
                         { 0, FinishReason::Stop } });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/responses", R"({"model":"kiro","input":"hi","stream":true})", bearer(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.contains("\n: keep-alive\n\n"));
    const QList<Event> ev = events(r.body);
    QCOMPARE(ev.last().name, QByteArray("response.completed"));
    for (qsizetype i = 0; i < ev.size(); ++i)
        QCOMPARE(ev[i].data.value(QLatin1String("sequence_number")).toInt(-1), int(i));
}

void TstResponses::statelessParametersRefused()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/responses",
                    R"({"model":"kiro","input":"hi","previous_response_id":"resp_123"})", bearer(key));
    QCOMPARE(r.status, 400);
    QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("unsupported_parameter"));
    QCOMPARE(GatewayFixture::errorType(r), QStringLiteral("invalid_request_error"));
    QCOMPARE(GatewayFixture::errorParam(r), QStringLiteral("previous_response_id"));
    QCOMPARE(f.provider.started(), 0);
}

void TstResponses::bodyOverTheLimitIs413()
{
    Settings s;
    s.server.maxBodyMb = 1;
    GatewayFixture f(s);
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    // A valid body just over server.max_body_mb: refused before it is parsed, in the OpenAI shape.
    const QByteArray body = R"({"model":"kiro","input":")" + QByteArray(1024 * 1024, 'x') + R"("})";
    const RawResponse r = c.request("POST", "/v1/responses", body, bearer(key));
    QCOMPARE(r.status, 413);
    QCOMPARE(GatewayFixture::errorCode(r), QStringLiteral("request_too_large"));
    QCOMPARE(f.provider.started(), 0);
}

void TstResponses::ledgerRecordsResponses()
{
    GatewayFixture f;
    QList<RequestRecord> records;
    QObject::connect(f.server.get(), &GatewayServer::requestFinished,
                     [&records](const RequestRecord &rec) { records.append(rec); });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    QCOMPARE(c.request("POST", "/v1/responses", R"({"model":"kiro","input":"hi","stream":true})", bearer(key))
                 .status,
             200);
    QCOMPARE(c.request("POST", "/v1/responses", R"({"model":"kiro"})", bearer(key)).status, 400);
    QCOMPARE(c.request("POST", "/v1/responses", R"({"model":"kiro","input":"hi"})", {}).status, 401);
    QTRY_COMPARE(records.size(), 3);
    for (const RequestRecord &rec : records)
        QCOMPARE(rec.endpoint, QStringLiteral("responses"));
    QCOMPARE(records[0].status, QStringLiteral("success"));
    QCOMPARE(records[0].keyId, id);
    QCOMPARE(records[0].model, QStringLiteral("kiro"));
    QVERIFY(records[0].stream);
    QCOMPARE(records[0].usage.promptTokens, 12);
    QCOMPARE(records[0].accountId, QStringLiteral("acct-1"));
    QCOMPARE(records[1].httpStatus, 400);
    QCOMPARE(records[2].httpStatus, 401);
}

QTEST_GUILESS_MAIN(TstResponses)
#include "tst_responses.moc"
