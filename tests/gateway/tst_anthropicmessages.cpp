// SPDX-License-Identifier: MIT
#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

#include "anthropicfixtures.h"
#include "anthropicparsercases.h"
#include "gatewayfixture.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;
using Script = ScriptedProvider::Script;

/** Headers as Anthropic SDKs send them. */
Headers anthropicHeaders(const QString &key)
{
    return { { "x-api-key", key.toUtf8() },
             { "anthropic-version", "2023-06-01" },
             { "Content-Type", "application/json" } };
}

Usage usage(int prompt, int completion)
{
    Usage u;
    u.promptTokens = prompt;
    u.completionTokens = completion;
    return u;
}

Script scriptNamed(const QString &name)
{
    using SP = ScriptedProvider;
    if (name == QLatin1String("text")) {
        return { { 0, SP::Start {} },     { 0, SP::Text { QStringLiteral("Hello") } },
                 { 5, SP::KeepAlive {} }, { 5, SP::Text { QStringLiteral(" \"world\"\n") } },
                 { 0, usage(12, 3) },     { 0, FinishReason::Stop } };
    }
    if (name == QLatin1String("tools") || name == QLatin1String("tools-plain-stop")) {
        return { { 0, SP::Start {} },
                 { 0, SP::Text { QStringLiteral("Checking.") } },
                 { 5, SP::ToolStart { 0, QStringLiteral("toolu_1"), QStringLiteral("get_weather") } },
                 { 5, SP::ToolArgs { 0, QStringLiteral("{\"city\":") } },
                 { 5, SP::ToolArgs { 0, QStringLiteral("\"Paris\"}") } },
                 { 5, SP::ToolStart { 1, QStringLiteral("toolu_2"), QStringLiteral("get_time") } },
                 { 5, SP::ToolArgs { 1, QStringLiteral("{}") } },
                 { 0, usage(100, 20) },
                 { 0, name == QLatin1String("tools") ? FinishReason::ToolCalls : FinishReason::Stop } };
    }
    if (name == QLatin1String("thinking")) {
        return { { 0, SP::Start {} },
                 { 0, SP::Reasoning { QStringLiteral("Rayleigh") } },
                 { 5, SP::Reasoning { QStringLiteral(" scattering") } },
                 { 5, SP::Text { QStringLiteral("Because of Rayleigh scattering.") } },
                 { 0, usage(30, 9) },
                 { 0, FinishReason::Stop } };
    }
    if (name == QLatin1String("signed-thinking")) {
        // Native reasoning: signed thinking, a withheld (redacted) part, then text; exact usage with a cache.
        Usage u = usage(1000, 9);
        u.cacheReadTokens = 600;
        u.cacheWriteTokens = 100;
        u.tokensEstimated = false;
        return { { 0, SP::Start {} },
                 { 0, SP::Reasoning { QStringLiteral("Rayleigh") } },
                 { 5, SP::Reasoning { QStringLiteral(" scattering") } },
                 { 0, SP::ReasoningSignature { QStringLiteral("sig-abc") } },
                 { 0, SP::RedactedReasoning { QStringLiteral("UkVEQUNURUQ=") } },
                 { 5, SP::Text { QStringLiteral("Because of Rayleigh scattering.") } },
                 { 0, u },
                 { 0, FinishReason::Stop } };
    }
    if (name == QLatin1String("length"))
        return { { 0, SP::Start {} },
                 { 0, SP::Text { QStringLiteral("abc") } },
                 { 0, usage(5, 1) },
                 { 0, FinishReason::Length } };
    if (name == QLatin1String("error-after-text")) {
        return {
            { 0, SP::Start {} },
            { 0, SP::Text { QStringLiteral("partial") } },
            { 5, ProviderError { ProviderErrorKind::UpstreamError, QStringLiteral("connection reset"), 0 } }
        };
    }
    if (name == QLatin1String("error-in-tool")) {
        return { { 0, SP::Start {} },
                 { 0, SP::ToolStart { 0, QStringLiteral("toolu_9"), QStringLiteral("run") } },
                 { 5, SP::ToolArgs { 0, QStringLiteral("{\"cmd\":\"l") } },
                 { 5, ProviderError { ProviderErrorKind::PoolBusy, QStringLiteral("slots gone"), 2 } } };
    }
    qFatal("unknown script");
}

/**
 * One line per SSE event, e.g. "delta 1 json {\"city\":". Frames that are not exactly
 * `event: <type>\ndata: <json>` or whose JSON type disagrees with the event name show up as MALFORMED.
 */
