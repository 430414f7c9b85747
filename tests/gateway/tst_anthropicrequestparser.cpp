// SPDX-License-Identifier: MIT
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "anthropicfixtures.h"
#include "anthropicparsercases.h"
#include "server/gateway/anthropicrequestparser.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

ChatRequest parseOk(const QByteArray &body,
                    AnthropicRequestParser::Mode mode = AnthropicRequestParser::Mode::Messages,
                    AnthropicRequestParser::Notes *notes = nullptr)
{
    auto parsed = AnthropicRequestParser::parse(body, mode, notes);
    if (const ApiError *e = std::get_if<ApiError>(&parsed))
        qWarning("unexpected error: %s", qPrintable(e->message));
    return std::get<ChatRequest>(parsed);
}

QString roles(const ChatRequest &r)
{
    QString out;
    for (const ChatMessage &m : r.messages)
        out += QLatin1String("SUAT").at(int(m.role));
    return out;
}

} // namespace

class TstAnthropicRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rejects_data();
    void rejects();
    void minimal();
    void optionalFieldsAccepted();
    void thinking_data();
    void thinking();
    void toolChoice_data();
    void toolChoice();
    void multiTurnToolConversation();
    void imageAndTextInOneMessage();
    void onlyToolResultsAddNoUserMessage();
    void emptySystemAddsNoMessage();
    void countTokensNeedsNoMaxTokens();
    void systemEntries_data();
    void systemEntries();
    void serverToolsAreDropped();
    void contextManagement_data();
    void contextManagement();
    void textualBlocks();
    void claudeCodeRequest();
};

void TstAnthropicRequestParser::rejects_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("param");
    QTest::addColumn<QString>("message");
    for (const auto &c : AnthropicParserCases::invalidCases)
        QTest::newRow(c.name) << QByteArray(c.body) << QString::fromUtf8(c.param)
                              << QString::fromUtf8(c.message);
}

void TstAnthropicRequestParser::rejects()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, param);
    QFETCH(QString, message);
    const auto parsed = AnthropicRequestParser::parse(body);
    QVERIFY(std::holds_alternative<ApiError>(parsed));
    const ApiError &e = std::get<ApiError>(parsed);
    QCOMPARE(e.param, param);
    QVERIFY2(e.message.contains(message), qPrintable(e.message));
    if (param.isEmpty()) {
        QCOMPARE(e.kind, ApiErrorKind::InvalidJson);
    } else {
        QCOMPARE(e.kind, ApiErrorKind::InvalidRequest);
        QVERIFY2(e.message.startsWith(param + QLatin1String(": ")), qPrintable(e.message));
    }
    // The Anthropic shape and status of the same error.
    const QJsonObject o = QJsonDocument::fromJson(anthropicErrorBody(e)).object();
    QCOMPARE(o.value(QLatin1String("type")).toString(), QStringLiteral("error"));
    const QJsonObject err = o.value(QLatin1String("error")).toObject();
    QCOMPARE(err.value(QLatin1String("type")).toString(), QStringLiteral("invalid_request_error"));
    QCOMPARE(err.value(QLatin1String("message")).toString(), e.message);
    QCOMPARE(anthropicErrorInfo(e.kind).status, 400);
}

void TstAnthropicRequestParser::minimal()
{
    const ChatRequest r = parseOk(AnthropicFixtures::simpleMessage);
    QCOMPARE(r.requestedModel, QStringLiteral("claude-sonnet-4-5-20250929"));
    QVERIFY(r.upstreamModel.isEmpty());
    QCOMPARE(r.maxTokens, std::optional<int>(256));
    QCOMPARE(r.messages.size(), size_t(1));
    QCOMPARE(r.messages[0].role, Role::User);
    QCOMPARE(r.messages[0].textString(), QStringLiteral("hi"));
    QVERIFY(!r.stream);
    QVERIFY(!r.thinking);
    QVERIFY(r.tools.empty());
    QCOMPARE(r.toolChoice, ToolChoice::Auto);
    QVERIFY(!r.temperature);
    QVERIFY(r.stop.isEmpty());
}

