// SPDX-License-Identifier: MIT
#include <cstring>

#include <QRandomGenerator>
#include <QTest>
#include <QtEndian>

#include "server/kiro/crc32.h"
#include "server/kiro/eventstreamdecoder.h"
#include "server/kiro/eventstreamencoder.h"
#include "tests/kiro/legacyeventstreamdecoder.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

QByteArray bigEndian32(quint32 v)
{
    char b[4];
    qToBigEndian<quint32>(v, b);
    return QByteArray(b, 4);
}

// Assembles a frame from raw header bytes so tests can produce header encodings the encoder never would.
QByteArray rawFrame(const QByteArray &headerBytes, const QByteArray &payload)
{
    QByteArray out = bigEndian32(quint32(16 + headerBytes.size() + payload.size()))
        + bigEndian32(quint32(headerBytes.size()));
    out += bigEndian32(Crc32::compute(out.constData(), 8));
    out += headerBytes + payload;
    out += bigEndian32(Crc32::compute(out.constData(), out.size()));
    return out;
}

QByteArray preludeOnly(quint32 total, quint32 headersLength)
{
    QByteArray out = bigEndian32(total) + bigEndian32(headersLength);
    out += bigEndian32(Crc32::compute(out.constData(), 8));
    return out;
}

/**
 * Seeded random frames for the differential test: every header type, the lifted names and near misses
 * (other sizes, other cases, non-string types), known, unknown and empty values, repeated headers, and now
 * and then a malformed header block or a corrupted byte.
 */
QByteArray randomFrames(QRandomGenerator &rng)
{
    static const QByteArray names[] = {
        ":message-type", ":event-type", ":exception-type", ":content-type", ":error-code", ":error-message",
        ":event-typf",   ":EVENT-type", ":message-types",  "event-type",    ":other",      ":error-messag",
    };
    static const QByteArray values[] = {
        "event",
        "exception",
        "error",
        "assistantResponseEvent",
        "toolUseEvent",
        "meteringEvent",
        "contextUsageEvent",
        "intentsEvent",
        "application/json",
        "",
        "application/jsonx",
        "ThrottlingException",
    };
    QByteArray stream;
    QByteArray previous;
    const int frames = 1 + int(rng.bounded(20));
    for (int f = 0; f < frames; ++f) {
        QByteArray headers;
        // Half the frames repeat the header block before them, as runs of Kiro's text frames do.
        const int count = rng.bounded(2) ? -1 : int(rng.bounded(7));
        if (count < 0)
            headers = previous;
        for (int h = 0; h < count; ++h) {
            const QByteArray &name = names[rng.bounded(int(std::size(names)))];
            headers += char(name.size()) + name;
            const int type = rng.bounded(4) ? 7 : int(rng.bounded(10));
            headers += char(type);
            static constexpr int fixed[] = { 0, 0, 1, 2, 4, 8, -1, -1, 8, 16 };
            if (fixed[type] >= 0) {
                for (int k = 0; k < fixed[type]; ++k)
                    headers += char(rng.bounded(256));
                continue;
            }
            QByteArray value = values[rng.bounded(int(std::size(values)))];
            if (rng.bounded(5) == 0) {
                value = QByteArray(int(rng.bounded(30)), Qt::Uninitialized);
                for (char &c : value)
                    c = char(0x20 + rng.bounded(0x5f));
            }
            if (rng.bounded(30) == 0)
                value = QByteArray(600, 'v'); // a block too large for the decoder to remember
            char length[2];
            qToBigEndian<quint16>(quint16(value.size()), length);
            headers += QByteArray(length, 2) + value;
        }
        previous = headers;
        if (rng.bounded(40) == 0 && !headers.isEmpty()) {
            // Malformed: cut inside a header, a zero-length name, or an unknown value type.
            switch (rng.bounded(3)) {
            case 0:
                headers.chop(1 + rng.bounded(int(headers.size())));
                break;
            case 1:
                headers[0] = 0;
                break;
            default:
                headers += QByteArray("\x01x\x0a", 3);
                break;
            }
        }
        QByteArray payload(int(rng.bounded(4) ? rng.bounded(400) : rng.bounded(3000)), Qt::Uninitialized);
        for (char &c : payload)
            c = char(rng.bounded(256));
        QByteArray frame = rawFrame(headers, payload);
        if (rng.bounded(60) == 0)
            frame[rng.bounded(int(frame.size()))] ^= char(1 + rng.bounded(255));
        stream += frame;
    }
    return stream;
}

