// SPDX-License-Identifier: MIT
// The UTF-8 carry (issue 18): the single-pass parsers keep each message text only as the client's UTF-8
// (ChatMessage::textUtf8) and the Kiro builder writes it without a UTF-16 form. The body must be byte for
// byte the one built from the QStrings alone, whatever the history normalisation does to the texts (merged
// turns, orphan tool results, blank texts, placeholders, tools turned into text). Each request is built
// twice, with and without the UTF-8, and the two bodies compared; the agent bodies of bench/agentbodies.py
// and hand-written edge cases, both dialects.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "server/gateway/anthropicrequestparser.h"
#include "server/gateway/openairequestparser.h"
#include "server/kiro/kirorequestbuilder.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

ChatRequest parseFast(const QByteArray &body, bool anthropic)
{
    if (anthropic) {
        auto r = AnthropicRequestParser::parseSinglePass(body);
        return r ? *r : ChatRequest {};
    }
    auto r = OpenAiRequestParser::parseSinglePass(body);
    return r ? r->request : ChatRequest {};
}

/** @p body with its agentContinuationId (a fresh UUID per build) blanked out. */
QByteArray withoutContinuationId(QByteArray body)
{
    static const QByteArray key = "\"agentContinuationId\":\"";
    const qsizetype at = body.indexOf(key);
    if (at >= 0)
        body.replace(at + key.size(), 36, "*");
    return body;
}

/** Builds @p request with and without its UTF-8 texts; returns how many texts were carried. */
int compareBodies(ChatRequest request, const QString &name)
{
    request.upstreamModel = u"claude-sonnet-4.5"_s;
    KiroRequestOptions options;
    options.conversationId = u"conversation"_s;
    options.profileArn = u"arn:aws:codewhisperer:us-east-1:1:profile/X"_s;
    options.maxBodyBytes = 1 << 30;
    const auto carried = KiroRequestBuilder::build(request, options);
    int texts = 0;
    for (ChatMessage &m : request.messages) {
        texts += m.textUtf8.isEmpty() ? 0 : 1;
        m.setText(m.textString()); // the UTF-16 form only
        for (ToolCall &call : m.toolCalls) {
            texts += call.kiroInput.isEmpty() ? 0 : 1;
            call.kiroInput.clear();
        }
    }
    const auto converted = KiroRequestBuilder::build(request, options);
    if (!carried || !converted) {
        QTest::qFail(qPrintable(name + u": not built"_s), __FILE__, __LINE__);
        return -1;
    }
    const QByteArray a = withoutContinuationId(carried.value().body);
    const QByteArray b = withoutContinuationId(converted.value().body);
    if (a != b) {
        qsizetype at = 0;
        while (at < a.size() && at < b.size() && a[at] == b[at])
            ++at;
        QTest::qFail(qPrintable(name + u": bodies differ at byte %1: carried …"_s.arg(at)
                                + QString::fromUtf8(a.mid(std::max<qsizetype>(0, at - 40), 120))
                                + u"… converted …"_s
                                + QString::fromUtf8(b.mid(std::max<qsizetype>(0, at - 40), 120))),
                     __FILE__, __LINE__);
        return -1;
    }
    if (carried.value().estimatedPromptTokens != converted.value().estimatedPromptTokens) {
        QTest::qFail(qPrintable(name + u": token estimates differ"_s), __FILE__, __LINE__);
        return -1;
    }
    return texts;
}

} // namespace

class TstKiroBodyUtf8 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void agentBodies();
    void edgeCases_data();
    void edgeCases();
};

