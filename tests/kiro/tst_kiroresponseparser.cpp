// SPDX-License-Identifier: MIT
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include "server/kiro/eventstreamencoder.h"
#include "server/kiro/kiroresponseparser.h"
#include "server/kiro/kirotokenestimator.h"
#include "tests/fakekiro/fakekiroresponse.h"
#include "tests/kiro/recordingsink.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;
using namespace Qt::StringLiterals;

namespace {

QByteArray bytesOf(const FakeKiroResponse &response)
{
    QByteArray out;
    for (const auto &step : response.steps) {
        if (step.kind == FakeKiroResponse::Step::Kind::Bytes)
            out += step.bytes;
    }
    return out;
}

/** Feeds @p bytes in pseudo-random pieces (seed 0 = all at once) and ends the stream. */
void run(KiroResponseParser &parser, const QByteArray &bytes, quint32 seed = 0, bool finish = true)
{
    if (seed == 0) {
        parser.feed(bytes);
    } else {
        QRandomGenerator rng(seed);
        for (qsizetype pos = 0; pos < bytes.size();) {
            const qsizetype n = qMin<qsizetype>(bytes.size() - pos, 1 + rng.bounded(40));
            parser.feed(bytes.mid(pos, n));
            pos += n;
        }
    }
    if (finish)
        parser.finish();
}

QString finishLine(FinishReason reason)
{
    return u"finish:%1"_s.arg(int(reason));
}

} // namespace

class TstKiroResponseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textStream();
    void splitPointsDoNotChangeEvents_data();
    void splitPointsDoNotChangeEvents();
    void toolCallSplitAcrossFrames();
    void parallelToolCalls();
    void differentIdClosesOpenCall();
    void toolWithoutParameters();
    void shortenedNameMappedBack();
    void truncatedToolCallIsLength();
    void malformedToolJsonIsLength();
    void inputAsObject();
    void strayFragmentAfterStopIgnored();
    void promptTokensFromContextUsage_data();
    void promptTokensFromContextUsage();
    void estimatedPromptWithoutContextUsage();
    void exactTokenUsage_data();
    void exactTokenUsage();
    void creditsSummed();
    void meteringUsageForms_data();
    void meteringUsageForms();
    void contentLengthExceededIsLength();
    void maxTokensStopReasonIsLength();
    void exceptionAfterOutputIsError();
    void exceptionBeforeOutputGoesToEarlyHandler_data();
    void exceptionBeforeOutputGoesToEarlyHandler();
    void earlyHandlerMayDecline();
    void errorMessageType();
    void unknownEventsIgnored();
    void reasoningEvents();
    void reasoningSignatureAndRedacted();
    void thinkingSplit_data();
    void thinkingSplit();
    void corruptStream();
    void truncatedFrameAtEnd();
    void transportFailure();
    void nothingAfterTerminal();
};

void TstKiroResponseParser::textStream()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    int firstOutputCalls = 0;
    parser.setFirstOutputHandler([&] {
        ++firstOutputCalls;
        QVERIFY(sink.events.isEmpty()); // strictly before the first event
    });
    QVERIFY(!parser.hasOutput());
    run(parser, bytesOf(FakeKiroResponse().text(u"Hel"_s).text(u"lo!"_s).closing(0.0897, 10.867)));
    QCOMPARE(sink.events,
             QStringList({ u"text:Hel"_s, u"text:lo!"_s, u"usage"_s, finishLine(FinishReason::Stop) }));
    QCOMPARE(firstOutputCalls, 1);
    QVERIFY(parser.hasOutput());
    QVERIFY(parser.isDone());
    QVERIFY(!sink.events.contains(u"start:"_s)); // onStart is the provider's call
}

void TstKiroResponseParser::splitPointsDoNotChangeEvents_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 seed : { 1u, 7u, 42u, 1234u, 99999u })
        QTest::addRow("seed-%u", seed) << seed;
}