void TstAnthropicRequestParser::optionalFieldsAccepted()
{
    const ChatRequest r = parseOk(AnthropicParserCases::optionalFields);
    QCOMPARE(r.temperature, std::optional<double>(0.2));
    QCOMPARE(r.topP, std::optional<double>(0.9));
    QCOMPARE(r.stop, QStringList({ QStringLiteral("END"), QStringLiteral("STOP") }));
    QVERIFY(r.stream);
    QCOMPARE(r.maxTokens, std::optional<int>(5));
}

void TstAnthropicRequestParser::thinking_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("thinking");
    QTest::addColumn<int>("budget");
    for (const auto &c : AnthropicParserCases::thinkingCases)
        QTest::newRow(c.name) << QByteArray(c.body) << c.thinking << c.budget;
}

void TstAnthropicRequestParser::thinking()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, thinking);
    QFETCH(int, budget);
    const auto parsed = AnthropicRequestParser::parse(body);
    QVERIFY(std::holds_alternative<ChatRequest>(parsed)); // never a 400
    QCOMPARE(std::get<ChatRequest>(parsed).thinking, thinking);
    QCOMPARE(std::get<ChatRequest>(parsed).thinkingBudgetTokens, budget);
}

void TstAnthropicRequestParser::toolChoice_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("expected");
    QTest::addColumn<QString>("toolName");
    for (const auto &c : AnthropicParserCases::toolChoiceCases) {
        QByteArray body(AnthropicParserCases::toolChoicePrefix);
        if (*c.choice)
            body += QByteArray(",\"tool_choice\":") + c.choice;
        body += '}';
        QTest::newRow(c.name) << body << c.expected << QString::fromUtf8(c.toolName);
    }
}

void TstAnthropicRequestParser::toolChoice()
{
    QFETCH(QByteArray, body);
    QFETCH(int, expected);
    QFETCH(QString, toolName);
    const ChatRequest r = parseOk(body);
    QCOMPARE(int(r.toolChoice), expected);
    QCOMPARE(r.toolChoiceName, toolName);
    QCOMPARE(r.tools.size(), size_t(1));
    QCOMPARE(r.tools[0].parameters.value(QLatin1String("type")).toString(), QStringLiteral("object"));
}

void TstAnthropicRequestParser::multiTurnToolConversation()
{
    const ChatRequest r = parseOk(AnthropicFixtures::multiTurnToolRequest);
    QVERIFY(r.stream);
    QCOMPARE(r.maxTokens, std::optional<int>(8192));
    QCOMPARE(r.messages.size(), size_t(6));
    QCOMPARE(r.messages[0].role, Role::System);
    QCOMPARE(r.messages[0].textString(), QStringLiteral("You are a coding agent.\nBe brief."));
    QCOMPARE(r.messages[1].role, Role::User);
    QCOMPARE(r.messages[1].textString(), QStringLiteral("Read a.txt and run ls"));
    const ChatMessage &a = r.messages[2];
    QCOMPARE(a.role, Role::Assistant);
    QCOMPARE(a.textString(), QStringLiteral("Sure.")); // the thinking block is dropped
    QCOMPARE(a.toolCalls.size(), size_t(2));
    QCOMPARE(a.toolCalls[0].id, QStringLiteral("toolu_01"));
    QCOMPARE(a.toolCalls[0].name, QStringLiteral("read_file"));
    QCOMPARE(a.toolCalls[0].arguments, QStringLiteral("{\"path\":\"a.txt\"}"));
    QCOMPARE(a.toolCalls[1].arguments, QStringLiteral("{\"cmd\":\"ls\"}"));
    QCOMPARE(r.messages[3].role, Role::Tool);
    QCOMPARE(r.messages[3].toolCallId, QStringLiteral("toolu_01"));
    QCOMPARE(r.messages[3].textString(), QStringLiteral("alpha"));
    QVERIFY(!r.messages[3].toolError);
    QCOMPARE(r.messages[4].role, Role::Tool);
    QCOMPARE(r.messages[4].toolCallId, QStringLiteral("toolu_02"));
    QCOMPARE(r.messages[4].textString(), QStringLiteral("ls: denied\nexit 2"));
    QVERIFY(r.messages[4].toolError);
    QCOMPARE(r.messages[5].role, Role::User);
    QCOMPARE(r.messages[5].textString(), QStringLiteral("Now summarize."));
    QCOMPARE(r.tools.size(), size_t(2));
    QCOMPARE(r.tools[1].name, QStringLiteral("run"));
    QCOMPARE(r.tools[1].descriptionString(), QStringLiteral("Runs a command"));
    QVERIFY(
        r.tools[1].parameters.value(QLatin1String("properties")).toObject().contains(QLatin1String("cmd")));
}