QStringList trace(const QByteArray &body)
{
    QStringList out;
    const QList<QByteArray> frames = body.split('\n');
    // Re-split on blank lines, keeping frames exact.
    QList<QByteArray> events;
    QByteArray current;
    for (const QByteArray &line : frames) {
        if (line.isEmpty()) {
            if (!current.isEmpty())
                events.append(current);
            current.clear();
        } else {
            current += line + '\n';
        }
    }
    if (!current.isEmpty())
        out.append(QStringLiteral("MALFORMED unterminated"));
    for (const QByteArray &e : events) {
        const QList<QByteArray> lines = e.trimmed().split('\n');
        if (lines.size() != 2 || !lines[0].startsWith("event: ") || !lines[1].startsWith("data: ")) {
            out.append(QStringLiteral("MALFORMED ") + QString::fromUtf8(e));
            continue;
        }
        const QString event = QString::fromUtf8(lines[0].mid(7));
        const QJsonObject d = QJsonDocument::fromJson(lines[1].mid(6)).object();
        if (d.value(QLatin1String("type")).toString() != event) {
            out.append(QStringLiteral("MALFORMED type ") + event);
            continue;
        }
        const QString index = QString::number(d.value(QLatin1String("index")).toInt(-1));
        if (event == QLatin1String("message_start")) {
            out.append(
                event + u' '
                + d.value(QLatin1String("message")).toObject().value(QLatin1String("model")).toString());
        } else if (event == QLatin1String("content_block_start")) {
            const QJsonObject b = d.value(QLatin1String("content_block")).toObject();
            QString line
                = QStringLiteral("start ") + index + u' ' + b.value(QLatin1String("type")).toString();
            if (b.value(QLatin1String("type")).toString() == QLatin1String("tool_use"))
                line += u' ' + b.value(QLatin1String("id")).toString() + u' '
                    + b.value(QLatin1String("name")).toString();
            if (b.value(QLatin1String("type")).toString() == QLatin1String("redacted_thinking"))
                line += u' ' + b.value(QLatin1String("data")).toString();
            out.append(line);
        } else if (event == QLatin1String("content_block_delta")) {
            const QJsonObject delta = d.value(QLatin1String("delta")).toObject();
            const QString type = delta.value(QLatin1String("type")).toString();
            if (type == QLatin1String("text_delta"))
                out.append(QStringLiteral("delta ") + index + QStringLiteral(" text ")
                           + delta.value(QLatin1String("text")).toString());
            else if (type == QLatin1String("thinking_delta"))
                out.append(QStringLiteral("delta ") + index + QStringLiteral(" thinking ")
                           + delta.value(QLatin1String("thinking")).toString());
            else if (type == QLatin1String("signature_delta"))
                out.append(QStringLiteral("delta ") + index + QStringLiteral(" signature ")
                           + delta.value(QLatin1String("signature")).toString());
            else if (type == QLatin1String("input_json_delta"))
                out.append(QStringLiteral("delta ") + index + QStringLiteral(" json ")
                           + delta.value(QLatin1String("partial_json")).toString());
            else
                out.append(QStringLiteral("delta ") + index + u' ' + type);
        } else if (event == QLatin1String("content_block_stop")) {
            out.append(QStringLiteral("stop ") + index);
        } else if (event == QLatin1String("message_delta")) {
            out.append(
                event + u' '
                + d.value(QLatin1String("delta")).toObject().value(QLatin1String("stop_reason")).toString()
                + QStringLiteral(" out=")
                + QString::number(d.value(QLatin1String("usage"))
                                      .toObject()
                                      .value(QLatin1String("output_tokens"))
                                      .toInt(-1)));
        } else if (event == QLatin1String("error")) {
            const QJsonObject err = d.value(QLatin1String("error")).toObject();
            out.append(QStringLiteral("error ") + err.value(QLatin1String("type")).toString() + u' '
                       + err.value(QLatin1String("message")).toString());
        } else {
            out.append(event);
        }
    }
    return out;
}

QJsonObject errorObject(const RawResponse &r)
{
    return GatewayFixture::json(r).value(QLatin1String("error")).toObject();
}

QByteArray messageBody(const QString &model)
{
    return "{\"model\":\"" + model.toUtf8()
        + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
}

} // namespace

class TstAnthropicMessages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void goldenStreams_data();
    void goldenStreams();
    void streamFraming();
    void nonStreamingText();
    void nonStreamingToolsAndThinking();
    void signedThinkingAndCachedUsage();
    void multiTurnToolConversation();
    void providerErrorsUseAnthropicShape_data();
    void providerErrorsUseAnthropicShape();
    void frontDoorErrorsUseAnthropicShape_data();
    void frontDoorErrorsUseAnthropicShape();
    void modelNames_data();
    void modelNames();
    void countTokens_data();
    void countTokens();
    void inputTokensWithoutAProviderCount_data();
    void inputTokensWithoutAProviderCount();
    void requestRecordedAsMessages();
    void clientDisconnectCancelsCall();
    void claudeCodeRequest();
    void familyModels_data();
    void familyModels();
    void familyFallbackLoggedOncePerMapping();
    void serverToolsDroppedNotRefused();
};