/** Empty when the two frames hold the same, else the first field that differs. */
QString frameDifference(const EventStreamFrame &a, const EventStreamFrame &b)
{
    const std::pair<const char *, std::pair<const QByteArray *, const QByteArray *>> fields[] = {
        { "messageType", { &a.messageType, &b.messageType } },
        { "eventType", { &a.eventType, &b.eventType } },
        { "exceptionType", { &a.exceptionType, &b.exceptionType } },
        { "contentType", { &a.contentType, &b.contentType } },
        { "errorCode", { &a.errorCode, &b.errorCode } },
        { "errorMessage", { &a.errorMessage, &b.errorMessage } },
        { "payload", { &a.payload, &b.payload } },
    };
    for (const auto &[name, pair] : fields) {
        if (*pair.first != *pair.second || pair.first->isNull() != pair.second->isNull())
            return QStringLiteral("%1: %2 / %3")
                .arg(QLatin1StringView(name), QString::fromLatin1(pair.first->toHex()),
                     QString::fromLatin1(pair.second->toHex()));
    }
    if (a.headers.size() != b.headers.size())
        return QStringLiteral("%1 headers / %2").arg(a.headers.size()).arg(b.headers.size());
    for (size_t i = 0; i < a.headers.size(); ++i) {
        const EventStreamHeader &x = a.headers[i];
        const EventStreamHeader &y = b.headers[i];
        if (x.name != y.name || x.type != y.type || x.integer != y.integer || x.bytes != y.bytes)
            return QStringLiteral("header %1 (%2) differs").arg(i).arg(QString::fromLatin1(x.name));
    }
    return {};
}

struct Expected
{
    QByteArray eventType;
    QByteArray payload;
};

// A stream mixing tiny, empty and large payloads so split points land in every part of a frame.
// (No raw strings ending in a quote here: moc 6.4 mis-tokenizes them and silently drops the test class.)
std::vector<Expected> sampleEvents()
{
    std::vector<Expected> events;
    events.push_back({ "assistantResponseEvent", R"({"content":"Hello"})" });
    events.push_back({ "dryRunSucceedEvent", {} });
    events.push_back({ "toolUseEvent", R"({"name":"get_weather","toolUseId":"t1","input":"{\"city\":"})" });
    QByteArray big(100 * 1024, 'x');
    events.push_back({ "assistantResponseEvent", "{\"content\":\"" + big + "\"}" });
    events.push_back({ "meteringEvent", R"({"unit":"credit","unitPlural":"credits","usage":0.0897})" });
    for (int i = 0; i < 20; ++i)
        events.push_back({ "assistantResponseEvent", "{\"content\":\"" + QByteArray::number(i) + "\"}" });
    return events;
}

QByteArray encodeAll(const std::vector<Expected> &events)
{
    QByteArray stream;
    for (const auto &e : events)
        stream += EventStreamEncoder::event(e.eventType, e.payload);
    return stream;
}

std::vector<EventStreamFrame> drain(EventStreamDecoder &decoder)
{
    std::vector<EventStreamFrame> frames;
    while (auto frame = decoder.next())
        frames.push_back(std::move(*frame));
    return frames;
}

} // namespace

class TstEventStreamDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void crcCheckValue();
    void singleEvent();
    void exceptionAndErrorFrames();
    void allHeaderTypes();
    void randomSplits_data();
    void randomSplits();
    void byteByByte();
    void sharedChunks();
    void borrowedBufferReusedBetweenReads_data();
    void borrowedBufferReusedBetweenReads();
    void corruption_data();
    void corruption();
    void framesBeforeCorruptionSurvive();
    void oversizedFrameRejectedFromPrelude();
    void oversizedFrameWithSmallCap();
    void malformedHeaders_data();
    void malformedHeaders();
    void truncatedStreamLeavesBufferedBytes();
    void unknownEventTypePassesThrough();
    void resetClearsError();
    void reusedFrameMatchesFreshFrames();
    void randomStreamsMatchTheOldDecoder();
};

