// SPDX-License-Identifier: MIT
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUuid>

#include <functional>

#include "server/kiro/kirorequestbuilder.h"
#include "server/kiro/kirotokenestimator.h"
#include "server/kiro/kirotoolsanitizer.h"
#include "tests/fakekiro/kirorequestvalidator.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

namespace {

ChatMessage sys(const QString &text)
{
    return { Role::System, text, {}, {}, {}, false };
}

ChatMessage user(const QString &text, std::vector<ImagePart> images = {})
{
    return { Role::User, text, std::move(images), {}, {}, false };
}

ChatMessage assistant(const QString &text, std::vector<ToolCall> calls = {})
{
    return { Role::Assistant, text, {}, std::move(calls), {}, false };
}

ChatMessage tool(const QString &id, const QString &text, bool error = false)
{
    return { Role::Tool, text, {}, {}, id, error };
}

ToolCall call(const QString &id, const QString &name = u"get_weather"_s,
              const QString &args = u"{\"city\":\"Paris\"}"_s)
{
    return { id, name, args };
}

QJsonObject weatherSchema()
{
    return QJsonDocument::fromJson(
               R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")
        .object();
}

ToolDefinition toolDef(const QString &name = u"get_weather"_s, const QJsonObject &params = weatherSchema())
{
    return { name, u"Get current weather for a city"_s, params };
}

ChatRequest request(std::vector<ChatMessage> messages, std::vector<ToolDefinition> tools = {})
{
    ChatRequest r;
    r.requestedModel = u"kiro"_s;
    r.upstreamModel = u"claude-sonnet-4.5"_s;
    r.messages = std::move(messages);
    r.tools = std::move(tools);
    return r;
}

struct Built
{
    QJsonObject root;
    QJsonObject state;
    QJsonArray history;
    QJsonObject current;

    QString roles() const
    {
        QString out;
        for (const auto &item : history)
            out += item.toObject().contains(u"userInputMessage"_s) ? u'U' : u'A';
        return out + u'U';
    }
    QJsonObject historyMessage(int i) const
    {
        const QJsonObject item = history.at(i).toObject();
        return item.contains(u"userInputMessage"_s) ? item.value(u"userInputMessage"_s).toObject()
                                                    : item.value(u"assistantResponseMessage"_s).toObject();
    }
    QJsonArray currentResults() const
    {
        return current.value(u"userInputMessageContext"_s).toObject().value(u"toolResults"_s).toArray();
    }
    QJsonArray currentTools() const
    {
        return current.value(u"userInputMessageContext"_s).toObject().value(u"tools"_s).toArray();
    }
    int historyToolUses() const
    {
        int n = 0;
        for (int i = 0; i < history.size(); ++i)
            n += int(historyMessage(i).value(u"toolUses"_s).toArray().size());
        return n;
    }
};

Built parse(const QByteArray &body)
{
    Built b;
    b.root = QJsonDocument::fromJson(body).object();
    b.state = b.root.value(u"conversationState"_s).toObject();
    b.history = b.state.value(u"history"_s).toArray();
    b.current = b.state.value(u"currentMessage"_s).toObject().value(u"userInputMessage"_s).toObject();
    return b;
}

struct Case
{
    const char *name;
    ChatRequest request;
    QString roles; ///< expected U/A sequence, history + current
    std::function<void(const Built &)> check; ///< extra expectations (QCOMPARE/QVERIFY inside)
};

// Every normalisation step of protocol §2.5, each as a client would send it.
std::vector<Case> cases()
{
    const QString placeholder = KiroRequestBuilder::emptyPlaceholder();
    std::vector<Case> c;
    c.push_back({ "plain-user", request({ user(u"Hello"_s) }), u"U"_s, [](const Built &b) {
                     QCOMPARE(b.current.value(u"content"_s).toString(), u"Hello"_s);
                     QCOMPARE(b.current.value(u"modelId"_s).toString(), u"claude-sonnet-4.5"_s);
                     QCOMPARE(b.current.value(u"origin"_s).toString(), u"AI_EDITOR"_s);
                     QVERIFY(!b.state.contains(u"history"_s));
                     QVERIFY(!b.current.contains(u"userInputMessageContext"_s));
                 } });
    c.push_back({ "system-only", request({ sys(u"Be brief."_s) }), u"U"_s, [](const Built &b) {
                     QCOMPARE(b.current.value(u"content"_s).toString(), u"Be brief."_s);
                 } });
    c.push_back(
        { "system-prepended-to-current", request({ sys(u"Be brief."_s), user(u"Hi"_s) }), u"U"_s,
          [](const Built &b) { QCOMPARE(b.current.value(u"content"_s).toString(), u"Be brief.\n\nHi"_s); } });
    c.push_back({ "system-prepended-to-first-history-user",
                  request({ sys(u"S1"_s), user(u"u1"_s), assistant(u"a1"_s), sys(u"S2"_s), user(u"u2"_s) }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.historyMessage(0).value(u"content"_s).toString(), u"S1\n\nS2\n\nu1"_s);
                      QCOMPARE(b.current.value(u"content"_s).toString(), u"u2"_s);
                      QCOMPARE(b.historyMessage(0).value(u"modelId"_s).toString(), u"claude-sonnet-4.5"_s);
                      QVERIFY(!b.historyMessage(1).contains(u"modelId"_s));
                  } });
    c.push_back({ "leading-assistant", request({ assistant(u"I start"_s), user(u"ok"_s) }), u"UAU"_s,
                  [placeholder](const Built &b) {
                      QCOMPARE(b.historyMessage(0).value(u"content"_s).toString(), placeholder);
                  } });
    c.push_back({ "consecutive-users-merged", request({ user(u"a"_s), user(u"b"_s) }), u"U"_s,
                  [](const Built &b) { QCOMPARE(b.current.value(u"content"_s).toString(), u"a\n\nb"_s); } });
    c.push_back({ "consecutive-assistants-merged",
                  request({ user(u"q"_s), assistant(u"part 1"_s), assistant(u"part 2"_s), user(u"go on"_s) }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.historyMessage(1).value(u"content"_s).toString(), u"part 1\n\npart 2"_s);
                  } });
    c.push_back({ "prefill", request({ user(u"Write a poem"_s), assistant(u"Roses are"_s) }), u"UAU"_s,
                  [](const Built &b) {
                      QCOMPARE(b.historyMessage(1).value(u"content"_s).toString(), u"Roses are"_s);
                      QCOMPARE(b.current.value(u"content"_s).toString(),
                               KiroRequestBuilder::prefillContinuation());
                  } });
    c.push_back({ "empty-contents-get-placeholders",
                  request({ user(QString()), assistant(u"  "_s), user(u"\n"_s) }), u"UAU"_s,
                  [placeholder](const Built &b) {
                      QCOMPARE(b.historyMessage(0).value(u"content"_s).toString(), placeholder);
                      QCOMPARE(b.historyMessage(1).value(u"content"_s).toString(), placeholder);
                      QCOMPARE(b.current.value(u"content"_s).toString(), placeholder);
                  } });
    c.push_back({ "tool-round-trip",
                  request({ sys(u"You are a helpful assistant."_s), user(u"What's the weather in Paris?"_s),
                            assistant(QString(), { call(u"tooluse_abc123"_s) }),
                            tool(u"tooluse_abc123"_s, u"18°C, cloudy"_s) },
                          { toolDef() }),
                  u"UAU"_s, [placeholder](const Built &b) {
                      const QJsonObject a = b.historyMessage(1);
                      QCOMPARE(a.value(u"content"_s).toString(), placeholder);
                      const QJsonObject use = a.value(u"toolUses"_s).toArray().at(0).toObject();
                      QCOMPARE(use.value(u"toolUseId"_s).toString(), u"tooluse_abc123"_s);
                      QCOMPARE(use.value(u"input"_s).toObject().value(u"city"_s).toString(), u"Paris"_s);
                      const QJsonObject result = b.currentResults().at(0).toObject();
                      QCOMPARE(result.value(u"status"_s).toString(), u"success"_s);
                      QCOMPARE(
                          result.value(u"content"_s).toArray().at(0).toObject().value(u"text"_s).toString(),
                          u"18°C, cloudy"_s);
                      QCOMPARE(b.currentTools().size(), 1);
                      QCOMPARE(b.current.value(u"content"_s).toString(), placeholder);
                  } });
    c.push_back(
        { "parallel-tool-results-grouped",
          request({ user(u"weather in Paris and Rome"_s),
                    assistant(u"Checking."_s,
                              { call(u"c1"_s), call(u"c2"_s, u"get_weather"_s, u"{\"city\":\"Rome\"}"_s) }),
                    tool(u"c1"_s, u"sunny"_s), tool(u"c2"_s, QString(), true) },
                  { toolDef() }),
          u"UAU"_s, [](const Built &b) {
              QCOMPARE(b.currentResults().size(), 2);
              const QJsonObject second = b.currentResults().at(1).toObject();
              QCOMPARE(second.value(u"status"_s).toString(), u"error"_s);
              QCOMPARE(second.value(u"content"_s).toArray().at(0).toObject().value(u"text"_s).toString(),
                       u"(empty result)"_s);
          } });
    c.push_back({ "tool-results-then-user-text",
                  request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s) }), tool(u"c1"_s, u"r"_s),
                            user(u"thanks"_s) },
                          { toolDef() }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.current.value(u"content"_s).toString(), u"thanks"_s);
                      QCOMPARE(b.currentResults().size(), 1);
                  } });
    c.push_back(
        { "orphan-tool-result-becomes-text",
          request({ user(u"q"_s), tool(u"ghost"_s, u"boo"_s) }, { toolDef() }), u"U"_s, [](const Built &b) {
              QVERIFY(b.currentResults().isEmpty());
              QVERIFY(b.current.value(u"content"_s).toString().contains(u"[Tool result for ghost]\nboo"_s));
          } });
    c.push_back({ "orphan-tool-use-removed",
                  request({ user(u"q"_s), assistant(u"calling"_s, { call(u"c1"_s) }), user(u"never mind"_s) },
                          { toolDef() }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.historyToolUses(), 0);
                      QVERIFY(!b.historyMessage(1).contains(u"toolUses"_s));
                  } });
    c.push_back({ "partially-answered-tool-uses",
                  request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s), call(u"c2"_s) }),
                            tool(u"c1"_s, u"r1"_s) },
                          { toolDef() }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.historyToolUses(), 1);
                      QCOMPARE(b.currentResults().size(), 1);
                  } });
    c.push_back({ "duplicate-tool-result-dropped",
                  request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s) }), tool(u"c1"_s, u"first"_s),
                            tool(u"c1"_s, u"second"_s) },
                          { toolDef() }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.currentResults().size(), 1);
                      QCOMPARE(b.currentResults()
                                   .at(0)
                                   .toObject()
                                   .value(u"content"_s)
                                   .toArray()
                                   .at(0)
                                   .toObject()
                                   .value(u"text"_s)
                                   .toString(),
                               u"first"_s);
                  } });
    c.push_back({ "duplicate-tool-use-id-in-one-turn",
                  request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s), call(u"c1"_s) }),
                            tool(u"c1"_s, u"r"_s) },
                          { toolDef() }),
                  u"UAU"_s, [](const Built &b) { QCOMPARE(b.historyToolUses(), 1); } });
    c.push_back({ "no-tools-declared-history-tools-become-text",
                  request({ user(u"q"_s), assistant(u"let me see"_s, { call(u"c1"_s) }),
                            tool(u"c1"_s, u"sunny"_s), user(u"and tomorrow?"_s) }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.historyToolUses(), 0);
                      QVERIFY(b.currentResults().isEmpty());
                      QVERIFY(b.currentTools().isEmpty());
                      QVERIFY(b.historyMessage(1)
                                  .value(u"content"_s)
                                  .toString()
                                  .contains(u"[Tool call get_weather (id c1)"_s));
                      QVERIFY(b.current.value(u"content"_s)
                                  .toString()
                                  .startsWith(u"[Tool result for c1]\nsunny\n\nand tomorrow?"_s));
                  } });
    {
        ChatRequest none = request(
            { user(u"q"_s), assistant(QString(), { call(u"c1"_s) }), tool(u"c1"_s, u"r"_s) }, { toolDef() });
        none.toolChoice = ToolChoice::None;
        c.push_back({ "tool-choice-none-sends-no-tools", none, u"UAU"_s, [](const Built &b) {
                         QVERIFY(b.currentTools().isEmpty());
                         QCOMPARE(b.historyToolUses(), 0);
                     } });
    }
    c.push_back(
        { "tools-only-on-current-message",
          request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s) }), tool(u"c1"_s, u"r"_s),
                    assistant(u"It is sunny."_s), user(u"thanks"_s) },
                  { toolDef() }),
          u"UAUAU"_s, [](const Built &b) {
              QCOMPARE(b.currentTools().size(), 1);
              QVERIFY(b.historyMessage(2)
                          .value(u"userInputMessageContext"_s)
                          .toObject()
                          .contains(u"toolResults"_s));
              QVERIFY(
                  !b.historyMessage(2).value(u"userInputMessageContext"_s).toObject().contains(u"tools"_s));
          } });
    c.push_back(
        { "tool-used-in-history-but-not-declared",
          request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s, u"old_tool"_s, u"{}"_s) }),
                    tool(u"c1"_s, u"r"_s) },
                  { toolDef() }),
          u"UAU"_s, [](const Built &b) {
              QStringList names;
              for (const auto &t : b.currentTools())
                  names << t.toObject().value(u"toolSpecification"_s).toObject().value(u"name"_s).toString();
              QCOMPARE(names, QStringList({ u"get_weather"_s, u"old_tool"_s }));
          } });
    c.push_back({ "prefill-with-tool-calls-drops-them",
                  request({ user(u"q"_s), assistant(u"Calling"_s, { call(u"c1"_s) }) }, { toolDef() }),
                  u"UAU"_s, [](const Built &b) {
                      QCOMPARE(b.historyToolUses(), 0);
                      QCOMPARE(b.current.value(u"content"_s).toString(),
                               KiroRequestBuilder::prefillContinuation());
                  } });
    c.push_back({ "first-message-tool-result",
                  request({ tool(u"c0"_s, u"stale"_s), user(u"hello"_s) }, { toolDef() }), u"U"_s,
                  [](const Built &b) { QVERIFY(b.currentResults().isEmpty()); } });
    c.push_back(
        { "unparsable-arguments-become-empty-object",
          request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s, u"get_weather"_s, u"{not json"_s) }),
                    tool(u"c1"_s, u"r"_s) },
                  { toolDef() }),
          u"UAU"_s, [](const Built &b) {
              const QJsonObject use = b.historyMessage(1).value(u"toolUses"_s).toArray().at(0).toObject();
              QCOMPARE(use.value(u"input"_s).toObject(), QJsonObject());
          } });
    c.push_back(
        { "empty-string-argument-key-dropped",
          request({ user(u"q"_s),
                    assistant(QString(), { call(u"c1"_s, u"get_weather"_s, u"{\"\":1,\"city\":\"x\"}"_s) }),
                    tool(u"c1"_s, u"r"_s) },
                  { toolDef() }),
          u"UAU"_s, [](const Built &b) {
              const QJsonObject input = b.historyMessage(1)
                                            .value(u"toolUses"_s)
                                            .toArray()
                                            .at(0)
                                            .toObject()
                                            .value(u"input"_s)
                                            .toObject();
              QCOMPARE(input.keys(), QStringList({ u"city"_s }));
          } });
    c.push_back({ "duplicate-tool-definitions", request({ user(u"q"_s) }, { toolDef(), toolDef() }), u"U"_s,
                  [](const Built &b) { QCOMPARE(b.currentTools().size(), 1); } });
    c.push_back(
        { "tool-without-parameters", request({ user(u"q"_s) }, { toolDef(u"get_time"_s, QJsonObject()) }),
          u"U"_s, [](const Built &b) {
              const QJsonObject spec
                  = b.currentTools().at(0).toObject().value(u"toolSpecification"_s).toObject();
              QCOMPARE(spec.value(u"inputSchema"_s).toObject().value(u"json"_s).toObject(),
                       QJsonObject({ { u"type"_s, u"object"_s }, { u"properties"_s, QJsonObject() } }));
          } });
    {
        ToolDefinition noDescription = toolDef(u"undocumented"_s);
        noDescription.description.clear();
        ToolDefinition longDescription = toolDef(u"verbose"_s);
        longDescription.description = QString(20'000, u'd');
        c.push_back(
            { "tool-descriptions-fixed", request({ user(u"q"_s) }, { noDescription, longDescription }),
              u"U"_s, [](const Built &b) {
                  const auto spec = [&](int i) {
                      return b.currentTools().at(i).toObject().value(u"toolSpecification"_s).toObject();
                  };
                  QVERIFY(!spec(0).value(u"description"_s).toString().isEmpty());
                  QCOMPARE(spec(1).value(u"description"_s).toString().size(), 10'000);
              } });
    }
    {
        // Adjacent one-line raw strings: moc 6.4 loses the test class on multi-line raw strings containing
        // '#'.
        const QJsonObject messy
            = QJsonDocument::fromJson(
                  R"({"$schema":"http://json-schema.org/draft-07/schema#","$id":"x","type":"object",)"
                  R"("additionalProperties":false,"required":[],"properties":{)"
                  R"("where":{"$ref":"#/$defs/Place","description":"target"},)"
                  R"("when":{"type":["string","null"],"default":null},)"
                  R"("tags":{"type":"array","items":{"type":"string","additionalProperties":false}},)"
                  R"("nothing":null},)"
                  R"("$defs":{"Place":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}})")
                  .object();
        c.push_back({ "schema-hygiene", request({ user(u"q"_s) }, { toolDef(u"plan"_s, messy) }), u"U"_s,
                      [](const Built &b) {
                          const QJsonObject json = b.currentTools()
                                                       .at(0)
                                                       .toObject()
                                                       .value(u"toolSpecification"_s)
                                                       .toObject()
                                                       .value(u"inputSchema"_s)
                                                       .toObject()
                                                       .value(u"json"_s)
                                                       .toObject();
                          QVERIFY(!json.contains(u"$schema"_s));
                          QVERIFY(!json.contains(u"$defs"_s));
                          QVERIFY(!json.contains(u"required"_s));
                          QVERIFY(!json.contains(u"additionalProperties"_s));
                          const QJsonObject props = json.value(u"properties"_s).toObject();
                          QVERIFY(!props.contains(u"nothing"_s));
                          const QJsonObject where = props.value(u"where"_s).toObject();
                          QCOMPARE(where.value(u"description"_s).toString(), u"target"_s);
                          QCOMPARE(where.value(u"required"_s).toArray(), QJsonArray({ u"city"_s }));
                          QCOMPARE(props.value(u"when"_s).toObject().value(u"type"_s).toString(),
                                   u"string"_s);
                          QVERIFY(!props.value(u"when"_s).toObject().contains(u"default"_s));
                      } });
    }
    {
        const QJsonObject cyclic
            = QJsonDocument::fromJson(
                  R"({"type":"object","properties":{"node":{"$ref":"#/definitions/Node"}},)"
                  R"("definitions":{"Node":{"type":"object","properties":{"next":{"$ref":"#/definitions/Node"}}}}})")
                  .object();
        c.push_back({ "schema-cyclic-ref-terminates",
                      request({ user(u"q"_s) }, { toolDef(u"tree"_s, cyclic) }), u"U"_s,
                      [](const Built &b) { QCOMPARE(b.currentTools().size(), 1); } });
    }
    return c;
}

} // namespace

class TstKiroRequestBuilder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalization_data();
    void normalization();
    void envelope();
    void longToolNamesRoundTrip();
    void toolSpecificationsMemoised();
    void toolChoiceNudges();
    void images_data();
    void images();
    void unsupportedImage();
    void oversizeIsContextTooLong();
    void thinkingEmulation();
    void nativeReasoning_data();
    void nativeReasoning();
    void promptTokenEstimate();
    void promptTokenEstimateToolOverhead_data();
    void promptTokenEstimateToolOverhead();
    void noMessages();
};