void TstAnthropicMessages::goldenStreams_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QStringList>("expected");
    const QString sonnet = QStringLiteral("message_start claude-sonnet-4-5-20250929");
    QTest::newRow("text") << QStringLiteral("text") << AnthropicFixtures::streamingMessage
                          << QStringList { sonnet,
                                           QStringLiteral("ping"),
                                           QStringLiteral("start 0 text"),
                                           QStringLiteral("delta 0 text Hello"),
                                           QStringLiteral("ping"),
                                           QStringLiteral("delta 0 text  \"world\"\n"),
                                           QStringLiteral("stop 0"),
                                           QStringLiteral("message_delta end_turn out=3"),
                                           QStringLiteral("message_stop") };
    const QStringList tools { QStringLiteral("message_start claude-opus-4-7"),
                              QStringLiteral("ping"),
                              QStringLiteral("start 0 text"),
                              QStringLiteral("delta 0 text Checking."),
                              QStringLiteral("stop 0"),
                              QStringLiteral("start 1 tool_use toolu_1 get_weather"),
                              QStringLiteral("delta 1 json {\"city\":"),
                              QStringLiteral("delta 1 json \"Paris\"}"),
                              QStringLiteral("stop 1"),
                              QStringLiteral("start 2 tool_use toolu_2 get_time"),
                              QStringLiteral("delta 2 json {}"),
                              QStringLiteral("stop 2"),
                              QStringLiteral("message_delta tool_use out=20"),
                              QStringLiteral("message_stop") };
    QTest::newRow("tools") << QStringLiteral("tools") << AnthropicFixtures::toolsRequestStreaming << tools;
    QTest::newRow("tools-plain-stop")
        << QStringLiteral("tools-plain-stop") << AnthropicFixtures::toolsRequestStreaming << tools;
    QTest::newRow("thinking") << QStringLiteral("thinking") << AnthropicFixtures::thinkingRequest
                              << QStringList { QStringLiteral("message_start claude-sonnet-4-5"),
                                               QStringLiteral("ping"),
                                               QStringLiteral("start 0 thinking"),
                                               QStringLiteral("delta 0 thinking Rayleigh"),
                                               QStringLiteral("delta 0 thinking  scattering"),
                                               QStringLiteral("stop 0"),
                                               QStringLiteral("start 1 text"),
                                               QStringLiteral("delta 1 text Because of Rayleigh scattering."),
                                               QStringLiteral("stop 1"),
                                               QStringLiteral("message_delta end_turn out=9"),
                                               QStringLiteral("message_stop") };
    QTest::newRow("signed-thinking") << QStringLiteral("signed-thinking")
                                     << AnthropicFixtures::thinkingRequest
                                     << QStringList {
                                            QStringLiteral("message_start claude-sonnet-4-5"),
                                            QStringLiteral("ping"),
                                            QStringLiteral("start 0 thinking"),
                                            QStringLiteral("delta 0 thinking Rayleigh"),
                                            QStringLiteral("delta 0 thinking  scattering"),
                                            QStringLiteral("delta 0 signature sig-abc"),
                                            QStringLiteral("stop 0"),
                                            QStringLiteral("start 1 redacted_thinking UkVEQUNURUQ="),
                                            QStringLiteral("stop 1"),
                                            QStringLiteral("start 2 text"),
                                            QStringLiteral("delta 2 text Because of Rayleigh scattering."),
                                            QStringLiteral("stop 2"),
                                            QStringLiteral("message_delta end_turn out=9"),
                                            QStringLiteral("message_stop")
                                        };
    QTest::newRow("max-tokens") << QStringLiteral("length") << AnthropicFixtures::streamingMessage
                                << QStringList { sonnet,
                                                 QStringLiteral("ping"),
                                                 QStringLiteral("start 0 text"),
                                                 QStringLiteral("delta 0 text abc"),
                                                 QStringLiteral("stop 0"),
                                                 QStringLiteral("message_delta max_tokens out=1"),
                                                 QStringLiteral("message_stop") };
    QTest::newRow("error-after-text")
        << QStringLiteral("error-after-text") << AnthropicFixtures::streamingMessage
        << QStringList { sonnet, QStringLiteral("ping"), QStringLiteral("start 0 text"),
                         QStringLiteral("delta 0 text partial"),
                         QStringLiteral("error api_error connection reset") };
    QTest::newRow("error-in-tool") << QStringLiteral("error-in-tool")
                                   << AnthropicFixtures::toolsRequestStreaming
                                   << QStringList { QStringLiteral("message_start claude-opus-4-7"),
                                                    QStringLiteral("ping"),
                                                    QStringLiteral("start 0 tool_use toolu_9 run"),
                                                    QStringLiteral("delta 0 json {\"cmd\":\"l"),
                                                    QStringLiteral("error overloaded_error slots gone") };
}

void TstAnthropicMessages::goldenStreams()
{
    QFETCH(QString, script);
    QFETCH(QByteArray, request);
    QFETCH(QStringList, expected);
    GatewayFixture f;
    f.provider.enqueue(scriptNamed(script));
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/messages", request, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.complete);
    QVERIFY(r.chunked);
    QVERIFY(r.header("content-type").startsWith("text/event-stream"));
    QCOMPARE(trace(r.body), expected);
}