void TstKiroResponseParser::splitPointsDoNotChangeEvents()
{
    QFETCH(quint32, seed);
    const QByteArray stream
        = bytesOf(FakeKiroResponse()
                      .text(u"Let me check. Ünïcødé ✓"_s)
                      .toolUse(u"t1"_s, u"get_weather"_s, { u"{\"city\":"_s, u"\"Paris\"}"_s })
                      .toolUse(u"t2"_s, u"get_time"_s, {})
                      .closing(0.02, 1.3));
    RecordingSink whole;
    KiroResponseParser a(&whole);
    run(a, stream);
    RecordingSink split;
    KiroResponseParser b(&split);
    run(b, stream, seed);
    QCOMPARE(split.events, whole.events);
    QCOMPARE(split.finishReason, std::optional(FinishReason::ToolCalls));
}

void TstKiroResponseParser::toolCallSplitAcrossFrames()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser,
        bytesOf(FakeKiroResponse()
                    .text(u"Let me check."_s)
                    .toolUse(u"tooluse_abc123"_s, u"get_weather"_s, { u"{\"city\":"_s, u"\"Paris\"}"_s })
                    .closing()));
    QCOMPARE(
        sink.events,
        // The call reaches the sink whole, once Kiro closed it: never a fragment of unfinished JSON.
        QStringList({ u"text:Let me check."_s, u"tool:0:tooluse_abc123:get_weather"_s,
                      u"args:0:{\"city\":\"Paris\"}"_s, u"usage"_s, finishLine(FinishReason::ToolCalls) }));
    QCOMPARE(QJsonDocument::fromJson(sink.toolArguments[0].toUtf8()).object().value(u"city"_s).toString(),
             u"Paris"_s);
}

void TstKiroResponseParser::parallelToolCalls()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser,
        bytesOf(FakeKiroResponse()
                    .toolUse(u"a"_s, u"read"_s, { u"{\"path\":\"x\"}"_s })
                    .toolUse(u"b"_s, u"read"_s, { u"{\"path\":"_s, u"\"y\"}"_s })
                    .toolUse(u"c"_s, u"list"_s, { u"{}"_s })
                    .closing()));
    QCOMPARE(sink.toolNames, QStringList({ u"read"_s, u"read"_s, u"list"_s }));
    QCOMPARE(sink.toolArguments, QStringList({ u"{\"path\":\"x\"}"_s, u"{\"path\":\"y\"}"_s, u"{}"_s }));
    QVERIFY(sink.events.contains(u"tool:1:b:read"_s));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::ToolCalls));
}

void TstKiroResponseParser::differentIdClosesOpenCall()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    // No stop:true on the first call; the second id closes it (§3.5 rule 6).
    run(parser,
        bytesOf(FakeKiroResponse()
                    .toolUse(u"a"_s, u"f"_s, { u"{\"n\":1}"_s }, false)
                    .toolUse(u"b"_s, u"g"_s, { u"{\"n\":2}"_s })
                    .closing()));
    QCOMPARE(sink.toolArguments, QStringList({ u"{\"n\":1}"_s, u"{\"n\":2}"_s }));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::ToolCalls));
}

void TstKiroResponseParser::toolWithoutParameters()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, bytesOf(FakeKiroResponse().toolUse(u"t"_s, u"get_time"_s, {}).closing()));
    QCOMPARE(sink.events,
             QStringList({ u"tool:0:t:get_time"_s, u"args:0:{}"_s, u"usage"_s,
                           finishLine(FinishReason::ToolCalls) }));
}

void TstKiroResponseParser::shortenedNameMappedBack()
{
    const QString original = u"mcp__some_server__"_s + QString(70, u'x');
    const QString shortName = u"mcp__short_12345678"_s;
    KiroResponseParserConfig config;
    config.toolNameReverseMap.insert(shortName, original);
    RecordingSink sink;
    KiroResponseParser parser(&sink, config);
    run(parser, bytesOf(FakeKiroResponse().toolUse(u"t"_s, shortName, { u"{}"_s }).closing()));
    QCOMPARE(sink.toolNames, QStringList({ original }));
}