void TstKiroBodyUtf8::agentBodies()
{
    const QString script = qEnvironmentVariable("DRAWBRIDGE_SOURCE_DIR") + u"/bench/agentbodies.py"_s;
    QVERIFY2(QFile::exists(script),
             qPrintable(script + u" is missing: run through CTest, which sets DRAWBRIDGE_SOURCE_DIR"_s));
    for (const int seed : { 18, 7 }) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QProcess python;
        python.start(u"python3"_s,
                     { script, u"--out"_s, dir.path(), u"--seed"_s, QString::number(seed), u"--sizes"_s,
                       u"5,57,144"_s });
        QVERIFY2(python.waitForFinished(60'000), "python3 bench/agentbodies.py did not finish in 60 s");
        QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
                 python.readAllStandardError().constData());
        const QStringList files = QDir(dir.path()).entryList({ u"*.json"_s }, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 6);
        for (const QString &name : files) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const ChatRequest request = parseFast(f.readAll(), name.startsWith(u"anthropic"_s));
            QVERIFY2(!request.messages.empty(), qPrintable(name + u": the single pass did not take it"_s));
            const int texts = compareBodies(request, name);
            if (QTest::currentTestFailed())
                return;
            QVERIFY2(texts >= int(request.messages.size()) / 2, qPrintable(name + u": few texts carried"_s));
        }
    }
}