void TstAnthropicMessages::streamFraming()
{
    GatewayFixture f;
    f.provider.enqueue(scriptNamed(QStringLiteral("text")));
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages", AnthropicFixtures::streamingMessage, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.startsWith(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_"));
    QVERIFY(r.body.contains("\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n"));
    QVERIFY(r.body.endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    QVERIFY(r.header("x-ratelimit-limit").toInt() > 0);
    const QByteArray first = r.body.split('\n').at(1).mid(6);
    const QJsonObject message
        = QJsonDocument::fromJson(first).object().value(QLatin1String("message")).toObject();
    QCOMPARE(message.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(message.value(QLatin1String("role")).toString(), QStringLiteral("assistant"));
    QCOMPARE(message.value(QLatin1String("content")).toArray().size(), 0);
    QVERIFY(message.value(QLatin1String("stop_reason")).isNull());
    const QJsonObject u = message.value(QLatin1String("usage")).toObject();
    QVERIFY(u.value(QLatin1String("input_tokens")).toInt() > 0); // local estimate until the upstream reports
    QCOMPARE(u.value(QLatin1String("output_tokens")).toInt(-1), 0);
    // The final usage carries the provider's counts.
    QVERIFY(r.body.contains("\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,"
                            "\"cache_read_input_tokens\":0,\"output_tokens\":3}}"));
}

void TstAnthropicMessages::nonStreamingText()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages", AnthropicFixtures::simpleMessage, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QVERIFY(!r.chunked);
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    const QJsonObject o = GatewayFixture::json(r);
    QVERIFY(o.value(QLatin1String("id")).toString().startsWith(QLatin1String("msg_")));
    QCOMPARE(o.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(o.value(QLatin1String("role")).toString(), QStringLiteral("assistant"));
    QCOMPARE(o.value(QLatin1String("model")).toString(), QStringLiteral("claude-sonnet-4-5-20250929"));
    QCOMPARE(o.value(QLatin1String("stop_reason")).toString(), QStringLiteral("end_turn"));
    QVERIFY(o.value(QLatin1String("stop_sequence")).isNull());
    const QJsonArray content = o.value(QLatin1String("content")).toArray();
    QCOMPARE(content.size(), 1);
    QCOMPARE(content[0].toObject().value(QLatin1String("type")).toString(), QStringLiteral("text"));
    QCOMPARE(content[0].toObject().value(QLatin1String("text")).toString(), QStringLiteral("Hello world"));
    QCOMPARE(o.value(QLatin1String("usage")).toObject().value(QLatin1String("input_tokens")).toInt(), 12);
    QCOMPARE(o.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(), 3);
    QCOMPARE(f.provider.lastRequest().maxTokens, std::optional<int>(256));
}

void TstAnthropicMessages::nonStreamingToolsAndThinking()
{
    GatewayFixture f;
    f.provider.enqueue(scriptNamed(QStringLiteral("tools")));
    f.provider.enqueue(scriptNamed(QStringLiteral("thinking")));
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages", AnthropicFixtures::toolsRequest, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    const QJsonObject o = GatewayFixture::json(r);
    QCOMPARE(o.value(QLatin1String("model")).toString(), QStringLiteral("claude-opus-4-7"));
    QCOMPARE(o.value(QLatin1String("stop_reason")).toString(), QStringLiteral("tool_use"));
    const QJsonArray content = o.value(QLatin1String("content")).toArray();
    QCOMPARE(content.size(), 3);
    QCOMPARE(content[0].toObject().value(QLatin1String("text")).toString(), QStringLiteral("Checking."));
    const QJsonObject weather = content[1].toObject();
    QCOMPARE(weather.value(QLatin1String("type")).toString(), QStringLiteral("tool_use"));
    QCOMPARE(weather.value(QLatin1String("id")).toString(), QStringLiteral("toolu_1"));
    QCOMPARE(weather.value(QLatin1String("name")).toString(), QStringLiteral("get_weather"));
    QCOMPARE(weather.value(QLatin1String("input")).toObject(),
             QJsonObject({ { QLatin1String("city"), QLatin1String("Paris") } }));
    QVERIFY(content[2].toObject().value(QLatin1String("input")).isObject());
    QCOMPARE(content[2].toObject().value(QLatin1String("input")).toObject().size(), 0);
    QCOMPARE(f.provider.lastRequest().upstreamModel, QStringLiteral("claude-opus-4.7"));
    QCOMPARE(f.provider.lastRequest().tools.size(), size_t(2));

    const RawResponse t = c.request("POST", "/v1/messages", AnthropicFixtures::thinkingRequestAggregated,
                                    anthropicHeaders(key));
    QCOMPARE(t.status, 200);
    const QJsonArray blocks = GatewayFixture::json(t).value(QLatin1String("content")).toArray();
    QCOMPARE(blocks.size(), 2);
    QCOMPARE(blocks[0].toObject().value(QLatin1String("type")).toString(), QStringLiteral("thinking"));
    QCOMPARE(blocks[0].toObject().value(QLatin1String("thinking")).toString(),
             QStringLiteral("Rayleigh scattering"));
    QCOMPARE(blocks[1].toObject().value(QLatin1String("text")).toString(),
             QStringLiteral("Because of Rayleigh scattering."));
    QVERIFY(f.provider.lastRequest().thinking);
    QCOMPARE(f.provider.lastRequest().thinkingBudgetTokens, 2048);
}

void TstAnthropicMessages::signedThinkingAndCachedUsage()
{
    GatewayFixture f;
    f.provider.enqueue(scriptNamed(QStringLiteral("signed-thinking")));
    f.provider.enqueue(scriptNamed(QStringLiteral("signed-thinking")));
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);

    // Streaming: input_tokens is the uncached part only, beside the cache reads and writes
    // (docs/api.md#post-v1messages).
    const RawResponse s
        = c.request("POST", "/v1/messages", AnthropicFixtures::thinkingRequest, anthropicHeaders(key));
    QCOMPARE(s.status, 200);
    QVERIFY2(s.body.contains("\"usage\":{\"input_tokens\":300,\"cache_creation_input_tokens\":100,"
                             "\"cache_read_input_tokens\":600,\"output_tokens\":9}}"),
             s.body.constData());

    // Aggregated: the thinking block carries the upstream's signature; the withheld part is
    // redacted_thinking.
    const RawResponse t = c.request("POST", "/v1/messages", AnthropicFixtures::thinkingRequestAggregated,
                                    anthropicHeaders(key));
    QCOMPARE(t.status, 200);
    const QJsonObject o = GatewayFixture::json(t);
    const QJsonArray blocks = o.value(QLatin1String("content")).toArray();
    QCOMPARE(blocks.size(), 3);
    QCOMPARE(blocks[0].toObject(),
             QJsonObject({ { QLatin1String("type"), QLatin1String("thinking") },
                           { QLatin1String("thinking"), QLatin1String("Rayleigh scattering") },
                           { QLatin1String("signature"), QLatin1String("sig-abc") } }));
    QCOMPARE(blocks[1].toObject(),
             QJsonObject({ { QLatin1String("type"), QLatin1String("redacted_thinking") },
                           { QLatin1String("data"), QLatin1String("UkVEQUNURUQ=") } }));
    QCOMPARE(blocks[2].toObject().value(QLatin1String("text")).toString(),
             QStringLiteral("Because of Rayleigh scattering."));
    QCOMPARE(o.value(QLatin1String("usage")).toObject(),
             QJsonObject({ { QLatin1String("input_tokens"), 300 },
                           { QLatin1String("cache_creation_input_tokens"), 100 },
                           { QLatin1String("cache_read_input_tokens"), 600 },
                           { QLatin1String("output_tokens"), 9 } }));
}

