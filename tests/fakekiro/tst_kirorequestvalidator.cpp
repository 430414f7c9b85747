// SPDX-License-Identifier: MIT
#include <QTest>

#include "tests/fakekiro/kirorequestvalidator.h"

using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

namespace {

// Bodies are assembled from pieces so each row differs from the valid one in exactly one way.
const QByteArray weatherTool
    = R"({"toolSpecification":{"name":"get_weather","description":"Weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}})";

QByteArray userMsg(const QByteArray &content, const QByteArray &extra = {})
{
    return R"({"userInputMessage":{"content":")" + content
        + R"(","modelId":"claude-sonnet-4.5","origin":"AI_EDITOR")" + extra + "}}";
}

QByteArray assistantMsg(const QByteArray &content, const QByteArray &extra = {})
{
    return R"({"assistantResponseMessage":{"content":")" + content + "\"" + extra + "}}";
}

QByteArray toolUses(const QByteArray &ids, const QByteArray &name = "get_weather")
{
    QByteArray out = R"(,"toolUses":[)";
    bool first = true;
    for (const QByteArray &id : ids.split(',')) {
        if (!first)
            out += ',';
        first = false;
        out += R"({"toolUseId":")" + id + R"(","name":")" + name + R"(","input":{"city":"Paris"}})";
    }
    return out + ']';
}

QByteArray context(const QByteArray &resultIds, bool withTools, const QByteArray &status = "success")
{
    QByteArray out = R"(,"userInputMessageContext":{)";
    QByteArrayList parts;
    if (!resultIds.isEmpty()) {
        QByteArray results = R"("toolResults":[)";
        bool first = true;
        for (const QByteArray &id : resultIds.split(',')) {
            if (!first)
                results += ',';
            first = false;
            results
                += R"({"toolUseId":")" + id + R"(","content":[{"text":"ok"}],"status":")" + status + "\"}";
        }
        parts << results + ']';
    }
    if (withTools)
        parts << R"("tools":[)" + weatherTool + ']';
    return out + parts.join(',') + '}';
}

QByteArray body(const QByteArrayList &history, const QByteArray &current, const QByteArray &stateExtra = {},
                const QByteArray &rootExtra = {})
{
    QByteArray out
        = R"({"conversationState":{"chatTriggerType":"MANUAL","agentTaskType":"vibe","conversationId":"c1")";
    if (!history.isEmpty())
        out += R"(,"history":[)" + history.join(',') + ']';
    out += R"(,"currentMessage":)" + current + stateExtra + '}' + rootExtra + '}';
    return out;
}

} // namespace

class TstKiroRequestValidator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accepts_data();
    void accepts();
    void rejects_data();
    void rejects();
};

void TstKiroRequestValidator::accepts_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("minimal") << body({}, userMsg("Hi"));
    QTest::newRow("live-tested-empty-tools")
        << body({}, userMsg("Hi", R"(,"userInputMessageContext":{"tools":[]})"));
    QTest::newRow("tool-round-trip") << body({ userMsg("q"), assistantMsg(" x", toolUses("t1")) },
                                             userMsg("r", context("t1", true)));
    QTest::newRow("parallel") << body({ userMsg("q"), assistantMsg("x", toolUses("t1,t2")) },
                                      userMsg("r", context("t1,t2", true)));
    QTest::newRow("profile-arn") << body({}, userMsg("Hi"), {},
                                         R"(,"profileArn":"arn:aws:codewhisperer:us-east-1:1:profile/X")");
    QTest::newRow("image") << body(
        {}, userMsg("see", R"(,"images":[{"format":"png","source":{"bytes":"iVBORw0KGgo="}}])"));
}

void TstKiroRequestValidator::accepts()
{
    QFETCH(QByteArray, body);
    const auto result = KiroRequestValidator::validate(body);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error()));
}

