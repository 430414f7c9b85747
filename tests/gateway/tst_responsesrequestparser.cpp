// SPDX-License-Identifier: MIT
#include <functional>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "server/gateway/responsesrequestparser.h"

using namespace Drawbridge;

Q_DECLARE_METATYPE(Drawbridge::Role)

namespace {

ResponsesRequest ok(const std::variant<ResponsesRequest, ApiError> &parsed)
{
    if (const ApiError *e = std::get_if<ApiError>(&parsed))
        qFatal("unexpected error: %s (%s)", qPrintable(e->message), qPrintable(e->param));
    return std::get<ResponsesRequest>(parsed);
}

/** The echoed fields as a JSON object. */
QJsonObject echo(const ResponsesRequest &r)
{
    QByteArray members = r.echo;
    members.chop(1); // the trailing comma
    return QJsonDocument::fromJson('{' + members + '}').object();
}

} // namespace

class TstResponsesRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stringInput();
    void items();
    void functionCallsJoinTheAssistantTurn();
    void imagesAndOutputParts();
    void hostedToolsAndReasoningItemsAreLeftOut();
    void leftOutNotesAreBoundedAndPrintable();
    void toolChoice_data();
    void toolChoice();
    void reasoningEffort_data();
    void reasoningEffort();
    void echoedFields();
    void refused_data();
    void refused();
    void everyWrongTypeIsAClearError();
};

void TstResponsesRequestParser::stringInput()
{
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(
        R"({"model":"kiro","input":"Hello","instructions":"Be brief.","max_output_tokens":50,"stream":true,"store":true})"));
    QCOMPARE(r.request.requestedModel, QStringLiteral("kiro"));
    QCOMPARE(r.request.messages.size(), size_t(2));
    QCOMPARE(r.request.messages[0].role, Role::System);
    QCOMPARE(r.request.messages[0].text, QStringLiteral("Be brief."));
    QCOMPARE(r.request.messages[1].role, Role::User);
    QCOMPARE(r.request.messages[1].text, QStringLiteral("Hello"));
    QCOMPARE(r.request.maxTokens, std::optional<int>(50));
    QVERIFY(r.request.stream);
    QVERIFY(!r.request.thinking);
    QVERIFY(r.ignored.isEmpty());
}

void TstResponsesRequestParser::items()
{
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(R"({"model":"kiro","input":[
        {"role":"developer","content":"Rules."},
        {"type":"message","role":"system","content":[{"type":"input_text","text":"More rules."}]},
        {"type":"message","role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"c","annotations":[]}]},
        {"role":"user","content":"d"}]})"));
    QCOMPARE(r.request.messages.size(), size_t(5));
    QCOMPARE(r.request.messages[0].role, Role::System);
    QCOMPARE(r.request.messages[1].role, Role::System);
    QCOMPARE(r.request.messages[1].text, QStringLiteral("More rules."));
    QCOMPARE(r.request.messages[2].role, Role::User);
    QCOMPARE(r.request.messages[2].text, QStringLiteral("a\nb"));
    QCOMPARE(r.request.messages[3].role, Role::Assistant);
    QCOMPARE(r.request.messages[3].text, QStringLiteral("c"));
    QCOMPARE(r.request.messages[4].text, QStringLiteral("d"));
}