void TstAnthropicMessages::multiTurnToolConversation()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages", AnthropicFixtures::multiTurnToolRequest, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QVERIFY(trace(r.body).contains(QStringLiteral("message_delta end_turn out=3")));
    const ChatRequest &req = f.provider.lastRequest();
    QCOMPARE(req.upstreamModel, QStringLiteral("claude-sonnet-4.5"));
    QCOMPARE(req.keyId, id);
    QCOMPARE(req.messages.size(), size_t(6));
    const Role roles[] = { Role::System, Role::User, Role::Assistant, Role::Tool, Role::Tool, Role::User };
    for (size_t i = 0; i < req.messages.size(); ++i)
        QCOMPARE(req.messages[i].role, roles[i]);
    QCOMPARE(req.messages[2].toolCalls.size(), size_t(2));
    QCOMPARE(req.messages[3].toolCallId, req.messages[2].toolCalls[0].id);
    QCOMPARE(req.messages[4].toolCallId, req.messages[2].toolCalls[1].id);
    QVERIFY(req.messages[4].toolError);
    QCOMPARE(req.messages[5].textString(), QStringLiteral("Now summarize."));
}

void TstAnthropicMessages::providerErrorsUseAnthropicShape_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("retryAfter");
    QTest::newRow("pool-busy") << int(ProviderErrorKind::PoolBusy) << 529
                               << QStringLiteral("overloaded_error") << 3;
    QTest::newRow("no-upstream") << int(ProviderErrorKind::NoUpstream) << 529
                                 << QStringLiteral("overloaded_error") << 40;
    QTest::newRow("draining") << int(ProviderErrorKind::Draining) << 529 << QStringLiteral("overloaded_error")
                              << 0;
    QTest::newRow("upstream") << int(ProviderErrorKind::UpstreamError) << 502 << QStringLiteral("api_error")
                              << 0;
    QTest::newRow("timeout") << int(ProviderErrorKind::UpstreamTimeout) << 504 << QStringLiteral("api_error")
                             << 0;
    QTest::newRow("internal") << int(ProviderErrorKind::Internal) << 500 << QStringLiteral("api_error") << 0;
    QTest::newRow("invalid") << int(ProviderErrorKind::InvalidRequest) << 400
                             << QStringLiteral("invalid_request_error") << 0;
    QTest::newRow("context") << int(ProviderErrorKind::ContextTooLong) << 400
                             << QStringLiteral("invalid_request_error") << 0;
    QTest::newRow("model") << int(ProviderErrorKind::ModelUnavailable) << 404
                           << QStringLiteral("not_found_error") << 0;
}

void TstAnthropicMessages::providerErrorsUseAnthropicShape()
{
    QFETCH(int, kind);
    QFETCH(int, status);
    QFETCH(QString, type);
    QFETCH(int, retryAfter);
    GatewayFixture f;
    f.provider.enqueue(
        { { 0, ProviderError { ProviderErrorKind(kind), QStringLiteral("upstream said no"), retryAfter } } });
    QList<RequestRecord> records;
    QObject::connect(f.server.get(), &GatewayServer::requestFinished,
                     [&records](const RequestRecord &rec) { records.append(rec); });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages", AnthropicFixtures::streamingMessage, anthropicHeaders(key));
    QCOMPARE(r.status, status);
    QVERIFY(!r.chunked);
    QCOMPARE(GatewayFixture::json(r).value(QLatin1String("type")).toString(), QStringLiteral("error"));
    QCOMPARE(errorObject(r).value(QLatin1String("type")).toString(), type);
    QCOMPARE(errorObject(r).value(QLatin1String("message")).toString(), QStringLiteral("upstream said no"));
    QCOMPARE(r.header("retry-after"), retryAfter > 0 ? QByteArray::number(retryAfter) : QByteArray());
    QTRY_COMPARE(records.size(), 1);
    QCOMPARE(records[0].httpStatus, status);
    QCOMPARE(records[0].endpoint, QStringLiteral("messages"));
}

void TstAnthropicMessages::frontDoorErrorsUseAnthropicShape_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::newRow("no-key") << QStringLiteral("no-key") << 401 << QStringLiteral("authentication_error")
                            << QByteArray();
    QTest::newRow("unknown-key") << QStringLiteral("unknown-key") << 401
                                 << QStringLiteral("authentication_error") << QByteArray();
    QTest::newRow("unknown-model") << QStringLiteral("unknown-model") << 404
                                   << QStringLiteral("not_found_error") << QByteArray();
    QTest::newRow("model-not-allowed")
        << QStringLiteral("model-not-allowed") << 403 << QStringLiteral("permission_error") << QByteArray();
    QTest::newRow("invalid-body") << QStringLiteral("invalid-body") << 400
                                  << QStringLiteral("invalid_request_error") << QByteArray();
    QTest::newRow("unknown-subroute")
        << QStringLiteral("unknown-subroute") << 404 << QStringLiteral("not_found_error") << QByteArray();
    QTest::newRow("wrong-method") << QStringLiteral("wrong-method") << 405
                                  << QStringLiteral("invalid_request_error") << QByteArray();
    QTest::newRow("host") << QStringLiteral("host") << 403 << QStringLiteral("permission_error")
                          << QByteArray();
    QTest::newRow("too-large") << QStringLiteral("too-large") << 413 << QStringLiteral("request_too_large")
                               << QByteArray();
    QTest::newRow("rate-limited") << QStringLiteral("rate-limited") << 429
                                  << QStringLiteral("rate_limit_error") << QByteArray("60");
    QTest::newRow("draining") << QStringLiteral("draining") << 529 << QStringLiteral("overloaded_error")
                              << QByteArray("5");
}