void TstKiroResponseParser::truncatedToolCallIsLength()
{
    // Kiro cuts big tool inputs: no stop:true and no closing events (§2.8).
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser,
        bytesOf(FakeKiroResponse()
                    .text(u"Writing."_s)
                    .toolUse(u"t"_s, u"Write"_s, { u"{\"content\":\"line 1\\n"_s }, false)));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::Length));
    QCOMPARE(sink.terminalCount(), 1);
    // The cut-off call never reaches the client, not even its start: partial JSON is not an answer.
    QCOMPARE(sink.text, u"Writing."_s);
    QVERIFY(sink.toolNames.isEmpty());
    QVERIFY(sink.toolArguments.isEmpty());
}

void TstKiroResponseParser::malformedToolJsonIsLength()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, bytesOf(FakeKiroResponse().toolUse(u"t"_s, u"Write"_s, { u"{\"content\":"_s }).closing()));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::Length));
    QVERIFY(sink.toolNames.isEmpty());
    QVERIFY(sink.toolArguments.isEmpty());
}

void TstKiroResponseParser::inputAsObject()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    FakeKiroResponse r;
    r.event(
        "toolUseEvent",
        { { u"toolUseId"_s, u"t"_s }, { u"name"_s, u"f"_s }, { u"input"_s, QJsonObject { { u"a"_s, 1 } } } });
    r.event("toolUseEvent", { { u"toolUseId"_s, u"t"_s }, { u"name"_s, u"f"_s }, { u"stop"_s, true } });
    run(parser, bytesOf(r.closing()));
    QCOMPARE(sink.toolArguments, QStringList({ u"{\"a\":1}"_s }));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::ToolCalls));
}

void TstKiroResponseParser::strayFragmentAfterStopIgnored()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    FakeKiroResponse r;
    r.toolUse(u"t"_s, u"f"_s, { u"{}"_s });
    r.event("toolUseEvent", { { u"toolUseId"_s, u"t"_s }, { u"name"_s, u"f"_s }, { u"input"_s, u"junk"_s } });
    run(parser, bytesOf(r.closing()));
    QCOMPARE(sink.toolArguments, QStringList({ u"{}"_s }));
    QCOMPARE(sink.events.filter(u"tool:"_s).size(), 1);
}

void TstKiroResponseParser::promptTokensFromContextUsage_data()
{
    QTest::addColumn<int>("window");
    QTest::addColumn<double>("percent");
    QTest::newRow("200k") << 200'000 << 10.0;
    QTest::newRow("1m") << 1'000'000 << 2.5;
    QTest::newRow("tiny-percentage-clamps-at-zero") << 200'000 << 0.0001;
}

void TstKiroResponseParser::promptTokensFromContextUsage()
{
    QFETCH(int, window);
    QFETCH(double, percent);
    KiroResponseParserConfig config;
    config.contextWindowTokens = window;
    config.estimatedPromptTokens = 777;
    RecordingSink sink;
    KiroResponseParser parser(&sink, config);
    const QString answer = u"The answer is forty-two, as everyone knows."_s;
    run(parser, bytesOf(FakeKiroResponse().text(answer).closing(0.01, percent)));
    const int completion = KiroTokenEstimator::estimate(answer);
    QCOMPARE(sink.lastUsage.completionTokens, completion);
    const int total = int(std::llround(percent / 100.0 * window));
    QCOMPARE(sink.lastUsage.promptTokens, qMax(0, total - completion));
    QVERIFY(sink.lastUsage.tokensEstimated);
}

void TstKiroResponseParser::estimatedPromptWithoutContextUsage()
{
    KiroResponseParserConfig config;
    config.estimatedPromptTokens = 321;
    RecordingSink sink;
    KiroResponseParser parser(&sink, config);
    run(parser, bytesOf(FakeKiroResponse().text(u"hi"_s).metering(0.5)));
    QCOMPARE(sink.lastUsage.promptTokens, 321);
}

