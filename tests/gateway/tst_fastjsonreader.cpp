// SPDX-License-Identifier: MIT
// FastJsonReader::releaseThreadBuffers(): what the gateway calls once idle. Parsing after it must give what
// QJsonDocument gives and keep the reader's limits, and it must free the parser's buffers. Bodies are seeded
// random; DRAWBRIDGE_FUZZ_SEED reproduces a run, and a failure prints its seed.
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

// glibc's heap statistics; under ASan its own allocator replaces glibc's and mallinfo2() does not see it.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#define DRAWBRIDGE_HEAP_STATS 1
#endif

#include "server/gateway/fastjsonreader.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;

namespace {

/** A JSON object of about @p bytes: strings (with escapes and non-ASCII), numbers, nested arrays. */
QByteArray randomBody(QRandomGenerator &rng, qsizetype bytes)
{
    static const char *const pieces[] = { "plain",   "tab\\t",           "quote\\\"", "\xc3\xa9t\xc3\xa9",
                                          "\\u00e9", "\xf0\x9f\x98\x80", "line\\n",   "" };
    QByteArray out = "{";
    int member = 0;
    while (out.size() < bytes) {
        if (member > 0)
            out += ',';
        out += "\"k" + QByteArray::number(member++) + "\":";
        switch (rng.bounded(4)) {
        case 0: {
            out += '"';
            for (int i = 0, n = int(rng.bounded(1, 40)); i < n; ++i)
                out += pieces[rng.bounded(int(std::size(pieces)))];
            out += '"';
            break;
        }
        case 1:
            out += QByteArray::number(qint64(rng.generate64() >> 12) - (qint64(1) << 51));
            break;
        case 2:
            out += QByteArray::number(rng.generateDouble() * 1e6, 'g', 17);
            break;
        default:
            out += "[true,false,null,{\"a\":[1,2,{\"b\":\"c\"}]},\"x\"]";
            break;
        }
    }
    out += '}';
    return out;
}

QByteArray nested(int depth)
{
    return QByteArray("{\"a\":") + QByteArray(depth - 1, '[') + QByteArray(depth - 1, ']') + '}';
}

bool parsesAsQt(const QByteArray &body)
{
    const FastJsonReader reader(body);
    QJsonObject read;
    for (const simdjson::dom::key_value_pair field : reader.root())
        read.insert(FastJsonReader::string(field.key), FastJsonReader::toQJsonValue(field.value));
    return read == QJsonDocument::fromJson(body).object();
}

#if defined(DRAWBRIDGE_HEAP_STATS)
/** Bytes malloc has handed out and not had back, in its arenas and in mappings of their own. */
qint64 bytesInUse()
{
    const struct mallinfo2 m = mallinfo2();
    return qint64(m.uordblks + m.hblkhd);
}
#endif

} // namespace

class TstFastJsonReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesAfterRelease();
    void limitsHoldAfterRelease();
    void releaseFreesTheParserBuffers();
};

void TstFastJsonReader::parsesAfterRelease()
{
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator rng(seed);
    const QByteArray context = "seed " + QByteArray::number(seed);
    // Small, past the capacity kept between bodies (1 MiB), small again: released before, between and
    // twice in a row.
    const qsizetype sizes[] = { 200, 64 * 1024, 2 * 1024 * 1024, 300, 512 * 1024 };
    FastJsonReader::releaseThreadBuffers();
    for (const qsizetype size : sizes) {
        const QByteArray body = randomBody(rng, size);
        QVERIFY2(parsesAsQt(body), context.constData());
        FastJsonReader::releaseThreadBuffers();
        QVERIFY2(parsesAsQt(body), context.constData());
        FastJsonReader::releaseThreadBuffers();
        FastJsonReader::releaseThreadBuffers();
    }
}

void TstFastJsonReader::limitsHoldAfterRelease()
{
    // A fresh simdjson parser allows 1,024 levels, and Qt reads 600; the reader's limit (512) must come back
    // with the buffers.
    QCOMPARE(FastJsonReader::maxDepth, size_t(512));
    QVERIFY(!QJsonDocument::fromJson(nested(600)).isNull());
    for (int round = 0; round < 2; ++round) {
        FastJsonReader::releaseThreadBuffers();
        QVERIFY_THROWS_EXCEPTION(FastJsonReader::Unsupported, FastJsonReader(nested(600)));
        FastJsonReader::releaseThreadBuffers();
        QVERIFY(parsesAsQt(nested(100)));
        FastJsonReader::releaseThreadBuffers();
        QVERIFY_THROWS_EXCEPTION(FastJsonReader::Unsupported, FastJsonReader(QByteArray("[1,2]")));
    }
}

void TstFastJsonReader::releaseFreesTheParserBuffers()
{
#if defined(DRAWBRIDGE_HEAP_STATS)
    // The parser sizes its buffers to the body (a tape of 8 bytes and an index of 4 per byte, and more), and
    // keeps up to 1 MiB of capacity between bodies: after a 900 KiB body, a release must give back at least
    // eight times the body.
    QRandomGenerator rng(42);
    const QByteArray body = randomBody(rng, 900 * 1024);
    QVERIFY(parsesAsQt(body));
    const qint64 before = bytesInUse();
    FastJsonReader::releaseThreadBuffers();
    const qint64 freed = before - bytesInUse();
    QVERIFY2(freed >= 8 * body.size(),
             qPrintable(QStringLiteral("freed %1 bytes after a %2-byte body").arg(freed).arg(body.size())));
    // And nothing more to give back the second time.
    const qint64 again = bytesInUse();
    FastJsonReader::releaseThreadBuffers();
    QCOMPARE(bytesInUse(), again);
#else
    QSKIP("needs glibc's mallinfo2(), which does not see ASan's allocator (the plain build runs it)");
#endif
}

QTEST_GUILESS_MAIN(TstFastJsonReader)
#include "tst_fastjsonreader.moc"