void TstAnthropicMessages::frontDoorErrorsUseAnthropicShape()
{
    QFETCH(QString, scenario);
    QFETCH(int, status);
    QFETCH(QString, type);
    QFETCH(QByteArray, retryAfter);
    Settings s;
    s.server.maxBodyMb = 1;
    GatewayFixture f(s);
    const bool limited = scenario == QLatin1String("rate-limited");
    const bool restricted = scenario == QLatin1String("model-not-allowed");
    const auto [id, key] = f.createKey(limited          ? QByteArray("{\"name\":\"t\",\"rate_limit_rpm\":1}")
                                           : restricted ? QByteArray("{\"name\":\"t\",\"models\":[\"kiro\"]}")
                                                        : QByteArray("{\"name\":\"t\"}"));
    RawHttpClient c(f.port);
    Headers h = anthropicHeaders(key);
    QByteArray method("POST");
    QByteArray path("/v1/messages");
    QByteArray body = AnthropicFixtures::simpleMessage;
    if (scenario == QLatin1String("no-key")) {
        h.removeFirst();
    } else if (scenario == QLatin1String("unknown-key")) {
        h[0].second = "db-abcdefgh-0123456789abcdefghijABCDEFGHIJ0123456789";
    } else if (scenario == QLatin1String("unknown-model")) {
        body = messageBody(QStringLiteral("gpt-9"));
    } else if (scenario == QLatin1String("invalid-body")) {
        body = "{}";
    } else if (scenario == QLatin1String("unknown-subroute")) {
        path = "/v1/messages/batches";
    } else if (scenario == QLatin1String("wrong-method")) {
        method = "GET";
        body.clear();
    } else if (scenario == QLatin1String("host")) {
        h.append(qMakePair(QByteArray("Host"), QByteArray("attacker.example")));
    } else if (scenario == QLatin1String("too-large")) {
        body = QByteArray(1024 * 1024 + 10, 'x');
    } else if (scenario == QLatin1String("rate-limited")) {
        // The window is the key's, whatever the front end: a chat request uses it up.
        QCOMPARE(c.request("POST", "/v1/chat/completions",
                           "{\"model\":\"kiro\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", h)
                     .status,
                 200);
    } else if (scenario == QLatin1String("draining")) {
        f.server->startDrain();
    }
    const RawResponse r = c.request(method, path, body, h);
    QCOMPARE(r.status, status);
    QCOMPARE(GatewayFixture::json(r).value(QLatin1String("type")).toString(), QStringLiteral("error"));
    QCOMPARE(errorObject(r).value(QLatin1String("type")).toString(), type);
    QVERIFY(!errorObject(r).value(QLatin1String("message")).toString().isEmpty());
    QVERIFY(!errorObject(r).contains(QLatin1String("code"))); // not the OpenAI shape
    QCOMPARE(r.header("retry-after"), retryAfter);
    QCOMPARE(f.provider.started(), limited ? 1 : 0);
}

void TstAnthropicMessages::modelNames_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("upstream");
    QTest::addColumn<bool>("thinking");
    QTest::newRow("opus-4-7") << QStringLiteral("claude-opus-4-7") << QStringLiteral("claude-opus-4.7")
                              << false;
    QTest::newRow("haiku-4-5") << QStringLiteral("claude-haiku-4-5") << QStringLiteral("claude-haiku-4.5")
                               << false;
    QTest::newRow("haiku-dated") << QStringLiteral("claude-haiku-4-5-20251001")
                                 << QStringLiteral("claude-haiku-4.5") << false;
    QTest::newRow("sonnet-dated") << QStringLiteral("claude-sonnet-4-5-20250929")
                                  << QStringLiteral("claude-sonnet-4.5") << false;
    QTest::newRow("sonnet-1m") << QStringLiteral("claude-sonnet-4-5-20250929[1m]")
                               << QStringLiteral("claude-sonnet-4.5") << false;
    QTest::newRow("opus-thinking") << QStringLiteral("claude-opus-4-5-thinking")
                                   << QStringLiteral("claude-opus-4.5") << true;
    QTest::newRow("kiro-id") << QStringLiteral("claude-sonnet-4.6") << QStringLiteral("claude-sonnet-4.6")
                             << false;
    QTest::newRow("kiro") << QStringLiteral("kiro") << QString() << false;
}

void TstAnthropicMessages::modelNames()
{
    QFETCH(QString, model);
    QFETCH(QString, upstream);
    QFETCH(bool, thinking);
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/messages", messageBody(model), anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QCOMPARE(GatewayFixture::json(r).value(QLatin1String("model")).toString(), model); // echoed as sent
    QCOMPARE(f.provider.lastRequest().upstreamModel,
             upstream.isEmpty() ? f.settings.kiro.defaultModel : upstream);
    QCOMPARE(f.provider.lastRequest().thinking, thinking);
}

void TstAnthropicMessages::countTokens_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("tokens");
    // 4 per message; Latin text 4 characters a token, CJK one a character; a flat 1600 per image.
    QTest::newRow("latin-with-system") << AnthropicFixtures::countTokensLatin << (4 + 1) + (4 + 2);
    QTest::newRow("cjk") << AnthropicFixtures::countTokensCjk << 4 + 4;
    QTest::newRow("image") << AnthropicFixtures::countTokensWithImage << 4 + 1600;
}

void TstAnthropicMessages::countTokens()
{
    QFETCH(QByteArray, body);
    QFETCH(int, tokens);
    GatewayFixture f;
    QList<RequestRecord> records;
    QObject::connect(f.server.get(), &GatewayServer::requestFinished,
                     [&records](const RequestRecord &rec) { records.append(rec); });
    const auto [id, key] = f.createKey(R"({"name":"t","rate_limit_rpm":5})");
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/messages/count_tokens", body, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QCOMPARE(GatewayFixture::json(r), QJsonObject({ { QLatin1String("input_tokens"), tokens } }));
    QCOMPARE(r.header("x-ratelimit-remaining"), QByteArray("4")); // counted by the key's window
    QCOMPARE(f.provider.started(), 0);
    QVERIFY(records.isEmpty()); // no model call, nothing for the ledger

    const RawResponse bad = c.request("POST", "/v1/messages/count_tokens",
                                      messageBody(QStringLiteral("gpt-9")), anthropicHeaders(key));
    QCOMPARE(bad.status, 404);
    QCOMPARE(errorObject(bad).value(QLatin1String("type")).toString(), QStringLiteral("not_found_error"));
}