void TstEventStreamDecoder::crcCheckValue()
{
    QCOMPARE(Crc32::compute("123456789", 9), 0xCBF43926u);
    // Incremental use must equal one pass; the decoder relies on the seed form nowhere, the encoder might.
    QCOMPARE(Crc32::compute("6789", 4, Crc32::compute("12345", 5)), 0xCBF43926u);
    QCOMPARE(Crc32::compute("", 0), 0u);
}

void TstEventStreamDecoder::singleEvent()
{
    EventStreamDecoder decoder;
    decoder.feed(EventStreamEncoder::event("assistantResponseEvent", R"({"content":"Hi"})"));
    auto frame = decoder.next();
    QVERIFY(frame);
    QCOMPARE(frame->messageType, QByteArray("event"));
    QCOMPARE(frame->eventType, QByteArray("assistantResponseEvent"));
    QCOMPARE(frame->contentType, QByteArray("application/json"));
    QVERIFY(frame->exceptionType.isEmpty());
    QCOMPARE(frame->payload, QByteArray(R"({"content":"Hi"})"));
    QVERIFY(frame->headers.empty()); // only kept on request
    QVERIFY(!decoder.next());
    QVERIFY(!decoder.hasError());
    QCOMPARE(decoder.bufferedBytes(), 0);
}

void TstEventStreamDecoder::exceptionAndErrorFrames()
{
    EventStreamDecoder decoder;
    decoder.feed(EventStreamEncoder::exception("ContentLengthExceededException", R"({"message":"too long"})")
                 + EventStreamEncoder::error("InternalFailure", "boom"));
    auto ex = decoder.next();
    QVERIFY(ex);
    QCOMPARE(ex->messageType, QByteArray("exception"));
    QCOMPARE(ex->exceptionType, QByteArray("ContentLengthExceededException"));
    QCOMPARE(ex->payload, QByteArray(R"({"message":"too long"})"));
    auto err = decoder.next();
    QVERIFY(err);
    QCOMPARE(err->messageType, QByteArray("error"));
    QCOMPARE(err->errorCode, QByteArray("InternalFailure"));
    QCOMPARE(err->errorMessage, QByteArray("boom"));
    QVERIFY(err->payload.isEmpty());
}

void TstEventStreamDecoder::allHeaderTypes()
{
    using Type = EventStreamHeader::Type;
    const QByteArray uuid = QByteArray::fromHex("00112233445566778899aabbccddeeff");
    std::vector<EventStreamHeader> headers = {
        { "t", Type::BoolTrue, 0, {} },
        { "f", Type::BoolFalse, 0, {} },
        { "byte", Type::Byte, -5, {} },
        { "short", Type::Short, -1234, {} },
        { "int", Type::Int, 0x12345678, {} },
        { "long", Type::Long, -0x123456789ALL, {} },
        { "bytes", Type::ByteArray, 0, QByteArray("\x00\x01\xff", 3) },
        { ":event-type", Type::String, 0, "toolUseEvent" },
        { "ts", Type::Timestamp, 1'780'000'000'123LL, {} },
        { "id", Type::Uuid, 0, uuid },
        { ":message-type", Type::String, 0, "event" },
    };
    EventStreamDecoder decoder;
    decoder.setKeepAllHeaders(true);
    decoder.feed(EventStreamEncoder::encode(headers, "{}"));
    auto frame = decoder.next();
    QVERIFY2(frame, qPrintable(decoder.errorString()));
    QCOMPARE(frame->eventType, QByteArray("toolUseEvent"));
    QCOMPARE(frame->messageType, QByteArray("event"));
    QCOMPARE(frame->payload, QByteArray("{}"));
    QCOMPARE(frame->headers.size(), headers.size());
    for (size_t i = 0; i < headers.size(); ++i) {
        const auto &want = headers[i];
        const auto &got = frame->headers[i];
        QCOMPARE(got.name, want.name);
        QCOMPARE(int(got.type), int(want.type));
        if (want.type == Type::BoolTrue)
            QCOMPARE(got.integer, 1);
        else
            QCOMPARE(got.integer, want.integer);
        QCOMPARE(got.bytes, want.bytes);
    }
}