void TstResponsesRequestParser::functionCallsJoinTheAssistantTurn()
{
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(R"({"model":"kiro","input":[
        {"role":"user","content":"weather and time?"},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
        {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
        {"type":"function_call","call_id":"call_2","name":"get_time","arguments":{"tz":"CET"}},
        {"type":"function_call_output","call_id":"call_1","output":"18 C"},
        {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"12:00"}]},
        {"type":"function_call","call_id":"call_3","name":"get_time"}]})"));
    QCOMPARE(r.request.messages.size(), size_t(5));
    const ChatMessage &turn = r.request.messages[1];
    QCOMPARE(turn.role, Role::Assistant);
    QCOMPARE(turn.text, QStringLiteral("Checking."));
    QCOMPARE(turn.toolCalls.size(), size_t(2));
    QCOMPARE(turn.toolCalls[0].id, QStringLiteral("call_1"));
    QCOMPARE(turn.toolCalls[0].arguments, QStringLiteral("{\"city\":\"Paris\"}"));
    QCOMPARE(turn.toolCalls[1].arguments, QStringLiteral("{\"tz\":\"CET\"}"));
    QCOMPARE(r.request.messages[2].role, Role::Tool);
    QCOMPARE(r.request.messages[2].toolCallId, QStringLiteral("call_1"));
    QCOMPARE(r.request.messages[2].text, QStringLiteral("18 C"));
    QCOMPARE(r.request.messages[3].text, QStringLiteral("12:00"));
    // A call after tool results opens a new assistant turn.
    QCOMPARE(r.request.messages[4].role, Role::Assistant);
    QCOMPARE(r.request.messages[4].toolCalls.size(), size_t(1));
    QCOMPARE(r.request.messages[4].toolCalls[0].arguments, QStringLiteral("{}"));
}

void TstResponsesRequestParser::imagesAndOutputParts()
{
    const ResponsesRequest &r
        = ok(ResponsesRequestParser::parse(R"({"model":"kiro","input":[{"role":"user","content":[
        {"type":"input_text","text":"What is this?"},
        {"type":"input_image","image_url":"data:image/jpg;base64,aGVsbG8=","detail":"auto"}]}]})"));
    QCOMPARE(r.request.messages[0].images.size(), size_t(1));
    QCOMPARE(r.request.messages[0].images[0].mediaType, QStringLiteral("image/jpeg"));
    QCOMPARE(r.request.messages[0].images[0].base64Data, QByteArray("aGVsbG8="));
}

void TstResponsesRequestParser::hostedToolsAndReasoningItemsAreLeftOut()
{
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(R"({"model":"kiro",
        "input":[{"type":"reasoning","id":"rs_1","summary":[]},{"role":"user","content":"hi"}],
        "tools":[{"type":"web_search"},
                 {"type":"function","name":"shell","description":"Runs a command","strict":false,
                  "parameters":{"type":"object","properties":{"command":{"type":"array"}}}},
                 {"type":"custom","name":"apply_patch"}]})"));
    QCOMPARE(r.request.messages.size(), size_t(1));
    QCOMPARE(r.request.tools.size(), size_t(1));
    QCOMPARE(r.request.tools[0].name, QStringLiteral("shell"));
    QCOMPARE(r.request.tools[0].description, QStringLiteral("Runs a command"));
    QVERIFY(r.request.tools[0].parameters.contains(QLatin1String("properties")));
    QCOMPARE(r.ignored,
             QStringList({ QStringLiteral("reasoning input items"), QStringLiteral("web_search (tool)"),
                           QStringLiteral("apply_patch, custom (tool)") }));
}

void TstResponsesRequestParser::leftOutNotesAreBoundedAndPrintable()
{
    // They end up in one log line: a client must not be able to grow it without bound or inject line breaks.
    QByteArray tools = R"([{"type":"web_search","name":"evil\nline\u0007"})";
    for (int i = 0; i < 1000; ++i)
        tools += R"(,{"type":"file_search"})";
    tools += ']';
    const ResponsesRequest r
        = ok(ResponsesRequestParser::parse(R"({"model":"kiro","input":"x","tools":)" + tools + '}'));
    QCOMPARE(r.ignored.size(), 17);
    QCOMPARE(r.ignored.first(), QStringLiteral("evil?line?, web_search (tool)"));
    QCOMPARE(r.ignored.last(), QStringLiteral("…"));
    QVERIFY(r.request.tools.empty());
}