void TstAnthropicMessages::inputTokensWithoutAProviderCount_data()
{
    QTest::addColumn<QByteArray>("body");
    QByteArray aggregated = AnthropicFixtures::toolsRequestStreaming;
    aggregated.replace("\"stream\":true", "\"stream\":false");
    QVERIFY(!aggregated.contains("\"stream\":true"));
    QTest::newRow("stream") << AnthropicFixtures::toolsRequestStreaming;
    QTest::newRow("aggregated") << aggregated;
}

void TstAnthropicMessages::inputTokensWithoutAProviderCount()
{
    // A provider that reports no prompt count leaves input_tokens to the local estimate, the one
    // count_tokens gives for the same body: in message_start and the final usage of a stream, and in the
    // usage of an aggregated message (which asks for the estimate only then).
    QFETCH(QByteArray, body);
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    const RawResponse counted = c.request("POST", "/v1/messages/count_tokens", body, anthropicHeaders(key));
    QCOMPARE(counted.status, 200);
    const int estimate = GatewayFixture::json(counted).value(QLatin1String("input_tokens")).toInt();
    QVERIFY2(estimate > 20, QByteArray::number(estimate).constData()); // tools and text, not a constant
    using SP = ScriptedProvider;
    f.provider.enqueue({ { 0, SP::Start {} },
                         { 0, SP::Text { QStringLiteral("Sunny.") } },
                         { 0, usage(0, 2) },
                         { 0, FinishReason::Stop } });
    const RawResponse r = c.request("POST", "/v1/messages", body, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    const QByteArray expected = "\"usage\":{\"input_tokens\":" + QByteArray::number(estimate)
        + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":2}";
    QVERIFY2(r.body.contains(expected), r.body.constData());
    if (body.contains("\"stream\":true")) {
        const QByteArray start
            = "\"usage\":{\"input_tokens\":" + QByteArray::number(estimate) + ",\"output_tokens\":0}";
        QVERIFY2(r.body.contains(start), r.body.constData());
    }
}

void TstAnthropicMessages::requestRecordedAsMessages()
{
    GatewayFixture f;
    QList<RequestRecord> records;
    QObject::connect(f.server.get(), &GatewayServer::requestFinished,
                     [&records](const RequestRecord &rec) { records.append(rec); });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    QCOMPARE(
        c.request("POST", "/v1/messages", AnthropicFixtures::streamingMessage, anthropicHeaders(key)).status,
        200);
    QCOMPARE(c.request("POST", "/v1/messages", "{}", anthropicHeaders(key)).status, 400);
    QTRY_COMPARE(records.size(), 2);
    QCOMPARE(records[0].endpoint, QStringLiteral("messages"));
    QCOMPARE(records[0].keyId, id);
    QCOMPARE(records[0].model, QStringLiteral("claude-sonnet-4-5-20250929"));
    QCOMPARE(records[0].status, QStringLiteral("success"));
    QCOMPARE(records[0].httpStatus, 200);
    QVERIFY(records[0].stream);
    QCOMPARE(records[0].accountId, QStringLiteral("acct-1"));
    QCOMPARE(records[0].usage.promptTokens, 12);
    QCOMPARE(records[0].usage.completionTokens, 3);
    QCOMPARE(records[1].endpoint, QStringLiteral("messages"));
    QCOMPARE(records[1].httpStatus, 400);
}

void TstAnthropicMessages::clientDisconnectCancelsCall()
{
    GatewayFixture f;
    f.provider.enqueue({ { 0, ScriptedProvider::Start {} },
                         { 0, ScriptedProvider::Text { QStringLiteral("first") } },
                         { 5000, ScriptedProvider::Text { QStringLiteral("never") } },
                         { 0, FinishReason::Stop } });
    const auto [id, key] = f.createKey();
    RawHttpClient c(f.port);
    c.startAndWait(RawHttpClient::build("POST", "/v1/messages", f.port, AnthropicFixtures::streamingMessage,
                                        anthropicHeaders(key)),
                   [](const RawResponse &r) { return r.body.contains("first"); });
    QCOMPARE(f.provider.alive(), 1);
    c.close();
    QTRY_COMPARE(f.provider.alive(), 0);
    QCOMPARE(f.provider.cancelled(), 1);
}

void TstAnthropicMessages::claudeCodeRequest()
{
    // Claude Code 2.1.332's first request as captured: ?beta=true, anthropic-beta, a system entry inside
    // messages, adaptive thinking with display omitted, context_management, output_config, its own default
    // model id that Kiro does not know.
    GatewayFixture f;
    f.provider.enqueue(scriptNamed(QStringLiteral("thinking")));
    const auto [id, key] = f.createKey();
    Headers headers = anthropicHeaders(key);
    headers.append(qMakePair(QByteArray("anthropic-beta"),
                             QByteArray("claude-code-20250219,interleaved-thinking-2025-05-14,"
                                        "context-management-2025-06-27,effort-2025-11-24")));
    headers.append(qMakePair(QByteArray("x-claude-code-session-id"),
                             QByteArray("00000000-0000-0000-0000-000000000000")));
    QTest::ignoreMessage(
        QtInfoMsg, QRegularExpression(QStringLiteral("model claude-opus-5-5 served by claude-opus-4\\.7")));
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages?beta=true", AnthropicParserCases::claudeCodeRequest, headers);
    QCOMPARE(r.status, 200);
    const QStringList t = trace(r.body);
    QCOMPARE(t.value(0), QStringLiteral("message_start claude-opus-5-5")); // the client's id, echoed
    QVERIFY2(t.contains(QStringLiteral("start 0 thinking")), qPrintable(t.join(u'\n')));
    QVERIFY2(!t.join(u'\n').contains(QLatin1String("thinking Rayleigh")),
             qPrintable(t.join(u'\n'))); // omitted
    QVERIFY(t.contains(QStringLiteral("delta 1 text Because of Rayleigh scattering.")));
    const ChatRequest &req = f.provider.lastRequest();
    QCOMPARE(req.upstreamModel, QStringLiteral("claude-opus-4.7"));
    QVERIFY(req.thinking);
    QCOMPARE(req.messages.size(), size_t(3));
    QCOMPARE(req.messages[2].role, Role::System);
    QVERIFY(req.messages[2].textString().startsWith(QLatin1String("# Environment")));
    QCOMPARE(req.tools.size(), size_t(12));
}

void TstAnthropicMessages::familyModels_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("strict");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("upstream");
    QTest::newRow("opus-5-5") << QStringLiteral("claude-opus-5-5") << false << 200
                              << QStringLiteral("claude-opus-4.7");
    QTest::newRow("opus-5-5[1m]") << QStringLiteral("claude-opus-5-5[1m]") << false << 200
                                  << QStringLiteral("claude-opus-4.7");
    QTest::newRow("sonnet-dated") << QStringLiteral("claude-sonnet-5-0-20270101") << false << 200
                                  << QStringLiteral("claude-sonnet-4.6");
    QTest::newRow("haiku-9") << QStringLiteral("claude-haiku-9") << false << 200
                             << QStringLiteral("claude-haiku-4.5");
    QTest::newRow("opus") << QStringLiteral("opus") << false << 200 << QStringLiteral("claude-opus-4.7");
    QTest::newRow("sonnet[1m]") << QStringLiteral("sonnet[1m]") << false << 200
                                << QStringLiteral("claude-sonnet-4.6");
    QTest::newRow("haiku") << QStringLiteral("haiku") << true << 200 << QStringLiteral("claude-haiku-4.5");
    QTest::newRow("best") << QStringLiteral("best") << false << 200 << QStringLiteral("claude-opus-4.7");
    QTest::newRow("alias-wins") << QStringLiteral("claude-opus-9") << false << 200
                                << QStringLiteral("claude-opus-4.5");
    QTest::newRow("alias-wins-strict")
        << QStringLiteral("claude-opus-9") << true << 200 << QStringLiteral("claude-opus-4.5");
    QTest::newRow("strict") << QStringLiteral("claude-opus-5-5") << true << 404 << QString();
    QTest::newRow("not-claude") << QStringLiteral("gpt-9") << false << 404 << QString();
}