void TstEventStreamDecoder::randomSplits_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("maxChunk");
    QTest::newRow("seed1-small-chunks") << 1u << 7;
    QTest::newRow("seed2-medium-chunks") << 2u << 97;
    QTest::newRow("seed3-large-chunks") << 3u << 4096;
    QTest::newRow("seed4-huge-chunks") << 4u << 70000;
    QTest::newRow("seed5-mixed") << 5u << 300;
}

void TstEventStreamDecoder::randomSplits()
{
    QFETCH(quint32, seed);
    QFETCH(int, maxChunk);
    const auto events = sampleEvents();
    const QByteArray stream = encodeAll(events);
    QRandomGenerator rng(seed);

    EventStreamDecoder decoder;
    std::vector<EventStreamFrame> frames;
    qsizetype pos = 0;
    bool useByteArrayOverload = false;
    while (pos < stream.size()) {
        const qsizetype n = qMin<qsizetype>(stream.size() - pos, 1 + rng.bounded(maxChunk));
        if (useByteArrayOverload)
            decoder.feed(stream.mid(pos, n));
        else
            decoder.feed(stream.constData() + pos, n);
        useByteArrayOverload = !useByteArrayOverload;
        pos += n;
        for (auto &f : drain(decoder))
            frames.push_back(std::move(f));
        // Bounded buffering: never more than one frame plus the chunk just fed.
        QVERIFY(decoder.bufferedBytes() <= 110 * 1024 + maxChunk);
    }
    QVERIFY2(!decoder.hasError(), qPrintable(decoder.errorString()));
    QCOMPARE(decoder.bufferedBytes(), 0);
    QCOMPARE(frames.size(), events.size());
    for (size_t i = 0; i < events.size(); ++i) {
        QCOMPARE(frames[i].eventType, events[i].eventType);
        QCOMPARE(frames[i].payload, events[i].payload);
    }
}

void TstEventStreamDecoder::byteByByte()
{
    const auto events = sampleEvents();
    const QByteArray stream = encodeAll(events);
    EventStreamDecoder decoder;
    size_t count = 0;
    for (qsizetype i = 0; i < stream.size(); ++i) {
        decoder.feed(stream.constData() + i, 1);
        while (auto f = decoder.next()) {
            QCOMPARE(f->payload, events[count].payload);
            ++count;
        }
    }
    QCOMPARE(count, events.size());
    QVERIFY(!decoder.hasError());
}

void TstEventStreamDecoder::sharedChunks()
{
    // Whole frames arriving as one chunk each: the decoder adopts the chunk and must not corrupt it.
    const QByteArray a = EventStreamEncoder::event("assistantResponseEvent", R"({"content":"a"})");
    const QByteArray b = EventStreamEncoder::event("assistantResponseEvent", R"({"content":"b"})");
    const QByteArray aCopy = a;
    EventStreamDecoder decoder;
    decoder.feed(a);
    QCOMPARE(decoder.next()->payload, QByteArray(R"({"content":"a"})"));
    decoder.feed(a + b.left(5));
    decoder.feed(b.mid(5));
    const auto frames = drain(decoder);
    QCOMPARE(frames.size(), size_t(2));
    QCOMPARE(frames[1].payload, QByteArray(R"({"content":"b"})"));
    QCOMPARE(a, aCopy);
}

void TstEventStreamDecoder::borrowedBufferReusedBetweenReads_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("maxChunk");
    QTest::newRow("1-byte") << 11u << 1;
    QTest::newRow("37-byte") << 12u << 37;
    QTest::newRow("up-to-500") << 13u << 500;
    QTest::newRow("up-to-16k") << 14u << 16384;
}