void TstResponsesRequestParser::toolChoice_data()
{
    QTest::addColumn<QByteArray>("choice");
    QTest::addColumn<int>("expected");
    QTest::addColumn<QString>("name");
    QTest::newRow("absent") << QByteArray() << int(ToolChoice::Auto) << QString();
    QTest::newRow("auto") << QByteArray(R"("auto")") << int(ToolChoice::Auto) << QString();
    QTest::newRow("none") << QByteArray(R"("none")") << int(ToolChoice::None) << QString();
    QTest::newRow("required") << QByteArray(R"("required")") << int(ToolChoice::Required) << QString();
    QTest::newRow("named") << QByteArray(R"({"type":"function","name":"f"})") << int(ToolChoice::Named)
                           << QStringLiteral("f");
}

void TstResponsesRequestParser::toolChoice()
{
    QFETCH(QByteArray, choice);
    QFETCH(int, expected);
    QFETCH(QString, name);
    QByteArray body = R"({"model":"kiro","input":"x","tools":[{"type":"function","name":"f"}])";
    if (!choice.isEmpty())
        body += ",\"tool_choice\":" + choice;
    body += '}';
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(body));
    QCOMPARE(int(r.request.toolChoice), expected);
    QCOMPARE(r.request.toolChoiceName, name);
}

void TstResponsesRequestParser::reasoningEffort_data()
{
    QTest::addColumn<QByteArray>("reasoning");
    QTest::addColumn<bool>("thinking");
    QTest::addColumn<int>("budget");
    QTest::newRow("absent") << QByteArray() << false << 0;
    QTest::newRow("null") << QByteArray("null") << false << 0;
    QTest::newRow("no-effort") << QByteArray(R"({"summary":"auto"})") << false << 0;
    QTest::newRow("none") << QByteArray(R"({"effort":"none"})") << false << 0;
    QTest::newRow("minimal") << QByteArray(R"({"effort":"minimal"})") << false << 0;
    QTest::newRow("low") << QByteArray(R"({"effort":"low"})") << true << 4000;
    QTest::newRow("medium") << QByteArray(R"({"effort":"medium","summary":"auto"})") << true << 10000;
    QTest::newRow("high") << QByteArray(R"({"effort":"high"})") << true << 24000;
    QTest::newRow("xhigh") << QByteArray(R"({"effort":"xhigh"})") << true << 32000;
}

void TstResponsesRequestParser::reasoningEffort()
{
    QFETCH(QByteArray, reasoning);
    QFETCH(bool, thinking);
    QFETCH(int, budget);
    QByteArray body = R"({"model":"kiro","input":"x")";
    if (!reasoning.isEmpty())
        body += ",\"reasoning\":" + reasoning;
    body += '}';
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(body));
    QCOMPARE(r.request.thinking, thinking);
    QCOMPARE(r.request.thinkingBudgetTokens, budget);
}

void TstResponsesRequestParser::echoedFields()
{
    const ResponsesRequest r = ok(ResponsesRequestParser::parse(
        R"({"model":"kiro","input":"x","instructions":"I","temperature":0.5,"metadata":{"k":"v"},
            "tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],"tool_choice":"required",
            "reasoning":{"effort":"low"},"parallel_tool_calls":false})"));
    const QJsonObject e = echo(r);
    QCOMPARE(e.value(QLatin1String("instructions")).toString(), QStringLiteral("I"));
    QCOMPARE(e.value(QLatin1String("temperature")).toDouble(), 0.5);
    QCOMPARE(e.value(QLatin1String("top_p")).toDouble(), 1.0);
    QCOMPARE(e.value(QLatin1String("metadata")).toObject().value(QLatin1String("k")).toString(),
             QStringLiteral("v"));
    QCOMPARE(e.value(QLatin1String("tool_choice")).toString(), QStringLiteral("required"));
    QCOMPARE(e.value(QLatin1String("parallel_tool_calls")).toBool(true), false);
    QVERIFY(e.value(QLatin1String("max_output_tokens")).isNull());
    QCOMPARE(e.value(QLatin1String("reasoning")).toObject().value(QLatin1String("effort")).toString(),
             QStringLiteral("low"));
    const QJsonObject tool = e.value(QLatin1String("tools")).toArray().first().toObject();
    QCOMPARE(tool.value(QLatin1String("name")).toString(), QStringLiteral("f"));
    QCOMPARE(tool.value(QLatin1String("type")).toString(), QStringLiteral("function"));
    QCOMPARE(e.value(QLatin1String("truncation")).toString(), QStringLiteral("disabled"));
}