void TstKiroRequestBuilder::normalization_data()
{
    QTest::addColumn<int>("index");
    const auto all = cases();
    for (size_t i = 0; i < all.size(); ++i)
        QTest::newRow(all[i].name) << int(i);
}

void TstKiroRequestBuilder::normalization()
{
    QFETCH(int, index);
    const Case testCase = cases()[size_t(index)];
    auto built = KiroRequestBuilder::build(testCase.request);
    QVERIFY2(built.ok(), built.ok() ? "" : qPrintable(built.error()));
    // The fake upstream's validator encodes Kiro's rules; passing it is the point of normalisation.
    const Status valid = KiroRequestValidator::validate(built->body);
    QVERIFY2(valid.ok(),
             valid.ok() ? "" : qPrintable(valid.error() + u"\n"_s + QString::fromUtf8(built->body)));
    const Built b = parse(built->body);
    QCOMPARE(b.roles(), testCase.roles);
    testCase.check(b);
}

void TstKiroRequestBuilder::envelope()
{
    KiroRequestOptions options;
    options.profileArn = u"arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"_s;
    options.conversationId = u"c0ffee00-0000-4000-8000-00000000abcd"_s;
    auto built = KiroRequestBuilder::build(request({ user(u"Hi"_s) }), options);
    QVERIFY(built.ok());
    const Built b = parse(built->body);
    QCOMPARE(b.root.value(u"profileArn"_s).toString(), options.profileArn);
    QCOMPARE(b.state.value(u"conversationId"_s).toString(), options.conversationId);
    QCOMPARE(built->conversationId, options.conversationId);
    QCOMPARE(b.state.value(u"chatTriggerType"_s).toString(), u"MANUAL"_s);
    QCOMPARE(b.state.value(u"agentTaskType"_s).toString(), u"vibe"_s);
    QVERIFY(!QUuid::fromString(b.state.value(u"agentContinuationId"_s).toString()).isNull());
    QCOMPARE(built->modelId, u"claude-sonnet-4.5"_s);
    QVERIFY(!b.root.contains(u"inferenceConfig"_s));

    auto fresh = KiroRequestBuilder::build(request({ user(u"Hi"_s) }));
    QVERIFY(fresh.ok());
    QVERIFY(!QUuid::fromString(fresh->conversationId).isNull());
    QVERIFY(!parse(fresh->body).root.contains(u"profileArn"_s));
}