void TstEventStreamDecoder::borrowedBufferReusedBetweenReads()
{
    // What the HTTP client does: every read lands in one reused buffer, handed over as a fromRawData() view,
    // and the buffer is overwritten by the next read. A frame split across reads must survive that.
    QFETCH(quint32, seed);
    QFETCH(int, maxChunk);
    const auto events = sampleEvents();
    const QByteArray stream = encodeAll(events);
    QRandomGenerator rng(seed);
    QByteArray readBuffer(maxChunk, '\0');
    EventStreamDecoder decoder;
    std::vector<EventStreamFrame> frames;
    for (qsizetype pos = 0; pos < stream.size();) {
        const qsizetype n = qMin<qsizetype>(stream.size() - pos, 1 + rng.bounded(maxChunk));
        std::memcpy(readBuffer.data(), stream.constData() + pos, size_t(n));
        pos += n;
        decoder.feed(QByteArray::fromRawData(readBuffer.constData(), n));
        for (auto &f : drain(decoder))
            frames.push_back(std::move(f));
        readBuffer.fill('\xA5'); // the next read scribbles over the same memory
    }
    QVERIFY2(!decoder.hasError(), qPrintable(u"seed %1: %2"_s.arg(seed).arg(decoder.errorString())));
    QCOMPARE(frames.size(), events.size());
    for (size_t i = 0; i < events.size(); ++i)
        QCOMPARE(frames[i].payload, events[i].payload);
}

void TstEventStreamDecoder::corruption_data()
{
    QTest::addColumn<int>("offset"); // byte to flip; negative counts from the end
    QTest::addColumn<QString>("expectedError");
    QTest::newRow("total-length") << 1 << u"prelude CRC"_s;
    QTest::newRow("headers-length") << 6 << u"prelude CRC"_s;
    QTest::newRow("prelude-crc-itself") << 9 << u"prelude CRC"_s;
    QTest::newRow("header-byte") << 14 << u"message CRC"_s;
    QTest::newRow("payload-byte") << -8 << u"message CRC"_s;
    QTest::newRow("message-crc-itself") << -1 << u"message CRC"_s;
}

void TstEventStreamDecoder::corruption()
{
    QFETCH(int, offset);
    QFETCH(QString, expectedError);
    QByteArray frame = EventStreamEncoder::event("assistantResponseEvent", R"({"content":"Hello there"})");
    const qsizetype at = offset >= 0 ? offset : frame.size() + offset;
    frame[at] = char(frame[at] ^ 0x5A);
    EventStreamDecoder decoder;
    decoder.feed(frame);
    QVERIFY(!decoder.next());
    QVERIFY(decoder.hasError());
    QVERIFY2(decoder.errorString().contains(expectedError), qPrintable(decoder.errorString()));
    // The error is permanent: later valid data is ignored.
    decoder.feed(EventStreamEncoder::event("assistantResponseEvent", "{}"));
    QVERIFY(!decoder.next());
    QVERIFY(decoder.hasError());
    QCOMPARE(decoder.bufferedBytes(), 0);
}

void TstEventStreamDecoder::framesBeforeCorruptionSurvive()
{
    QByteArray good = EventStreamEncoder::event("assistantResponseEvent", R"({"content":"ok"})");
    QByteArray bad = EventStreamEncoder::event("assistantResponseEvent", R"({"content":"bad"})");
    bad[bad.size() - 2] = char(bad[bad.size() - 2] ^ 1);
    EventStreamDecoder decoder;
    decoder.feed(good + bad + good);
    auto first = decoder.next();
    QVERIFY(first);
    QCOMPARE(first->payload, QByteArray(R"({"content":"ok"})"));
    QVERIFY(!decoder.next());
    QVERIFY(decoder.hasError());
}

void TstEventStreamDecoder::oversizedFrameRejectedFromPrelude()
{
    // A prelude claiming 16 MiB + 1 must be refused at once, without waiting for (or buffering) the body.
    EventStreamDecoder decoder;
    decoder.feed(preludeOnly(quint32(EventStreamDecoder::defaultMaxFrameBytes + 1), 0));
    QVERIFY(decoder.hasError());
    QVERIFY(decoder.errorString().contains(u"invalid frame length"_s));
    QVERIFY(!decoder.next());

    // Exactly the cap is still acceptable as far as the prelude goes.
    EventStreamDecoder atCap;
    atCap.feed(preludeOnly(quint32(EventStreamDecoder::defaultMaxFrameBytes), 0));
    QVERIFY(!atCap.hasError());
    QVERIFY(!atCap.next());
}

