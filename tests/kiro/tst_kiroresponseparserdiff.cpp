// SPDX-License-Identifier: MIT
#include <QRandomGenerator>
#include <QTest>

#include "server/kiro/eventstreamencoder.h"
#include "server/kiro/kiroresponseparser.h"
#include "tests/fakekiro/fakekiroresponse.h"
#include "tests/kiro/legacykiroresponseparser.h"
#include "tests/kiro/randomkiropayload.h"
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

/** Everything a parser told its sink, one line per event, usage and error in full. */
QStringList transcript(const RecordingSink &sink)
{
    QStringList lines = sink.events;
    const Usage &u = sink.lastUsage;
    lines << u"usage %1 %2 %3 %4 %5 %6 %7"_s.arg(u.promptTokens)
                 .arg(u.completionTokens)
                 .arg(u.cacheReadTokens)
                 .arg(u.cacheWriteTokens)
                 .arg(u.tokensEstimated)
                 .arg(u.credits, 0, 'g', 17)
                 .arg(u.hasCredits);
    if (sink.error)
        lines << u"error %1 %2"_s.arg(int(sink.error->kind)).arg(sink.error->message);
    return lines;
}

/**
 * Feeds @p bytes to the parser and to its predecessor under the same random schedule and returns both
 * transcripts (new, old).
 */
std::pair<QStringList, QStringList> runBoth(const QByteArray &bytes, const KiroResponseParserConfig &config,
                                            quint32 seed, bool finish)
{
    RecordingSink newSink;
    RecordingSink oldSink;
    KiroResponseParser parser(&newSink, config);
    LegacyKiroResponseParser oracle(&oldSink, config);
    QRandomGenerator rng(seed);
    for (qsizetype pos = 0; pos < bytes.size();) {
        const qsizetype n = qMin<qsizetype>(bytes.size() - pos, 1 + rng.bounded(300));
        const QByteArray piece = bytes.mid(pos, n);
        parser.feed(piece);
        oracle.feed(piece);
        pos += n;
    }
    if (finish) {
        parser.finish();
        oracle.finish();
    }
    QStringList a = transcript(newSink);
    QStringList b = transcript(oldSink);
    a << u"done %1 output %2"_s.arg(parser.isDone()).arg(parser.hasOutput());
    b << u"done %1 output %2"_s.arg(oracle.isDone()).arg(oracle.hasOutput());
    return { a, b };
}

QString firstDifference(const QStringList &a, const QStringList &b)
{
    for (qsizetype i = 0; i < qMax(a.size(), b.size()); ++i) {
        const QString x = i < a.size() ? a[i] : u"<none>"_s;
        const QString y = i < b.size() ? b[i] : u"<none>"_s;
        if (x != y)
            return u"line %1: new %2 / old %3"_s.arg(i).arg(x, y);
    }
    return {};
}

QByteArray frame(QByteArrayView eventType, const QByteArray &payload)
{
    return EventStreamEncoder::event(eventType, payload);
}

/**
 * A number as Kiro writes it (a fraction below @p scale / 97) or, one time in three, one of the forms the
 * flat reader refuses or reads specially: negative zero, exponents, 64-bit integers, overflow, underflow,
 * subnormals, lax forms, numeric and other strings, booleans, null, the object form of usage.
 */
QByteArray oddNumber(RandomKiroPayload &gen, int scale)
{
    static const QByteArray odd[] = {
        "-0",         "0",        "-0.0",      "1e2",  "1.5E-3", "12345678901234567",
        "1e400",      "4.9e-324", "1e-400",    "01",   "1.",     "-",
        "\" 0.25 \"", "\"x\"",    "\"1e999\"", "true", "null",   "{\"value\":0.5}",
        "2.675e-1",   "100",      "-3.25",
    };
    if (gen.pick(3) != 0)
        return QByteArray::number(gen.pick(scale) / 97.0, 'g', 17);
    return odd[gen.pick(int(std::size(odd)))];
}

/** A random Kiro stream: mostly text frames, with reasoning, tool fragments, usage and odd events mixed in.
 */