void TstKiroBodyUtf8::edgeCases_data()
{
    QTest::addColumn<bool>("anthropic");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("openai: escapes, multi-byte, long runs")
        << false
        << QByteArray(
               R"({"model":"m","messages":[{"role":"user","content":"tab\there \"q\" back\\slash \u0001 del\u007f é → 中 😀 )"
               R"(0123456789abcdef0123456789abcdef\n end"}]})");
    QTest::newRow("openai: two users merged, blank assistant")
        << false
        << QByteArray(
               R"({"model":"m","messages":[{"role":"user","content":"first é"},{"role":"user","content":"second 😀"},)"
               R"({"role":"assistant","content":"   "},{"role":"user","content":"third"}]})");
    // Merged turns stay UTF-8 when both sides are (the builder joins the bytes): a blank first side takes no
    // separator, three turns in a row, and the system prompt joined in front of the merged turn afterwards.
    QTest::newRow("openai: whitespace user merged with the next")
        << false
        << QByteArray(
               R"({"model":"m","messages":[{"role":"user","content":"  \t "},{"role":"user","content":"x é"},)"
               R"({"role":"assistant","content":"a"},{"role":"user","content":"y"}]})");
    QTest::newRow("openai: system, three users merged")
        << false
        << QByteArray(
               R"({"model":"m","messages":[{"role":"system","content":"sys é"},{"role":"user","content":"a"},)"
               R"({"role":"user","content":"  "},{"role":"user","content":"c 😀"}]})");
    QTest::newRow("anthropic: system, users merged, blank between")
        << true
        << QByteArray(
               R"({"model":"m","max_tokens":10,"system":[{"type":"text","text":"one"},{"type":"text","text":"two 中"}],)"
               R"("messages":[{"role":"user","content":"a → b"},{"role":"user","content":" \n "},)"
               R"({"role":"user","content":[{"type":"text","text":"c"}]}]})");
    QTest::newRow("openai: parts joined, empty user first")
        << false
        << QByteArray(
               R"({"model":"m","messages":[{"role":"user","content":""},{"role":"user","content":[{"type":"text","text":"a"},)"
               R"({"type":"text","text":"b → c"}]}]})");
    QTest::newRow("openai: tool call, result, orphan result")
        << false
        << QByteArray(
               R"({"model":"m","tools":[{"type":"function","function":{"name":"Read","parameters":{"type":"object"}}}],)"
               R"("messages":[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[)"
               R"({"id":"c1","type":"function","function":{"name":"Read","arguments":"{\"p\":\"é\"}"}}]},)"
               R"({"role":"tool","tool_call_id":"c1","content":"result \"1\" 中"},)"
               R"({"role":"tool","tool_call_id":"zz","content":"orphan ✓"},{"role":"user","content":"after"}]})");
    QTest::newRow("openai: tools none, history as text")
        << false
        << QByteArray(
               R"({"model":"m","tool_choice":"none","tools":[{"type":"function","function":{"name":"Read"}}],)"
               R"("messages":[{"role":"user","content":"go é"},{"role":"assistant","content":"calling","tool_calls":[)"
               R"({"id":"c1","type":"function","function":{"name":"Read","arguments":"{}"}}]},)"
               R"({"role":"tool","tool_call_id":"c1","content":"done 😀"},{"role":"user","content":"next"}]})");
    QTest::newRow("openai: prefill")
        << false
        << QByteArray(
               R"({"model":"m","messages":[{"role":"user","content":"q é"},{"role":"assistant","content":"partial 中"}]})");
    QTest::newRow("anthropic: results with text after, empty result")
        << true
        << QByteArray(
               R"({"model":"m","max_tokens":10,"system":"sys é","tools":[{"name":"Read","input_schema":{"type":"object"}}],)"
               R"("messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"text","text":"a → b"},)"
               R"({"type":"tool_use","id":"t1","name":"Read","input":{"z":1,"a":"é"}},{"type":"tool_use","id":"t2","name":"Read","input":{}}]},)"
               R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"one \"é\""},)"
               R"({"type":"tool_result","tool_use_id":"t2","content":""},{"type":"text","text":"and now 😀"}]}]})");
    QTest::newRow("anthropic: text blocks joined, duplicate result")
        << true
        << QByteArray(
               R"({"model":"m","max_tokens":10,"tools":[{"name":"Read","input_schema":{"type":"object"}}],)"
               R"("messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"text","text":"\n\ty"}]},)"
               R"({"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{}}]},)"
               R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"r1"},)"
               R"({"type":"text","text":"r2 中"}]},{"type":"tool_result","tool_use_id":"t1","content":"again"}]}]})");
    // Tool inputs the Anthropic parser hands over as written (ToolCall::kiroInput): numbers in every form Qt
    // writes, a "" key (dropped by the builder), a non-ASCII key (left to Qt), escapes.
    QTest::newRow("anthropic: tool inputs")
        << true
        << QByteArray(
               R"({"model":"m","max_tokens":10,"tools":[{"name":"Read","input_schema":{"type":"object"}}],"messages":[)"
               R"({"role":"user","content":"go"},{"role":"assistant","content":[)"
               R"({"type":"tool_use","id":"t1","name":"Read","input":{"n":[-0.0,-0,0.0,1e16,1e19,18446744073709551615,)"
               R"(9223372036854775807,9223372036854775808,-9223372036854775808,1.5e300,5e-324,1e-7,100.0,0.1,-2.5e-10,9.3e18,-9.3e18,1.5e3,1e6,12345678901234567890]}},)"
               R"({"type":"tool_use","id":"t2","name":"Read","input":{"":1,"b":{"":2}}},)"
               R"({"type":"tool_use","id":"t3","name":"Read","input":{"é":1,"a":"x"}},)"
               R"({"type":"tool_use","id":"t4","name":"Read","input":{"s":"q\"\\\n\u0001 é 😀","z":{"y":[true,false,null]}}}]},)"
               R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"1"},)"
               R"({"type":"tool_result","tool_use_id":"t2","content":"2"},{"type":"tool_result","tool_use_id":"t3","content":"3"},)"
               R"({"type":"tool_result","tool_use_id":"t4","content":"4"}]}]})");
}

void TstKiroBodyUtf8::edgeCases()
{
    QFETCH(bool, anthropic);
    QFETCH(QByteArray, body);
    const ChatRequest request = parseFast(body, anthropic);
    QVERIFY2(!request.messages.empty(), "the single pass did not take the body");
    const int texts = compareBodies(request, QString::fromLatin1(QTest::currentDataTag()));
    QVERIFY(texts > 0);
}

QTEST_GUILESS_MAIN(TstKiroBodyUtf8)
#include "tst_kirobodyutf8.moc"