void TstEventStreamDecoder::oversizedFrameWithSmallCap()
{
    EventStreamDecoder decoder(1024);
    decoder.feed(EventStreamEncoder::event("assistantResponseEvent", QByteArray(500, 'a')));
    QVERIFY(decoder.next());
    decoder.feed(EventStreamEncoder::event("assistantResponseEvent", QByteArray(2000, 'a')));
    QVERIFY(!decoder.next());
    QVERIFY(decoder.hasError());
}

void TstEventStreamDecoder::malformedHeaders_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("expectedError");
    QTest::newRow("unknown-value-type") << rawFrame(QByteArray("\x01x\x0a", 3), "{}") << u"unknown header"_s;
    QTest::newRow("empty-name") << rawFrame(QByteArray("\x00\x00", 2), "{}") << u"header name"_s;
    QTest::newRow("name-overruns") << rawFrame(QByteArray("\x09"
                                                          "ab",
                                                          3),
                                               "")
                                   << u"header name"_s;
    QTest::newRow("string-overruns") << rawFrame(QByteArray("\x01x\x07\x00\x09"
                                                            "ab",
                                                            7),
                                                 "")
                                     << u"truncated header"_s;
    QTest::newRow("string-length-cut")
        << rawFrame(QByteArray("\x01x\x07\x00", 4), "") << u"truncated header"_s;
    QTest::newRow("long-cut") << rawFrame(QByteArray("\x01x\x05\x00\x00\x00", 6), "")
                              << u"truncated header"_s;
    QTest::newRow("uuid-cut") << rawFrame(QByteArray("\x01x\x09\x00\x00\x00", 6), "")
                              << u"truncated header"_s;
    QTest::newRow("too-small-total") << preludeOnly(15, 0) + QByteArray(4, '\0') << u"invalid frame length"_s;
    QTest::newRow("headers-exceed-total") << preludeOnly(20, 5) + QByteArray(8, '\0') << u"headers length"_s;
}

void TstEventStreamDecoder::malformedHeaders()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, expectedError);
    EventStreamDecoder decoder;
    decoder.setKeepAllHeaders(true);
    decoder.feed(frame);
    QVERIFY(!decoder.next());
    QVERIFY(decoder.hasError());
    QVERIFY2(decoder.errorString().contains(expectedError), qPrintable(decoder.errorString()));
}

void TstEventStreamDecoder::truncatedStreamLeavesBufferedBytes()
{
    const QByteArray frame = EventStreamEncoder::event("assistantResponseEvent", R"({"content":"cut"})");
    EventStreamDecoder decoder;
    decoder.feed(frame.left(frame.size() - 3));
    QVERIFY(!decoder.next());
    QVERIFY(!decoder.hasError());
    QCOMPARE(decoder.bufferedBytes(), frame.size() - 3);
    decoder.feed(frame.right(3));
    QVERIFY(decoder.next());
    QCOMPARE(decoder.bufferedBytes(), 0);
}

void TstEventStreamDecoder::unknownEventTypePassesThrough()
{
    // The decoder does not judge event types; skipping unknown ones is the parser's job.
    EventStreamDecoder decoder;
    decoder.feed(EventStreamEncoder::event("someFutureEvent", R"({"x":1})"));
    auto frame = decoder.next();
    QVERIFY(frame);
    QCOMPARE(frame->eventType, QByteArray("someFutureEvent"));
}

void TstEventStreamDecoder::resetClearsError()
{
    EventStreamDecoder decoder;
    decoder.feed(preludeOnly(3, 0));
    QVERIFY(decoder.hasError());
    decoder.reset();
    QVERIFY(!decoder.hasError());
    decoder.feed(EventStreamEncoder::event("assistantResponseEvent", "{}"));
    QVERIFY(decoder.next());
}