void TstKiroRequestBuilder::longToolNamesRoundTrip()
{
    const QString longName
        = u"mcp__github_enterprise_server__"_s + QString(60, u'a') + u"_create_pull_request"_s;
    const QString otherLong
        = u"mcp__github_enterprise_server__"_s + QString(60, u'a') + u"_list_pull_requests"_s;
    auto built = KiroRequestBuilder::build(request(
        { user(u"q"_s), assistant(QString(), { call(u"c1"_s, longName, u"{}"_s) }), tool(u"c1"_s, u"r"_s) },
        { toolDef(longName), toolDef(otherLong), toolDef(u"short_name"_s) }));
    QVERIFY(built.ok());
    QVERIFY(KiroRequestValidator::validate(built->body).ok());
    const Built b = parse(built->body);
    QStringList names;
    for (const auto &t : b.currentTools())
        names << t.toObject().value(u"toolSpecification"_s).toObject().value(u"name"_s).toString();
    QCOMPARE(names.size(), 3);
    QCOMPARE(names[2], u"short_name"_s);
    QVERIFY(names[0] != names[1]); // same long prefix, still distinct
    for (const QString &n : names)
        QVERIFY(n.size() <= KiroToolSanitizer::maxNameLength);
    QCOMPARE(built->toolNameReverseMap.size(), 2);
    QCOMPARE(built->toolNameReverseMap.value(names[0]), longName);
    QCOMPARE(built->toolNameReverseMap.value(names[1]), otherLong);
    // History uses the same short name as the declaration, and the shortening is stable across requests.
    QCOMPARE(b.historyMessage(1).value(u"toolUses"_s).toArray().at(0).toObject().value(u"name"_s).toString(),
             names[0]);
    QCOMPARE(KiroToolSanitizer::shortenName(longName), names[0]);
    QCOMPARE(KiroToolSanitizer::shortenName(u"short_name"_s), u"short_name"_s);
    QCOMPARE(KiroToolSanitizer::shortenName(QString(64, u'x')), QString(64, u'x'));
}