void TstKiroRequestValidator::rejects_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("rule");
    // Each §2.5/§2.8 rule broken on its own; a builder that skipped that normalisation step would hit it.
    QTest::newRow("not-json") << QByteArray("{nope") << u"not-json"_s;
    QTest::newRow("too-large") << body({}, userMsg(QByteArray(620'000, 'x'))) << u"body-too-large"_s;
    QTest::newRow("inference-config")
        << body({}, userMsg("Hi"), {}, R"(,"inferenceConfig":{"maxTokens":10})") << u"unknown-member"_s;
    QTest::newRow("trigger-auto") << body({}, userMsg("Hi")).replace("MANUAL", "AUTO")
                                  << u"chat-trigger-type"_s;
    QTest::newRow("empty-current") << body({}, userMsg("")) << u"empty-content"_s;
    QTest::newRow("whitespace-current") << body({}, userMsg("  ")) << u"empty-content"_s;
    QTest::newRow("empty-assistant") << body({ userMsg("q"), assistantMsg("") }, userMsg("r"))
                                     << u"empty-content"_s;
    QTest::newRow("empty-history-array") << body({}, userMsg("Hi"), R"(,"history":[])") << u"empty-history"_s;
    QTest::newRow("history-starts-with-assistant")
        << body({ assistantMsg("a"), userMsg("q"), assistantMsg("b") }, userMsg("r"))
        << u"history-not-starting-with-user"_s;
    QTest::newRow("history-ends-with-user")
        << body({ userMsg("q"), assistantMsg("a"), userMsg("q2") }, userMsg("r"))
        << u"history-not-ending-with-assistant"_s;
    QTest::newRow("two-assistants") << body({ userMsg("q"), assistantMsg("a"), assistantMsg("b") },
                                            userMsg("r"))
                                    << u"history-not-alternating"_s;
    QTest::newRow("two-users") << body({ userMsg("q"), userMsg("q2"), assistantMsg("b") }, userMsg("r"))
                               << u"history-not-alternating"_s;
    QTest::newRow("tools-in-history")
        << body({ userMsg("q", context({}, true)), assistantMsg("a") }, userMsg("r", context({}, true)))
        << u"tools-in-history"_s;
    QTest::newRow("orphan-tool-result")
        << body({ userMsg("q"), assistantMsg("a") }, userMsg("r", context("t9", true)))
        << u"tool-result-without-tool-use"_s;
    QTest::newRow("result-in-first-message")
        << body({ userMsg("q", context("t1", false)), assistantMsg("a") }, userMsg("r", context({}, true)))
        << u"tool-result-without-tool-use"_s;
    QTest::newRow("orphan-tool-use") << body({ userMsg("q"), assistantMsg("a", toolUses("t1")) },
                                             userMsg("r", context({}, true)))
                                     << u"tool-use-without-result"_s;
    QTest::newRow("partial-results") << body({ userMsg("q"), assistantMsg("a", toolUses("t1,t2")) },
                                             userMsg("r", context("t1", true)))
                                     << u"tool-use-without-result"_s;
    QTest::newRow("duplicate-result")
        << body({ userMsg("q"), assistantMsg("a", toolUses("t1")) }, userMsg("r", context("t1,t1", true)))
        << u"duplicate-tool-result"_s;
    QTest::newRow("tool-content-without-tools")
        << body({ userMsg("q"), assistantMsg("a", toolUses("t1")) }, userMsg("r", context("t1", false)))
        << u"tool-content-without-tools"_s;
    QTest::newRow("undeclared-tool") << body({ userMsg("q"), assistantMsg("a", toolUses("t1", "other")) },
                                             userMsg("r", context("t1", true)))
                                     << u"undeclared-tool-in-history"_s;
    QTest::newRow("empty-tool-uses") << body({ userMsg("q"), assistantMsg("a", R"(,"toolUses":[])") },
                                             userMsg("r"))
                                     << u"empty-tool-uses"_s;
    QTest::newRow("string-tool-input") << body(
        { userMsg("q"),
          assistantMsg("a", R"(,"toolUses":[{"toolUseId":"t1","name":"get_weather","input":"{}"}])") },
        userMsg("r", context("t1", true)))
                                       << u"tool-use-input"_s;
    QTest::newRow("status-uppercase") << body({ userMsg("q"), assistantMsg("a", toolUses("t1")) },
                                              userMsg("r", context("t1", true, "SUCCESS")))
                                      << u"tool-result-status"_s;
    QTest::newRow("assistant-model-id")
        << body({ userMsg("q"), assistantMsg("a", R"(,"modelId":"x")") }, userMsg("r"))
        << u"unknown-member"_s;
    QTest::newRow("tool-name-too-long") << body(
        {},
        userMsg("q",
                R"(,"userInputMessageContext":{"tools":[{"toolSpecification":{"name":")" + QByteArray(65, 'n')
                    + R"(","description":"d","inputSchema":{"json":{"type":"object","properties":{}}}}}]})"))
                                        << u"tool-name-too-long"_s;
    QTest::newRow("duplicate-tool") << body(
        {}, userMsg("q", R"(,"userInputMessageContext":{"tools":[)" + weatherTool + ',' + weatherTool + "]}"))
                                    << u"duplicate-tool"_s;
    QTest::newRow("empty-description") << body(
        {},
        userMsg(
            "q",
            R"(,"userInputMessageContext":{"tools":[{"toolSpecification":{"name":"t","description":"","inputSchema":{"json":{"type":"object","properties":{}}}}}]})"))
                                       << u"tool-description"_s;
    QTest::newRow("schema-additional-properties") << body(
        {},
        userMsg(
            "q",
            R"(,"userInputMessageContext":{"tools":[{"toolSpecification":{"name":"t","description":"d","inputSchema":{"json":{"type":"object","properties":{},"additionalProperties":false}}}}]})"))
                                                  << u"tool-schema"_s;
    QTest::newRow("schema-empty-required") << body(
        {},
        userMsg(
            "q",
            R"(,"userInputMessageContext":{"tools":[{"toolSpecification":{"name":"t","description":"d","inputSchema":{"json":{"type":"object","properties":{},"required":[]}}}}]})"))
                                           << u"tool-schema"_s;
    QTest::newRow("schema-nested-null") << body(
        {},
        userMsg(
            "q",
            R"(,"userInputMessageContext":{"tools":[{"toolSpecification":{"name":"t","description":"d","inputSchema":{"json":{"type":"object","properties":{"a":{"type":"string","default":null}}}}}}]})"))
                                        << u"tool-schema"_s;
    QTest::newRow("schema-root-not-object") << body(
        {},
        userMsg(
            "q",
            R"(,"userInputMessageContext":{"tools":[{"toolSpecification":{"name":"t","description":"d","inputSchema":{"json":{"type":"string"}}}}]})"))
                                            << u"tool-schema"_s;
    QTest::newRow("image-bad-format")
        << body({}, userMsg("see", R"(,"images":[{"format":"bmp","source":{"bytes":"AAAA"}}])"))
        << u"image-format"_s;
    QTest::newRow("image-data-url") << body(
        {}, userMsg("see", R"(,"images":[{"format":"png","source":{"bytes":"data:image/png;base64,AAAA"}}])"))
                                    << u"image-bytes"_s;
    QTest::newRow("null-member") << body({}, userMsg("Hi", R"(,"images":null)")) << u"null-value"_s;
}

void TstKiroRequestValidator::rejects()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, rule);
    const auto result = KiroRequestValidator::validate(body);
    QVERIFY2(!result.ok(), "accepted a body Kiro would reject");
    QVERIFY2(result.error().startsWith(rule + u':'), qPrintable(result.error()));
}

QTEST_GUILESS_MAIN(TstKiroRequestValidator)
#include "tst_kirorequestvalidator.moc"