void TstAnthropicRequestParser::imageAndTextInOneMessage()
{
    const ChatRequest r = parseOk(AnthropicParserCases::userImageAndText);
    QCOMPARE(r.messages.size(), size_t(1));
    QCOMPARE(r.messages[0].textString(), QStringLiteral("what is this?"));
    QCOMPARE(r.messages[0].images.size(), size_t(1));
    QCOMPARE(r.messages[0].images[0].mediaType, QStringLiteral("image/webp"));
    QCOMPARE(r.messages[0].images[0].base64Data, QByteArray("aGVsbG8="));
}

void TstAnthropicRequestParser::onlyToolResultsAddNoUserMessage()
{
    const ChatRequest r = parseOk(AnthropicParserCases::onlyToolResults);
    QCOMPARE(r.messages.size(), size_t(3));
    QCOMPARE(r.messages[1].toolCalls[0].arguments, QStringLiteral("{}"));
    QCOMPARE(r.messages[2].role, Role::Tool);
    QCOMPARE(r.messages[2].toolCallId, QStringLiteral("t1"));
    QVERIFY(!r.messages[2].hasText());
}

void TstAnthropicRequestParser::emptySystemAddsNoMessage()
{
    const ChatRequest r = parseOk(AnthropicParserCases::emptySystem);
    QCOMPARE(r.messages.size(), size_t(1));
    QCOMPARE(r.messages[0].role, Role::User);
}

void TstAnthropicRequestParser::countTokensNeedsNoMaxTokens()
{
    const QByteArray body(AnthropicParserCases::countTokensBody);
    const auto messages = AnthropicRequestParser::parse(body, AnthropicRequestParser::Mode::Messages);
    QVERIFY(std::holds_alternative<ApiError>(messages));
    QCOMPARE(std::get<ApiError>(messages).param, QStringLiteral("max_tokens"));
    const ChatRequest r = parseOk(body, AnthropicRequestParser::Mode::CountTokens);
    QVERIFY(!r.maxTokens);
    QCOMPARE(r.messages.size(), size_t(1));
}

void TstAnthropicRequestParser::systemEntries_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("roles");
    QTest::addColumn<QString>("entryText");
    for (const auto &c : AnthropicParserCases::systemEntryCases)
        QTest::newRow(c.name) << QByteArray(c.body) << QString::fromUtf8(c.roles)
                              << QString::fromUtf8(c.entryText);
}

void TstAnthropicRequestParser::systemEntries()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, roles);
    QFETCH(QString, entryText);
    const ChatRequest r = parseOk(body);
    QCOMPARE(::roles(r), roles);
    if (entryText.isEmpty())
        return;
    // The in-message entry is the last System message (a top-level `system` comes first).
    const auto it = std::find_if(r.messages.rbegin(), r.messages.rend(),
                                 [](const ChatMessage &m) { return m.role == Role::System; });
    QVERIFY(it != r.messages.rend());
    QCOMPARE(it->textString(), entryText);
}

void TstAnthropicRequestParser::serverToolsAreDropped()
{
    AnthropicRequestParser::Notes notes;
    const ChatRequest r
        = parseOk(AnthropicParserCases::serverTools, AnthropicRequestParser::Mode::Messages, &notes);
    QCOMPARE(r.tools.size(), size_t(2));
    QCOMPARE(r.tools[0].name, QStringLiteral("Read"));
    QCOMPARE(r.tools[1].name, QStringLiteral("Glob"));
    QCOMPARE(notes.droppedTools,
             QStringList({ QStringLiteral("web_search (web_search_20250305)"),
                           QStringLiteral("bash (bash_20250124)"),
                           QStringLiteral("code_execution_20250825 (code_execution_20250825)") }));
    // tool_choice naming a left-out tool falls back to auto, with a note.
    QCOMPARE(r.toolChoice, ToolChoice::Auto);
    QVERIFY(notes.ignored.join(u'|').contains(QLatin1String("web_search")));
}