void TstResponsesRequestParser::refused_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("param");
    const int invalid = int(ApiErrorKind::InvalidRequest);
    const int unsupported = int(ApiErrorKind::UnsupportedParameter);
    QTest::newRow("not-json") << QByteArray("{") << int(ApiErrorKind::InvalidJson) << QString();
    QTest::newRow("array-body") << QByteArray("[]") << int(ApiErrorKind::InvalidJson) << QString();
    QTest::newRow("previous_response_id")
        << QByteArray(R"({"model":"kiro","input":"x","previous_response_id":"resp_1"})") << unsupported
        << QStringLiteral("previous_response_id");
    QTest::newRow("conversation") << QByteArray(R"({"model":"kiro","input":"x","conversation":"conv_1"})")
                                  << unsupported << QStringLiteral("conversation");
    QTest::newRow("background") << QByteArray(R"({"model":"kiro","input":"x","background":true})")
                                << unsupported << QStringLiteral("background");
    QTest::newRow("prompt") << QByteArray(R"({"model":"kiro","input":"x","prompt":{"id":"p"}})")
                            << unsupported << QStringLiteral("prompt");
    QTest::newRow("item_reference") << QByteArray(
        R"({"model":"kiro","input":[{"type":"item_reference","id":"i"}]})")
                                    << unsupported << QStringLiteral("input[0].type");
    QTest::newRow("no-model") << QByteArray(R"({"input":"x"})") << invalid << QStringLiteral("model");
    QTest::newRow("model-type") << QByteArray(R"({"model":5,"input":"x"})") << invalid
                                << QStringLiteral("model");
    QTest::newRow("model-control") << QByteArray("{\"model\":\"a\\u0001b\",\"input\":\"x\"}") << invalid
                                   << QStringLiteral("model");
    QTest::newRow("model-too-long") << QByteArray(R"({"model":")" + QByteArray(300, 'm')
                                                  + R"(","input":"x"})")
                                    << invalid << QStringLiteral("model");
    QTest::newRow("no-input") << QByteArray(R"({"model":"kiro"})") << invalid << QStringLiteral("input");
    QTest::newRow("empty-input") << QByteArray(R"({"model":"kiro","input":[]})") << invalid
                                 << QStringLiteral("input");
    QTest::newRow("input-number") << QByteArray(R"({"model":"kiro","input":5})") << invalid
                                  << QStringLiteral("input");
    QTest::newRow("item-type") << QByteArray(
        R"({"model":"kiro","input":[{"type":"file_search_call","id":"x"}]})")
                               << invalid << QStringLiteral("input[0].type");
    QTest::newRow("role") << QByteArray(R"({"model":"kiro","input":[{"role":"tool","content":"x"}]})")
                          << invalid << QStringLiteral("input[0].role");
    QTest::newRow("no-content") << QByteArray(R"({"model":"kiro","input":[{"role":"user"}]})") << invalid
                                << QStringLiteral("input[0].content");
    QTest::newRow("part-type") << QByteArray(
        R"({"model":"kiro","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})")
                               << invalid << QStringLiteral("input[0].content[0].type");
    QTest::newRow("image-url") << QByteArray(
        R"({"model":"kiro","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]})")
                               << invalid << QStringLiteral("input[0].content[0].image_url");
    QTest::newRow("image-file") << QByteArray(
        R"({"model":"kiro","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]})")
                                << invalid << QStringLiteral("input[0].content[0].image_url");
    QTest::newRow("system-image") << QByteArray(
        R"({"model":"kiro","input":[{"role":"system","content":[{"type":"input_image","image_url":"data:image/png;base64,aGk="}]}]})")
                                  << invalid << QStringLiteral("input[0].content[0].type");
    QTest::newRow("call-no-id") << QByteArray(
        R"({"model":"kiro","input":[{"type":"function_call","name":"f"}]})")
                                << invalid << QStringLiteral("input[0].call_id");
    QTest::newRow("call-args-type") << QByteArray(
        R"({"model":"kiro","input":[{"type":"function_call","call_id":"c","name":"f","arguments":3}]})")
                                    << invalid << QStringLiteral("input[0].arguments");
    QTest::newRow("output-no-id") << QByteArray(
        R"({"model":"kiro","input":[{"type":"function_call_output","output":"x"}]})")
                                  << invalid << QStringLiteral("input[0].call_id");
    QTest::newRow("output-missing") << QByteArray(
        R"({"model":"kiro","input":[{"type":"function_call_output","call_id":"c"}]})")
                                    << invalid << QStringLiteral("input[0].output");
    QTest::newRow("tool-name") << QByteArray(
        R"({"model":"kiro","input":"x","tools":[{"type":"function","name":"a b"}]})")
                               << invalid << QStringLiteral("tools[0].name");
    QTest::newRow("tool-no-type") << QByteArray(R"({"model":"kiro","input":"x","tools":[{"name":"f"}]})")
                                  << invalid << QStringLiteral("tools[0].type");
    QTest::newRow("tool-params") << QByteArray(
        R"({"model":"kiro","input":"x","tools":[{"type":"function","name":"f","parameters":{"type":"string"}}]})")
                                 << invalid << QStringLiteral("tools[0].parameters.type");
    QTest::newRow("tools-type") << QByteArray(R"({"model":"kiro","input":"x","tools":{}})") << invalid
                                << QStringLiteral("tools");
    QTest::newRow("tool_choice-value") << QByteArray(R"({"model":"kiro","input":"x","tool_choice":"any"})")
                                       << invalid << QStringLiteral("tool_choice");
    QTest::newRow("tool_choice-unknown")
        << QByteArray(R"({"model":"kiro","input":"x","tool_choice":{"type":"function","name":"g"}})")
        << invalid << QStringLiteral("tool_choice.name");
    QTest::newRow("tool_choice-hosted")
        << QByteArray(R"({"model":"kiro","input":"x","tool_choice":{"type":"web_search"}})") << invalid
        << QStringLiteral("tool_choice.type");
    QTest::newRow("effort") << QByteArray(R"({"model":"kiro","input":"x","reasoning":{"effort":"max"}})")
                            << invalid << QStringLiteral("reasoning.effort");
    QTest::newRow("reasoning-type") << QByteArray(R"({"model":"kiro","input":"x","reasoning":"high"})")
                                    << invalid << QStringLiteral("reasoning");
    QTest::newRow("max_output_tokens-0")
        << QByteArray(R"({"model":"kiro","input":"x","max_output_tokens":0})") << invalid
        << QStringLiteral("max_output_tokens");
    QTest::newRow("max_output_tokens-frac")
        << QByteArray(R"({"model":"kiro","input":"x","max_output_tokens":1.5})") << invalid
        << QStringLiteral("max_output_tokens");
    QTest::newRow("temperature") << QByteArray(R"({"model":"kiro","input":"x","temperature":3})") << invalid
                                 << QStringLiteral("temperature");
    QTest::newRow("stream-type") << QByteArray(R"({"model":"kiro","input":"x","stream":"yes"})") << invalid
                                 << QStringLiteral("stream");
    QTest::newRow("instructions-type") << QByteArray(R"({"model":"kiro","input":"x","instructions":["a"]})")
                                       << invalid << QStringLiteral("instructions");
}