void TstKiroRequestBuilder::toolSpecificationsMemoised()
{
    // The parsers hand an agent's resent tools over as the same strings (their tools memo); the builder then
    // takes the specifications from its own memo (ToolSpecsMemo). What that gives must be what writing them
    // gives: the body, the token estimate and the shortened names' map, for the same buffers, for equal text
    // in buffers of its own, and for a changed description.
    const QString longName = u"mcp__memo_server__"_s + QString(70, u'b') + u"_tool"_s;
    std::vector<ToolDefinition> tools { toolDef(longName), toolDef(u"short_name"_s),
                                        toolDef(u"short_name"_s) };
    for (ToolDefinition &t : tools) {
        t.parametersJson = QJsonDocument(t.parameters).toJson(QJsonDocument::Compact);
        t.descriptionUtf8 = t.description.toUtf8();
        t.description.clear();
    }
    KiroRequestOptions options;
    options.conversationId = u"c0ffee00-0000-4000-8000-00000000abcd"_s;
    const auto build = [&](const std::vector<ToolDefinition> &list) {
        auto built = KiroRequestBuilder::build(
            request({ user(u"q"_s), assistant(QString(), { call(u"c1"_s, u"from_history"_s, u"{}"_s) }),
                      tool(u"c1"_s, u"r"_s) },
                    list),
            options);
        if (!built.ok())
            return KiroRequest {};
        KiroRequest r = std::move(built.value());
        static const QByteArray key = "\"agentContinuationId\":\"";
        if (const qsizetype at = r.body.indexOf(key); at >= 0)
            r.body.replace(at + key.size(), 36, "*");
        return r;
    };
    // Equal text in buffers of their own: never a memo hit, the reference.
    const auto ownBuffers = [&] {
        std::vector<ToolDefinition> copy = tools;
        for (ToolDefinition &t : copy) {
            t.name = QString(t.name.constData(), t.name.size());
            t.descriptionUtf8 = QByteArray(t.descriptionUtf8.constData(), t.descriptionUtf8.size());
            t.parametersJson = QByteArray(t.parametersJson.constData(), t.parametersJson.size());
        }
        return copy;
    };
    const KiroRequest reference = build(ownBuffers());
    QVERIFY(!reference.body.isEmpty());
    QVERIFY(reference.body.contains(
        "\"name\":\"from_history\"")); // declared from the history, after the memo's part
    QCOMPARE(reference.toolNameReverseMap.size(), 1);
    for (int round = 0; round < 3; ++round) {
        const KiroRequest again = build(tools); // the same buffers: from the second round on, a memo hit
        QCOMPARE(again.body, reference.body);
        QCOMPARE(again.estimatedPromptTokens, reference.estimatedPromptTokens);
        QCOMPARE(again.toolNameReverseMap, reference.toolNameReverseMap);
    }
    QCOMPARE(build(ownBuffers()).body, reference.body);

    std::vector<ToolDefinition> changed = tools;
    changed[1].descriptionUtf8 = "Another description entirely";
    const KiroRequest other = build(changed);
    QVERIFY(other.body.contains("Another description entirely"));
    QVERIFY(!other.body.contains(
        "Get current weather for a "
        "city\",\"inputSchema\":{\"json\":{\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":["
        "\"city\"],\"type\":\"object\"}},\"name\":\"short_name\""));
    QVERIFY(other.estimatedPromptTokens != reference.estimatedPromptTokens);
    QCOMPARE(build(tools).body, reference.body); // and back
}

void TstKiroRequestBuilder::toolChoiceNudges()
{
    ChatRequest r = request({ user(u"q"_s) }, { toolDef() });
    r.toolChoice = ToolChoice::Named;
    r.toolChoiceName = u"get_weather"_s;
    auto built = KiroRequestBuilder::build(r);
    QVERIFY(built.ok());
    QVERIFY(parse(built->body).current.value(u"content"_s).toString().contains(u"\"get_weather\""_s));
    r.toolChoice = ToolChoice::Required;
    built = KiroRequestBuilder::build(r);
    QVERIFY(
        parse(built->body).current.value(u"content"_s).toString().contains(u"one of the provided tools"_s));
    r.toolChoice = ToolChoice::Auto;
    built = KiroRequestBuilder::build(r);
    QCOMPARE(parse(built->body).current.value(u"content"_s).toString(), u"q"_s);
}

void TstKiroRequestBuilder::images_data()
{
    QTest::addColumn<QString>("mediaType");
    QTest::addColumn<QString>("format");
    QTest::newRow("png") << u"image/png"_s << u"png"_s;
    QTest::newRow("jpeg") << u"image/jpeg"_s << u"jpeg"_s;
    QTest::newRow("jpg") << u"image/jpg"_s << u"jpeg"_s;
    QTest::newRow("gif") << u"image/gif"_s << u"gif"_s;
    QTest::newRow("webp-upper") << u"IMAGE/WEBP"_s << u"webp"_s;
}

void TstKiroRequestBuilder::images()
{
    QFETCH(QString, mediaType);
    QFETCH(QString, format);
    const QByteArray data = QByteArray("fake image bytes").toBase64();
    auto built = KiroRequestBuilder::build(request(
        { user(u"old"_s, { { mediaType, data } }), assistant(u"seen"_s),
          user(u"what is this?"_s, { { mediaType, "data:" + mediaType.toLatin1() + ";base64," + data } }) }));
    QVERIFY(built.ok());
    QVERIFY(KiroRequestValidator::validate(built->body).ok());
    const Built b = parse(built->body);
    for (const QJsonObject &m : { b.historyMessage(0), b.current }) {
        const QJsonObject image = m.value(u"images"_s).toArray().at(0).toObject();
        QCOMPARE(image.value(u"format"_s).toString(), format);
        QCOMPARE(image.value(u"source"_s).toObject().value(u"bytes"_s).toString().toLatin1(), data);
    }
    QVERIFY(!b.current.value(u"userInputMessageContext"_s).toObject().contains(u"images"_s));
}

void TstKiroRequestBuilder::unsupportedImage()
{
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    auto built
        = KiroRequestBuilder::build(request({ user(u"q"_s, { { u"image/bmp"_s, "Qk0=" } }) }), {}, &kind);
    QVERIFY(!built.ok());
    QCOMPARE(kind, ProviderErrorKind::InvalidRequest);
    QVERIFY(built.error().contains(u"image/bmp"_s));
}

void TstKiroRequestBuilder::oversizeIsContextTooLong()
{
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    auto built = KiroRequestBuilder::build(request({ user(QString(700'000, u'x')) }), {}, &kind);
    QVERIFY(!built.ok());
    QCOMPARE(kind, ProviderErrorKind::ContextTooLong);

    KiroRequestOptions small;
    small.maxBodyBytes = 1000;
    QVERIFY(!KiroRequestBuilder::build(request({ user(QString(2000, u'x')) }), small).ok());
    QVERIFY(KiroRequestBuilder::build(request({ user(QString(500, u'x')) }), small).ok());
}

void TstKiroRequestBuilder::thinkingEmulation()
{
    ChatRequest r = request({ sys(u"Be careful."_s), user(u"2+2?"_s) });
    r.thinking = true;
    r.thinkingBudgetTokens = 2048;
    auto built = KiroRequestBuilder::build(r);
    QVERIFY(built.ok());
    QVERIFY(built->thinkingEmulated);
    QCOMPARE(
        parse(built->body).current.value(u"content"_s).toString(),
        u"<thinking_mode>enabled</thinking_mode><max_thinking_length>2048</max_thinking_length>\n\nBe careful.\n\n2+2?"_s);
    r.thinking = false;
    built = KiroRequestBuilder::build(r);
    QVERIFY(!built->thinkingEmulated);
    QVERIFY(!parse(built->body).current.value(u"content"_s).toString().contains(u"thinking_mode"_s));
}

void TstKiroRequestBuilder::nativeReasoning_data()
{
    QTest::addColumn<QByteArray>("schema"); ///< the model's additionalModelRequestFieldsSchema in the catalog
    QTest::addColumn<bool>("thinking");
    QTest::addColumn<int>("budget");
    QTest::addColumn<QByteArray>(
        "body"); ///< the expected body with the generated ids masked; empty = emulated

    const QByteArray claude
        = R"({"type":"object","properties":{"thinking":{"type":"object","properties":{"type":{"enum":["adaptive","disabled"]}}},)"
          R"("output_config":{"type":"object","properties":{"effort":{"enum":["low","medium","high","max"]}}}}})";
    const QByteArray gpt
        = R"({"properties":{"reasoning":{"properties":{"effort":{"enum":["low","medium","high","xhigh"]}}}}})";
    const QByteArray tail
        = R"("conversationState":{"agentContinuationId":"ID","agentTaskType":"vibe",)"
          R"("chatTriggerType":"MANUAL","conversationId":"ID","currentMessage":{"userInputMessage":)"
          R"({"content":"Be careful.\n\n2+2?","modelId":"claude-sonnet-4.5","origin":"AI_EDITOR"}}}})";
    QTest::newRow("claude, high") << claude << true << 24000
                                  << R"({"additionalModelRequestFields":{"output_config":{"effort":"high"},)"
                                     R"("thinking":{"type":"adaptive"}},)"
            + tail;
    QTest::newRow("gpt, xhigh") << gpt << true << 32000
                                << R"({"additionalModelRequestFields":{"reasoning":{"effort":"xhigh"}},)"
            + tail;
    // No reasoning asked for: nothing sent, whatever the model supports.
    QTest::newRow("not asked") << claude << false << 0 << "{" + tail;
    // The catalog offers nothing for reasoning (or the model is not in it): today's prompt emulation.
    QTest::newRow("unsupported") << QByteArray("{}") << true << 24000 << QByteArray();
}

void TstKiroRequestBuilder::nativeReasoning()
{
    QFETCH(QByteArray, schema);
    QFETCH(bool, thinking);
    QFETCH(int, budget);
    QFETCH(QByteArray, body);
    ChatRequest r = request({ sys(u"Be careful."_s), user(u"2+2?"_s) });
    r.thinking = thinking;
    r.thinkingBudgetTokens = budget;
    KiroRequestOptions options;
    options.reasoning = KiroReasoningSchema::fromCatalogSchema(QJsonDocument::fromJson(schema).object());
    const auto built = KiroRequestBuilder::build(r, options);
    QVERIFY(built.ok());
    const QString content = parse(built->body).current.value(u"content"_s).toString();
    if (body.isEmpty()) {
        QVERIFY(built->thinkingEmulated);
        QVERIFY(built->reasoningFields.isEmpty());
        QVERIFY(content.startsWith(u"<thinking_mode>enabled</thinking_mode><max_thinking_length>24000"_s));
        QVERIFY(!built->body.contains("additionalModelRequestFields"));
        return;
    }
    QVERIFY(!built->thinkingEmulated);
    QVERIFY(!content.contains(u"thinking_mode"_s));
    QByteArray masked = built->body;
    masked.replace(built->conversationId.toLatin1(), "ID");
    masked.replace(parse(built->body).state.value(u"agentContinuationId"_s).toString().toLatin1(), "ID");
    QCOMPARE(masked, body);
    // The per-attempt profileArn still lands at the top level, after the fields.
    const QJsonObject withArn
        = QJsonDocument::fromJson(KiroRequestBuilder::withProfileArn(built->body, u"arn:x"_s)).object();
    QCOMPARE(withArn.value(u"profileArn"_s).toString(), u"arn:x"_s);
    QCOMPARE(withArn.contains(u"additionalModelRequestFields"_s), thinking);
}

void TstKiroRequestBuilder::promptTokenEstimate()
{
    auto small = KiroRequestBuilder::build(request({ user(u"Hi"_s) }));
    auto large = KiroRequestBuilder::build(request({ user(QString(40'000, u'w')) }));
    auto withImage = KiroRequestBuilder::build(request({ user(u"Hi"_s, { { u"image/png"_s, "AAAA" } }) }));
    QVERIFY(small.ok() && large.ok() && withImage.ok());
    QVERIFY(small->estimatedPromptTokens > 0);
    QVERIFY(large->estimatedPromptTokens >= 10'000);
    QVERIFY(withImage->estimatedPromptTokens >= small->estimatedPromptTokens + 1000);
}

void TstKiroRequestBuilder::promptTokenEstimateToolOverhead_data()
{
    QTest::addColumn<bool>("withTools");
    QTest::addColumn<int>("choice");
    QTest::addColumn<int>("overhead");
    // Kiro has no tool_choice field: a forced choice is a prompt line, so the model sees the auto prompt.
    QTest::newRow("no tools") << false << int(ToolChoice::Auto) << 0;
    QTest::newRow("tools, auto") << true << int(ToolChoice::Auto) << 346;
    QTest::newRow("tools, required") << true << int(ToolChoice::Required) << 346;
    QTest::newRow("tools, named") << true << int(ToolChoice::Named) << 346;
    // tool_choice none sends no tools (they become text), so the model gets no tool-use prompt.
    QTest::newRow("tools, none") << true << int(ToolChoice::None) << 0;
}

void TstKiroRequestBuilder::promptTokenEstimateToolOverhead()
{
    QFETCH(bool, withTools);
    QFETCH(int, choice);
    QFETCH(int, overhead);
    ChatRequest r
        = request({ user(u"What is the weather in Paris?"_s), assistant(QString(), { call(u"c1"_s) }),
                    tool(u"c1"_s, u"Sunny, 21 C"_s) },
                  withTools ? std::vector<ToolDefinition> { toolDef() } : std::vector<ToolDefinition> {});
    r.toolChoice = ToolChoice(choice);
    r.toolChoiceName = u"get_weather"_s;
    const auto built = KiroRequestBuilder::build(r);
    QVERIFY(built.ok());
    // The expected count from the body itself: every text Kiro gets, each tool's name, description and
    // schema text, then the fixed overhead on top.
    const Built b = parse(built->body);
    qint64 units = 0;
    const auto addMessage = [&](const QJsonObject &m) {
        units += KiroTokenEstimator::units(m.value(u"content"_s).toString());
        // A tool call counts as the arguments text the client sent.
        units
            += m.value(u"toolUses"_s).toArray().size() * KiroTokenEstimator::units(u"{\"city\":\"Paris\"}"_s);
        const QJsonObject context = m.value(u"userInputMessageContext"_s).toObject();
        for (const QJsonValue &result : context.value(u"toolResults"_s).toArray())
            units += KiroTokenEstimator::units(result[u"content"_s].toArray().at(0)[u"text"_s].toString());
        for (const QJsonValue &tool : context.value(u"tools"_s).toArray()) {
            const QJsonObject spec = tool[u"toolSpecification"_s].toObject();
            units += KiroTokenEstimator::units(spec.value(u"name"_s).toString())
                + KiroTokenEstimator::units(spec.value(u"description"_s).toString())
                + QJsonDocument(spec.value(u"inputSchema"_s)[u"json"_s].toObject())
                      .toJson(QJsonDocument::Compact)
                      .size();
        }
    };
    for (int i = 0; i < b.history.size(); ++i)
        addMessage(b.historyMessage(i));
    addMessage(b.current);
    QCOMPARE(b.currentTools().isEmpty(), overhead == 0);
    QCOMPARE(built->estimatedPromptTokens, KiroTokenEstimator::tokensFromUnits(units) + overhead);
    QCOMPARE(KiroTokenEstimator::toolUseSystemPrompt(ToolChoice(choice)),
             ToolChoice(choice) == ToolChoice::Required || ToolChoice(choice) == ToolChoice::Named ? 313
                                                                                                   : 346);
}

void TstKiroRequestBuilder::noMessages()
{
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    QVERIFY(!KiroRequestBuilder::build(request({}), {}, &kind).ok());
    QCOMPARE(kind, ProviderErrorKind::InvalidRequest);
    ChatRequest noModel = request({ user(u"q"_s) });
    noModel.upstreamModel.clear();
    QVERIFY(!KiroRequestBuilder::build(noModel, {}, &kind).ok());
    QCOMPARE(kind, ProviderErrorKind::Internal);
}

QTEST_GUILESS_MAIN(TstKiroRequestBuilder)
#include "tst_kirorequestbuilder.moc"