void TstAnthropicRequestParser::contextManagement_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("cleared");
    for (const auto &c : AnthropicParserCases::contextCases)
        QTest::newRow(c.name) << QByteArray(c.body) << c.cleared;
}

void TstAnthropicRequestParser::contextManagement()
{
    QFETCH(QByteArray, body);
    QFETCH(int, cleared);
    AnthropicRequestParser::Notes notes;
    const ChatRequest r = parseOk(body, AnthropicRequestParser::Mode::Messages, &notes); // never a 400
    QCOMPARE(notes.clearedToolResults, cleared);
    int placeholders = 0;
    for (const ChatMessage &m : r.messages) {
        if (m.role == Role::Tool && m.textString().contains(QLatin1String("cleared")))
            ++placeholders;
    }
    QCOMPARE(placeholders, cleared);
    // The newest tool result always survives (keep >= 1 or excluded); ids and pairing are untouched.
    QCOMPARE(r.messages.back().toolCallId, QStringLiteral("t3"));
    QCOMPARE(r.messages.back().textString(), QStringLiteral("three"));
    if (QTest::currentDataTag() == QByteArray("clear-tool-uses-exclude")) {
        QCOMPARE(r.messages[3].toolCalls[0].arguments, QStringLiteral("{}")); // clear_tool_inputs
        QCOMPARE(r.messages[1].toolCalls[0].arguments, QStringLiteral("{\"p\":1}")); // Read is excluded
    }
}

void TstAnthropicRequestParser::textualBlocks()
{
    AnthropicRequestParser::Notes notes;
    const ChatRequest r
        = parseOk(AnthropicParserCases::textualBlocks, AnthropicRequestParser::Mode::Messages, &notes);
    QCOMPARE(roles(r), QStringLiteral("UAT"));
    QCOMPARE(r.messages[0].textString(), QStringLiteral("notes\ndoc body\nT (https://s)\nfound"));
    QCOMPARE(r.messages[1].textString(), QStringLiteral("ok"));
    QCOMPARE(r.messages[1].toolCalls.size(), size_t(1)); // server_tool_use is not ours to replay
    QCOMPARE(r.messages[2].textString(), QStringLiteral("Tool 'Glob' is available."));
    QCOMPARE(notes.ignored.size(), 2);
}

void TstAnthropicRequestParser::claudeCodeRequest()
{
    AnthropicRequestParser::Notes notes;
    const ChatRequest r
        = parseOk(AnthropicParserCases::claudeCodeRequest, AnthropicRequestParser::Mode::Messages, &notes);
    QCOMPARE(r.requestedModel, QStringLiteral("claude-opus-5-5"));
    QVERIFY(r.stream);
    QCOMPARE(r.maxTokens, std::optional<int>(128000));
    // Top-level system, the user turn, then the environment block Claude Code sends as message 1.
    QCOMPARE(roles(r), QStringLiteral("SUS"));
    QVERIFY(r.messages[0].textString().contains(QLatin1String("Claude Agent SDK")));
    QVERIFY(r.messages[1].textString().endsWith(QLatin1String("Read hello.txt")));
    QVERIFY(r.messages[2].textString().startsWith(QLatin1String("# Environment")));
    QVERIFY(r.thinking); // adaptive, effort medium
    QCOMPARE(r.thinkingBudgetTokens, 10000);
    QVERIFY(notes.thinkingOmitted);
    QVERIFY(notes.droppedTools.isEmpty());
    QCOMPARE(notes.clearedToolResults, 0);
    QCOMPARE(r.tools.size(), size_t(12));
    QStringList names;
    for (const ToolDefinition &t : r.tools)
        names.append(t.name);
    QVERIFY2(names.contains(QLatin1String("Read")) && names.contains(QLatin1String("Bash")),
             qPrintable(names.join(u',')));
}

QTEST_GUILESS_MAIN(TstAnthropicRequestParser)
#include "tst_anthropicrequestparser.moc"