QByteArray randomStream(quint32 seed)
{
    RandomKiroPayload gen(seed);
    static const QByteArray ids[] = { "tooluse_a", "tooluse_b", "" };
    QByteArray out;
    const int frames = 1 + gen.pick(30);
    for (int i = 0; i < frames; ++i) {
        const int kind = gen.pick(100);
        if (kind < 35) {
            out += frame("assistantResponseEvent", "{\"content\":\"" + gen.stringBody() + "\"}");
        } else if (kind < 50) {
            out += frame("assistantResponseEvent", gen.payload());
        } else if (kind < 58) {
            out += frame("reasoningContentEvent",
                         gen.pick(3) ? "{\"text\":\"" + gen.stringBody() + "\"}" : gen.payload());
        } else if (kind < 72) {
            const QByteArray id = ids[gen.pick(3)];
            QByteArray p = "{\"toolUseId\":\"" + id + "\",\"name\":\"short_" + QByteArray::number(gen.pick(2))
                + "\",\"input\":\"" + gen.stringBody() + "\"";
            if (gen.pick(3) == 0)
                p += ",\"stop\":true";
            p += '}';
            out += frame("toolUseEvent", gen.pick(4) ? p : gen.payload());
        } else if (kind < 76) {
            out += frame(
                "toolUseEvent",
                R"({"toolUseId":"tooluse_o","name":"o","input":{"city":"Paris","n":1},"stop":true})");
        } else if (kind < 80) {
            out += frame("meteringEvent", "{\"unit\":\"credit\",\"usage\":" + oddNumber(gen, 1000) + "}");
        } else if (kind < 84) {
            out += frame("contextUsageEvent", "{\"contextUsagePercentage\":" + oddNumber(gen, 12000) + "}");
        } else if (kind < 88) {
            out += frame(
                "metadataEvent",
                u"{\"tokenUsage\":{\"uncachedInputTokens\":%1,\"outputTokens\":%2,\"totalTokens\":%3}}"_s
                    .arg(gen.pick(500))
                    .arg(gen.pick(500))
                    .arg(gen.pick(1000))
                    .toUtf8());
        } else if (kind < 94) {
            static const QByteArray others[]
                = { "followupPromptEvent", "codeReferenceEvent", "messageMetadataEvent", "someNewEvent" };
            out += frame(others[gen.pick(4)], gen.payload());
        } else if (kind < 97) {
            out += frame("invalidStateEvent", gen.payload());
        } else {
            out += EventStreamEncoder::exception(gen.pick(2) ? "ThrottlingException"
                                                             : "ContentLengthExceededException",
                                                 R"({"message":"stop"})");
        }
    }
    return out;
}

} // namespace

class TstKiroResponseParserDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fixturesMatchTheOldParser_data();
    void fixturesMatchTheOldParser();
    void randomStreamsMatchTheOldParser();
};

void TstKiroResponseParserDiff::fixturesMatchTheOldParser_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("splitThinking");
    QTest::newRow("ok") << bytesOf(FakeKiroResponse::ok(u"Hello, wörld → 中文 😀 \"quoted\"\n\ttab"_s))
                        << false;
    QTest::newRow("tool call") << bytesOf(
        FakeKiroResponse()
            .text(u"Let me check."_s)
            .toolUse(u"tooluse_1"_s, u"short_0"_s, { u"{\"city\": "_s, u"\"Par"_s, u"is\"}"_s })
            .toolUse(u"tooluse_2"_s, u"short_1"_s, {})
            .closing()) << false;
    QTest::newRow("cut tool call") << bytesOf(
        FakeKiroResponse().toolUse(u"tooluse_1"_s, u"short_0"_s, { u"{\"city\""_s }, false))
                                   << false;
    QTest::newRow("reasoning") << bytesOf(FakeKiroResponse()
                                              .reasoning(u"Think \\ about it"_s)
                                              .reasoningSignature(u"c2ln"_s)
                                              .redactedReasoning("secret")
                                              .text(u"Answer"_s)
                                              .tokenUsage(10, 20, 3, 4)
                                              .closing())
                               << false;
    QTest::newRow("thinking split") << bytesOf(FakeKiroResponse()
                                                   .text(u"<think"_s)
                                                   .text(u"ing>plan</thi"_s)
                                                   .text(u"nking>\n\nThe answer"_s)
                                                   .stopReason(u"MAX_TOKENS"_s)
                                                   .contextUsage(42.5)
                                                   .metering(0.25))
                                    << true;
    QTest::newRow("throttled") << bytesOf(FakeKiroResponse::throttled()) << false;
    QTest::newRow("content length") << bytesOf(
        FakeKiroResponse()
            .text(u"partial"_s)
            .exception("ContentLengthExceededException", R"({"message":"too long"})"))
                                    << false;
}

void TstKiroResponseParserDiff::fixturesMatchTheOldParser()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, splitThinking);
    KiroResponseParserConfig config;
    config.splitThinking = splitThinking;
    config.toolNameReverseMap.insert(u"short_0"_s, u"get_the_weather_of_a_city"_s);
    for (quint32 seed = 1; seed <= 50; ++seed) {
        const auto [now, before] = runBoth(bytes, config, seed, true);
        QVERIFY2(now == before, qPrintable(u"seed %1: %2"_s.arg(seed).arg(firstDifference(now, before))));
        QVERIFY(now.size() > 2);
    }
}

void TstKiroResponseParserDiff::randomStreamsMatchTheOldParser()
{
    constexpr quint32 seeds = 3000;
    qsizetype events = 0;
    for (quint32 seed = 1; seed <= seeds; ++seed) {
        KiroResponseParserConfig config;
        config.splitThinking = seed % 3 == 0;
        config.estimatedPromptTokens = 17;
        config.toolNameReverseMap.insert(u"short_0"_s, u"get_the_weather_of_a_city"_s);
        const QByteArray bytes = randomStream(seed);
        const auto [now, before] = runBoth(bytes, config, seed, seed % 7 != 0);
        QVERIFY2(now == before, qPrintable(u"seed %1: %2"_s.arg(seed).arg(firstDifference(now, before))));
        events += now.size();
    }
    qInfo("%u random streams, %lld sink events, identical", seeds, qlonglong(events));
}

QTEST_GUILESS_MAIN(TstKiroResponseParserDiff)
#include "tst_kiroresponseparserdiff.moc"