// The parser decodes every frame into the same EventStreamFrame (issue 12, point 8): nothing of the previous
// frame may survive into the next, whatever headers each carries, and its payload buffer must not be shared.
void TstEventStreamDecoder::reusedFrameMatchesFreshFrames()
{
    QByteArray stream = EventStreamEncoder::exception("ThrottlingException", "{\"message\":\"slow down\"}");
    stream += EventStreamEncoder::error("InternalError", "broken");
    stream += EventStreamEncoder::event("assistantResponseEvent",
                                        "{\"content\":\"a longer payload than the next\"}");
    stream += EventStreamEncoder::encode({ EventStreamHeader::string(":message-type", "event"),
                                           EventStreamHeader::string(":event-type", "someNewEvent") },
                                         "{}");
    stream += EventStreamEncoder::event("toolUseEvent", {});
    stream += EventStreamEncoder::event("assistantResponseEvent", "{\"content\":\"x\"}");

    EventStreamDecoder fresh;
    fresh.feed(stream);
    const std::vector<EventStreamFrame> expected = drain(fresh);
    QCOMPARE(expected.size(), size_t(6));

    EventStreamDecoder reusing;
    reusing.feed(stream);
    EventStreamFrame frame;
    QByteArray kept; // a payload someone holds on to must keep its bytes
    for (size_t i = 0; i < expected.size(); ++i) {
        QVERIFY(reusing.next(frame));
        QCOMPARE(frame.messageType, expected[i].messageType);
        QCOMPARE(frame.eventType, expected[i].eventType);
        QCOMPARE(frame.exceptionType, expected[i].exceptionType);
        QCOMPARE(frame.contentType, expected[i].contentType);
        QCOMPARE(frame.errorCode, expected[i].errorCode);
        QCOMPARE(frame.errorMessage, expected[i].errorMessage);
        QCOMPARE(frame.payload, expected[i].payload);
        if (i == 2)
            kept = frame.payload;
    }
    QVERIFY(!reusing.next(frame));
    QCOMPARE(kept, expected[2].payload);
    QCOMPARE(expected[3].eventType, QByteArray("someNewEvent"));
    QVERIFY(expected[1].contentType.isEmpty());
}

void TstEventStreamDecoder::randomStreamsMatchTheOldDecoder()
{
    // The decoder (one reused frame, as KiroResponseParser drains it) against its predecessor (the oracle,
    // a fresh frame each time) on the same random streams cut at the same random points.
    constexpr quint32 seeds = 3000;
    qsizetype frames = 0;
    int failedStreams = 0;
    for (quint32 seed = 1; seed <= seeds; ++seed) {
        QRandomGenerator rng(seed);
        const QByteArray stream = randomFrames(rng);
        EventStreamDecoder decoder;
        Test::LegacyEventStreamDecoder oracle;
        const bool keepAll = rng.bounded(4) == 0;
        decoder.setKeepAllHeaders(keepAll);
        oracle.setKeepAllHeaders(keepAll);
        const bool borrow = rng.bounded(2) == 0;
        EventStreamFrame frame;
        for (qsizetype pos = 0; pos < stream.size();) {
            const qsizetype n = qMin<qsizetype>(stream.size() - pos, 1 + rng.bounded(700));
            const QByteArray chunk = stream.mid(pos, n);
            pos += n;
            if (borrow) {
                decoder.feed(chunk);
                oracle.feed(chunk);
            } else {
                decoder.feed(chunk.constData(), chunk.size());
                oracle.feed(chunk.constData(), chunk.size());
            }
            for (;;) {
                const bool got = decoder.next(frame);
                const std::optional<EventStreamFrame> expected = oracle.next();
                QVERIFY2(got == expected.has_value(), qPrintable(QStringLiteral("seed %1").arg(seed)));
                if (!got)
                    break;
                const QString diff = frameDifference(frame, *expected);
                QVERIFY2(diff.isEmpty(),
                         qPrintable(QStringLiteral("seed %1, frame %2: %3").arg(seed).arg(frames).arg(diff)));
                ++frames;
            }
            QVERIFY2(decoder.hasError() == oracle.hasError() && decoder.errorString() == oracle.errorString()
                         && decoder.bufferedBytes() == oracle.bufferedBytes(),
                     qPrintable(QStringLiteral("seed %1: %2 / %3")
                                    .arg(seed)
                                    .arg(decoder.errorString(), oracle.errorString())));
        }
        failedStreams += decoder.hasError() ? 1 : 0;
    }
    qInfo("%u random streams, %lld frames identical, %d streams ended in the same error", seeds,
          qlonglong(frames), failedStreams);
    QVERIFY(frames > 10000);
    QVERIFY(failedStreams > int(seeds) / 20);
}

QTEST_GUILESS_MAIN(TstEventStreamDecoder)
#include "tst_eventstreamdecoder.moc"