void TstAnthropicMessages::familyModels()
{
    QFETCH(QString, model);
    QFETCH(bool, strict);
    QFETCH(int, status);
    QFETCH(QString, upstream);
    Settings s;
    s.kiro.strictModels = strict;
    s.kiro.modelAliases.insert(QStringLiteral("claude-opus-9"), QStringLiteral("claude-opus-4.5"));
    GatewayFixture f(s);
    const auto [id, key] = f.createKey();
    if (status == 200 && model.startsWith(QLatin1String("claude-"))
        && !model.startsWith(QLatin1String("claude-opus-9")))
        QTest::ignoreMessage(
            QtInfoMsg,
            QRegularExpression(QStringLiteral("served by ") + QRegularExpression::escape(upstream)));
    RawHttpClient c(f.port);
    const RawResponse r = c.request("POST", "/v1/messages", messageBody(model), anthropicHeaders(key));
    QCOMPARE(r.status, status);
    if (status != 200) {
        QCOMPARE(errorObject(r).value(QLatin1String("type")).toString(), QStringLiteral("not_found_error"));
        QCOMPARE(f.provider.started(), 0);
        return;
    }
    QCOMPARE(GatewayFixture::json(r).value(QLatin1String("model")).toString(), model);
    QCOMPARE(f.provider.lastRequest().upstreamModel, upstream);
}

namespace {
int servedByLines = 0;
QtMessageHandler previousHandler = nullptr;
void countServedBy(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (message.contains(QLatin1String(" served by ")))
        ++servedByLines;
    else if (previousHandler)
        previousHandler(type, context, message);
}
} // namespace

void TstAnthropicMessages::familyFallbackLoggedOncePerMapping()
{
    // Claude Code asks for a model the catalog serves by family on every request of a session: the log says
    // so once per mapping, not once per request (each line is also a write to the log file).
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    servedByLines = 0;
    previousHandler = qInstallMessageHandler(countServedBy);
    RawHttpClient c(f.port);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(c.request("POST", "/v1/messages", messageBody(QStringLiteral("claude-opus-5-5")),
                           anthropicHeaders(key))
                     .status,
                 200);
    }
    const int afterOneModel = servedByLines;
    QCOMPARE(c.request("POST", "/v1/messages", messageBody(QStringLiteral("claude-haiku-9")),
                       anthropicHeaders(key))
                 .status,
             200);
    qInstallMessageHandler(previousHandler);
    QCOMPARE(afterOneModel, 1);
    QCOMPARE(servedByLines, 2); // another mapping is news again
}

void TstAnthropicMessages::serverToolsDroppedNotRefused()
{
    GatewayFixture f;
    const auto [id, key] = f.createKey();
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("server tools left out .*web_search")));
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("ignored: tool_choice")));
    RawHttpClient c(f.port);
    const RawResponse r
        = c.request("POST", "/v1/messages", AnthropicParserCases::serverTools, anthropicHeaders(key));
    QCOMPARE(r.status, 200);
    QCOMPARE(f.provider.lastRequest().tools.size(), size_t(2));
}

QTEST_GUILESS_MAIN(TstAnthropicMessages)
#include "tst_anthropicmessages.moc"