void TstResponsesRequestParser::refused()
{
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(QString, param);
    const auto parsed = ResponsesRequestParser::parse(body);
    const ApiError *e = std::get_if<ApiError>(&parsed);
    QVERIFY2(e, "accepted");
    QCOMPARE(int(e->kind), kind);
    QCOMPARE(e->param, param);
    QVERIFY(!e->message.isEmpty());
}

namespace {

/** Calls @p visit with a copy of @p root in which the value at each path in turn is replaced by @p
 * replacement. */
void eachReplacement(const QJsonValue &root, const QJsonValue &replacement,
                     const std::function<void(const QJsonValue &)> &visit)
{
    visit(replacement);
    if (root.isObject()) {
        const QJsonObject o = root.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            eachReplacement(it.value(), replacement, [&](const QJsonValue &changed) {
                QJsonObject copy = o;
                copy.insert(it.key(), changed);
                visit(copy);
            });
        }
    } else if (root.isArray()) {
        const QJsonArray a = root.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            eachReplacement(a[i], replacement, [&](const QJsonValue &changed) {
                QJsonArray copy = a;
                copy.replace(i, changed);
                visit(copy);
            });
        }
    }
}

} // namespace

void TstResponsesRequestParser::everyWrongTypeIsAClearError()
{
    // A body that uses every item kind; each value in turn becomes null, a number, a string, an array, an
    // object or a boolean. Never a crash; a refusal always says why and names the field (or the body).
    const QByteArray body = R"({"model":"kiro","instructions":"I","input":[{"role":"developer","content":"d"},
        {"type":"message","role":"user","content":[{"type":"input_text","text":"a"},
          {"type":"input_image","image_url":"data:image/png;base64,aGk="}]},
        {"type":"reasoning","id":"rs_1","summary":[]},
        {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
        {"type":"function_call_output","call_id":"c1","output":[{"type":"input_text","text":"r"}]}],
        "tools":[{"type":"function","name":"f","parameters":{"type":"object"}},{"type":"web_search"}],
        "tool_choice":{"type":"function","name":"f"},"reasoning":{"effort":"high"},"max_output_tokens":9,
        "temperature":0.2,"top_p":0.5,"stream":true,"store":false,"metadata":{"k":"v"}})";
    const QJsonObject root = QJsonDocument::fromJson(body).object();
    QVERIFY(!root.isEmpty());
    QVERIFY(std::holds_alternative<ResponsesRequest>(ResponsesRequestParser::parse(body)));
    int refused = 0;
    int variants = 0;
    const QJsonValue replacements[] = { QJsonValue(QJsonValue::Null),    QJsonValue(7),
                                        QJsonValue(QStringLiteral("s")), QJsonValue(QJsonArray {}),
                                        QJsonValue(QJsonObject {}),      QJsonValue(true) };
    for (const QJsonValue &replacement : replacements) {
        eachReplacement(root, replacement, [&](const QJsonValue &changed) {
            ++variants;
            const QByteArray mutated = changed.isObject()
                ? QJsonDocument(changed.toObject()).toJson(QJsonDocument::Compact)
                : QJsonDocument(QJsonArray { changed }).toJson(QJsonDocument::Compact);
            const auto parsed = ResponsesRequestParser::parse(mutated);
            if (const ApiError *e = std::get_if<ApiError>(&parsed)) {
                ++refused;
                QVERIFY2(!e->message.isEmpty(), mutated.constData());
                QVERIFY2(!e->param.isEmpty() || e->kind == ApiErrorKind::InvalidJson, mutated.constData());
            }
        });
    }
    QVERIFY(variants > 300);
    QVERIFY(refused > variants / 2);
}

QTEST_GUILESS_MAIN(TstResponsesRequestParser)
#include "tst_responsesrequestparser.moc"