void TstKiroResponseParser::exactTokenUsage_data()
{
    QTest::addColumn<QByteArray>("tokenUsage");
    QTest::addColumn<int>("prompt");
    QTest::addColumn<int>("cacheRead");
    QTest::addColumn<int>("cacheWrite");
    // promptTokens counts every input token (docs/kiro.md#the-event-stream); the buckets are disjoint and
    // total is their sum.
    QTest::newRow("uncached-only") << QByteArray(
        R"({"uncachedInputTokens":1200,"outputTokens":34,"totalTokens":1234})")
                                   << 1200 << 0 << 0;
    QTest::newRow("cache-read") << QByteArray(
        R"({"uncachedInputTokens":1200,"cacheReadInputTokens":5000,"outputTokens":34,"totalTokens":6234})")
                                << 6200 << 5000 << 0;
    QTest::newRow("cache-read-and-write") << QByteArray(
        R"({"uncachedInputTokens":1200,"cacheReadInputTokens":5000,"cacheWriteInputTokens":300,"outputTokens":34,"totalTokens":6534})")
                                          << 6500 << 5000 << 300;
    QTest::newRow("no-total") << QByteArray(
        R"({"uncachedInputTokens":1200,"cacheWriteInputTokens":300,"outputTokens":34})")
                              << 1500 << 0 << 300;
    // A total that leaves the cache out says the uncached count already holds it: not added twice.
    QTest::newRow("cache-inside-uncached") << QByteArray(
        R"({"uncachedInputTokens":6200,"cacheReadInputTokens":5000,"outputTokens":34,"totalTokens":6234})")
                                           << 6200 << 5000 << 0;
}

void TstKiroResponseParser::exactTokenUsage()
{
    QFETCH(QByteArray, tokenUsage);
    QFETCH(int, prompt);
    QFETCH(int, cacheRead);
    QFETCH(int, cacheWrite);
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    FakeKiroResponse r;
    r.text(u"hi"_s);
    r.event("metadataEvent", { { u"tokenUsage"_s, QJsonDocument::fromJson(tokenUsage).object() } });
    run(parser, bytesOf(r.contextUsage(50.0)));
    QCOMPARE(sink.lastUsage.promptTokens, prompt);
    QCOMPARE(sink.lastUsage.cacheReadTokens, cacheRead);
    QCOMPARE(sink.lastUsage.cacheWriteTokens, cacheWrite);
    QCOMPARE(sink.lastUsage.completionTokens, 34);
    QVERIFY(!sink.lastUsage.tokensEstimated);
}

void TstKiroResponseParser::creditsSummed()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, bytesOf(FakeKiroResponse().text(u"x"_s).metering(0.17618616013267).metering(0.011)));
    QVERIFY(sink.lastUsage.hasCredits);
    QCOMPARE(sink.lastUsage.credits, 0.17618616013267 + 0.011);

    RecordingSink none;
    KiroResponseParser noMetering(&none);
    run(noMetering, bytesOf(FakeKiroResponse().text(u"x"_s)));
    QVERIFY(!none.lastUsage.hasCredits);
}

void TstKiroResponseParser::meteringUsageForms_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("metered");
    QTest::addColumn<double>("credits");
    QTest::newRow("number") << QByteArray(R"({"unit":"credit","unitPlural":"credits","usage":0.0897})")
                            << true << 0.0897;
    QTest::newRow("integer") << QByteArray(R"({"usage":2})") << true << 2.0;
    QTest::newRow("numeric-string") << QByteArray(R"({"usage":" 0.25"})") << true << 0.25;
    QTest::newRow("object-value") << QByteArray(R"({"usage":{"value":0.5,"unit":"credit"}})") << true << 0.5;
    QTest::newRow("object-credits") << QByteArray(R"({"usage":{"credits":"1.5"}})") << true << 1.5;
    QTest::newRow("not-a-number") << QByteArray(R"({"usage":"n/a"})") << false << 0.0;
    QTest::newRow("absent") << QByteArray(R"({"unit":"credit"})") << false << 0.0;
}

void TstKiroResponseParser::meteringUsageForms()
{
    QFETCH(QByteArray, payload);
    QFETCH(bool, metered);
    QFETCH(double, credits);
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser,
        bytesOf(FakeKiroResponse().text(u"x"_s)) + EventStreamEncoder::event("meteringEvent", payload));
    QCOMPARE(sink.lastUsage.hasCredits, metered);
    QCOMPARE(sink.lastUsage.credits, credits);
}

void TstKiroResponseParser::contentLengthExceededIsLength()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    // More bytes (half a frame) behind the exception in the same chunk must not turn it into an error.
    const QByteArray trailing = EventStreamEncoder::event("meteringEvent", R"({"usage":0.1})");
    run(parser,
        bytesOf(FakeKiroResponse()
                    .text(u"partial"_s)
                    .exception("ContentLengthExceededException", R"({"message":"Response too long"})"))
            + trailing.left(10),
        0, false);
    QCOMPARE(sink.events, QStringList({ u"text:partial"_s, u"usage"_s, finishLine(FinishReason::Length) }));
    QVERIFY(parser.isDone());
    parser.finish(); // the body's end after the exception changes nothing
    QCOMPARE(sink.terminalCount(), 1);
}

void TstKiroResponseParser::maxTokensStopReasonIsLength()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, bytesOf(FakeKiroResponse().text(u"long"_s).stopReason(u"MAX_TOKENS"_s).metering(0.1)));
    QCOMPARE(sink.finishReason, std::optional(FinishReason::Length));
}

void TstKiroResponseParser::exceptionAfterOutputIsError()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    bool earlyCalled = false;
    parser.setEarlyErrorHandler([&](const KiroErrorClassification &) { return earlyCalled = true; });
    run(parser,
        bytesOf(FakeKiroResponse()
                    .text(u"partial"_s)
                    .metering(0.05)
                    .exception("error",
                               R"({"message":"Model overloaded","reason":"MODEL_TEMPORARILY_UNAVAILABLE"})")),
        0, false);
    QVERIFY(!earlyCalled); // output went out: too late to fail over
    QCOMPARE(sink.events,
             QStringList({ u"text:partial"_s, u"usage"_s,
                           u"error:%1"_s.arg(int(ProviderErrorKind::UpstreamError)) }));
    QVERIFY(sink.error->message.contains(u"Model overloaded"_s));
    QVERIFY(parser.streamError());
    QCOMPARE(parser.streamError()->kind, KiroErrorKind::Transient);
    QCOMPARE(sink.lastUsage.credits, 0.05);
}

void TstKiroResponseParser::exceptionBeforeOutputGoesToEarlyHandler_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("kind");
    QTest::newRow("throttling") << QByteArray("ThrottlingException")
                                << QByteArray(
                                       R"({"message":"Too many requests, please wait before trying again."})")
                                << int(KiroErrorKind::Throttled);
    QTest::newRow("internal") << QByteArray("error") << QByteArray(R"({"message":"oops","reason":null})")
                              << int(KiroErrorKind::Transient);
    QTest::newRow("validation") << QByteArray("ValidationException")
                                << QByteArray(R"({"message":"Improperly formed request.","reason":null})")
                                << int(KiroErrorKind::ClientError);
    QTest::newRow("plain-text-payload")
        << QByteArray("AccessDeniedException") << QByteArray("Your User ID (x) temporarily is suspended.")
        << int(KiroErrorKind::Suspended);
    QTest::newRow("model-capacity")
        << QByteArray("ThrottlingException")
        << QByteArray(R"({"message":"High traffic","reason":"INSUFFICIENT_MODEL_CAPACITY"})")
        << int(KiroErrorKind::ModelCapacity);
}

void TstKiroResponseParser::exceptionBeforeOutputGoesToEarlyHandler()
{
    QFETCH(QByteArray, type);
    QFETCH(QByteArray, payload);
    QFETCH(int, kind);
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    std::optional<KiroErrorClassification> seen;
    parser.setEarlyErrorHandler([&](const KiroErrorClassification &c) {
        seen = c;
        return true;
    });
    run(parser, EventStreamEncoder::exception(type, payload));
    QVERIFY(seen);
    QCOMPARE(int(seen->kind), kind);
    QVERIFY(sink.events.isEmpty()); // the provider took over; the sink never heard of it
    QVERIFY(parser.isDone());
    QVERIFY(!parser.hasOutput());
}

void TstKiroResponseParser::earlyHandlerMayDecline()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    parser.setEarlyErrorHandler([](const KiroErrorClassification &) { return false; });
    run(parser,
        EventStreamEncoder::exception(
            "ValidationException",
            R"({"message":"Input is too long.","reason":"CONTENT_LENGTH_EXCEEDS_THRESHOLD"})"));
    QCOMPARE(sink.events, QStringList({ u"error:%1"_s.arg(int(ProviderErrorKind::ContextTooLong)) }));
}

void TstKiroResponseParser::errorMessageType()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser,
        bytesOf(FakeKiroResponse().text(u"a"_s)) + EventStreamEncoder::error("InternalFailure", "broke"));
    QVERIFY(sink.error);
    QVERIFY(sink.error->message.contains(u"broke"_s));
    QCOMPARE(sink.terminalCount(), 1);
}

void TstKiroResponseParser::unknownEventsIgnored()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    FakeKiroResponse r;
    r.event("messageMetadataEvent", { { u"conversationId"_s, u"c"_s } });
    r.event("someFutureEvent", { { u"content"_s, u"nope"_s } });
    r.event("citationEvent", { { u"citationText"_s, u"x"_s } });
    r.event("assistantResponseEvent",
            { { u"content"_s, u"follow me"_s },
              { u"followupPrompt"_s, QJsonObject { { u"content"_s, u"?"_s } } } });
    r.raw(EventStreamEncoder::event("assistantResponseEvent", "not json at all"));
    r.text(u"real"_s);
    run(parser, bytesOf(r.closing()));
    QCOMPARE(sink.events, QStringList({ u"text:real"_s, u"usage"_s, finishLine(FinishReason::Stop) }));
}

void TstKiroResponseParser::reasoningEvents()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser,
        bytesOf(FakeKiroResponse().reasoning(u"hmm"_s).reasoning(u" ok"_s).text(u"done"_s).closing()));
    QCOMPARE(sink.events,
             QStringList({ u"reasoning:hmm"_s, u"reasoning: ok"_s, u"text:done"_s, u"usage"_s,
                           finishLine(FinishReason::Stop) }));
}

void TstKiroResponseParser::reasoningSignatureAndRedacted()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    bool firstOutput = false;
    parser.setFirstOutputHandler([&] { firstOutput = true; });
    // Each frame carries one form: text, the signature of the text before it, or withheld reasoning.
    run(parser,
        bytesOf(FakeKiroResponse()
                    .reasoningSignature(u"sig-0"_s)
                    .reasoning(u"hmm"_s)
                    .reasoningSignature(u"sig-1"_s)
                    .redactedReasoning("secret")
                    .text(u"done"_s)
                    .closing()));
    QVERIFY(firstOutput);
    QCOMPARE(sink.events,
             QStringList({ u"signature:sig-0"_s, u"reasoning:hmm"_s, u"signature:sig-1"_s,
                           u"redacted:"_s + QString::fromLatin1(QByteArray("secret").toBase64()),
                           u"text:done"_s, u"usage"_s, finishLine(FinishReason::Stop) }));
}

void TstKiroResponseParser::thinkingSplit_data()
{
    QTest::addColumn<QString>("answer");
    QTest::addColumn<QString>("reasoning");
    QTest::addColumn<QString>("text");
    QTest::newRow("block-then-answer")
        << u"<thinking>step 1\nstep 2</thinking>\n\nThe answer."_s << u"step 1\nstep 2"_s << u"The answer."_s;
    QTest::newRow("leading-whitespace") << u"\n <thinking>x</thinking>y"_s << u"x"_s << u"y"_s;
    QTest::newRow("no-block") << u"Just text <thinking>not reasoning</thinking>"_s << QString()
                              << u"Just text <thinking>not reasoning</thinking>"_s;
    QTest::newRow("lookalike-prefix") << u"<think about it>"_s << QString() << u"<think about it>"_s;
    QTest::newRow("unterminated") << u"<thinking>cut off"_s << u"cut off"_s << QString();
    QTest::newRow("close-tag-lookalike")
        << u"<thinking>a </thinkin b</thinking>c"_s << u"a </thinkin b"_s << u"c"_s;
    QTest::newRow("only-tag-prefix") << u"<thin"_s << QString() << u"<thin"_s;
}

void TstKiroResponseParser::thinkingSplit()
{
    QFETCH(QString, answer);
    QFETCH(QString, reasoning);
    QFETCH(QString, text);
    // Every character its own delta: tags are cut at every possible point.
    for (int chunk : { 1, 2, 3, 5, 1000 }) {
        KiroResponseParserConfig config;
        config.splitThinking = true;
        RecordingSink sink;
        KiroResponseParser parser(&sink, config);
        FakeKiroResponse r;
        for (qsizetype i = 0; i < answer.size(); i += chunk)
            r.text(answer.mid(i, chunk));
        run(parser, bytesOf(r.closing()));
        QCOMPARE(sink.reasoning, reasoning);
        QCOMPARE(sink.text, text);
        QCOMPARE(sink.finishReason, std::optional(FinishReason::Stop));
    }
}

void TstKiroResponseParser::corruptStream()
{
    QByteArray stream = bytesOf(FakeKiroResponse().text(u"ok"_s).text(u"bad"_s));
    stream[stream.size() - 6] = char(stream[stream.size() - 6] ^ 0x20);
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, stream);
    QCOMPARE(sink.events.first(), u"text:ok"_s);
    QVERIFY(sink.error);
    QCOMPARE(sink.error->kind, ProviderErrorKind::UpstreamError);
    QCOMPARE(sink.terminalCount(), 1);

    // Corrupt from the first byte: nothing went out, so the provider may still fail over.
    RecordingSink early;
    KiroResponseParser earlyParser(&early);
    bool handled = false;
    earlyParser.setEarlyErrorHandler([&](const KiroErrorClassification &c) {
        handled = c.kind == KiroErrorKind::Transient;
        return true;
    });
    run(earlyParser, QByteArray(32, 'x'));
    QVERIFY(handled);
    QVERIFY(early.events.isEmpty());
}

void TstKiroResponseParser::truncatedFrameAtEnd()
{
    const QByteArray stream = bytesOf(FakeKiroResponse().text(u"ok"_s).text(u"more"_s));
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, stream.left(stream.size() - 5));
    QCOMPARE(sink.text, u"ok"_s);
    QVERIFY(sink.error);
    QVERIFY(sink.error->message.contains(u"inside an event frame"_s));
}

void TstKiroResponseParser::transportFailure()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, bytesOf(FakeKiroResponse().text(u"a"_s)), 0, false);
    parser.fail({ ProviderErrorKind::UpstreamTimeout, u"timed out"_s, 0 });
    QCOMPARE(
        sink.events,
        QStringList({ u"text:a"_s, u"usage"_s, u"error:%1"_s.arg(int(ProviderErrorKind::UpstreamTimeout)) }));
    parser.finish();
    parser.fail({ ProviderErrorKind::Internal, u"again"_s, 0 });
    QCOMPARE(sink.terminalCount(), 1);
}

void TstKiroResponseParser::nothingAfterTerminal()
{
    RecordingSink sink;
    KiroResponseParser parser(&sink);
    run(parser, bytesOf(FakeKiroResponse().text(u"a"_s).closing()));
    const QStringList before = sink.events;
    parser.feed(bytesOf(FakeKiroResponse().text(u"late"_s)));
    parser.handleFrame(
        EventStreamFrame { "event", "assistantResponseEvent", {}, {}, {}, {}, R"({"content":"x"})", {} });
    parser.finish();
    QCOMPARE(sink.events, before);
}

QTEST_GUILESS_MAIN(TstKiroResponseParser)
#include "tst_kiroresponseparser.moc"
