// SPDX-License-Identifier: MIT
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include "server/core/cpufeatures.h"
#include "server/core/jsonescape.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;

/**
 * appendJsonString (every SSE chunk, tool input and Kiro body string goes through it) against the
 * byte-at-a-time version it replaced, kept here as the oracle, on seeded random texts of every length around
 * the 32-byte blocks and the 64-byte tail, appended to empty, filled, shared and full buffers; and against
 * Qt's parser, which must read back the very text.
 */
class TstJsonEscape : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameBytesAsTheByteAtATimeWriter();
    void qtReadsBackTheText();
    void escapesUpToTheTailFit();
    void variantsMatchTheByteAtATimeWriter_data();
    void variantsMatchTheByteAtATimeWriter();
};

namespace {

void oracle(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : utf8) {
        const unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

QByteArray randomText(QRandomGenerator &rng, qsizetype length)
{
    // Mostly plain bytes, with escapes, control bytes, 0x7F, 0x80 and high bytes (the sign bit) in between,
    // sometimes in runs.
    static constexpr char special[]
        = { '"',    '\\',   '\n',   '\r',       '\t',       '\b',       '\f',       '\0',      '\x01',
            '\x1f', '\x20', '\x7f', char(0x80), char(0x9f), char(0xc3), char(0xe2), char(0xff) };
    const int density = int(rng.bounded(1, 40));
    QByteArray text(length, Qt::Uninitialized);
    for (char &c : text)
        c = int(rng.bounded(density)) == 0 ? special[rng.bounded(int(sizeof special))]
                                           : char(rng.bounded(0x20, 0x7f));
    return text;
}

/** randomText() with escapes put at the first and last bytes of 16-, 32- and 64-byte blocks. */
QByteArray edgyText(QRandomGenerator &rng, qsizetype length)
{
    QByteArray text = randomText(rng, length);
    static constexpr char escapes[] = { '"', '\\', '\n', '\x01', '\x1f', '\0' };
    const int every = int(rng.bounded(1, 8));
    for (qsizetype at = 0; at < text.size(); ++at) {
        const qsizetype inBlock = at % 16;
        const bool edge = inBlock == 0 || inBlock == 15;
        if (edge && rng.bounded(every) == 0)
            text[at] = escapes[rng.bounded(int(sizeof escapes))];
    }
    return text;
}

} // namespace

void TstJsonEscape::sameBytesAsTheByteAtATimeWriter()
{
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    for (int round = 0; round < 20000; ++round) {
        const qsizetype length = round % 50 == 0 ? rng.bounded(1000, 70000) : rng.bounded(0, 70);
        const QByteArray text = randomText(rng, length);
        const qsizetype offset = rng.bounded(0, 4); // unaligned views
        const QByteArrayView view = QByteArrayView(text).sliced(std::min(offset, text.size()));
        QByteArray prefix = randomText(rng, rng.bounded(0, 20));
        QByteArray expected = prefix;
        oracle(expected, view);

        QByteArray out = prefix;
        switch (round % 3) {
        case 0: // a buffer shared with another QByteArray: must not be written into
            break;
        case 1:
            out.detach();
            break;
        case 2:
            out.reserve(out.size() + view.size() + 2); // exactly full when nothing needs an escape
            break;
        }
        const QByteArray before = prefix;
        appendJsonString(out, view);
        if (out != expected)
            qWarning("DRAWBRIDGE_FUZZ_SEED=%u round %d", seed, round);
        QCOMPARE(out, expected);
        QCOMPARE(prefix, before);
    }
    QByteArray empty;
    appendJsonString(empty, QByteArrayView());
    QCOMPARE(empty, QByteArray("\"\""));
}

void TstJsonEscape::qtReadsBackTheText()
{
    QRandomGenerator rng(20261202);
    for (int round = 0; round < 2000; ++round) {
        // Valid UTF-8 (Qt's parser replaces invalid bytes): the text through QString and back.
        const QByteArray raw = randomText(rng, rng.bounded(0, 200));
        const QString text = QString::fromUtf8(raw);
        QByteArray json = "[";
        appendJsonString(json, QStringView(text));
        json += ']';
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, json.constData());
        QCOMPARE(doc.array().at(0).toString(), text);
    }
}

void TstJsonEscape::escapesUpToTheTailFit()
{
    // Runs of six-byte escapes of every length, each followed by a plain tail of 32-63 bytes: the array
    // grows while the escapes use up its room, and the tail is written after the last escaped block.
    for (int escaped = 0; escaped < 1200; ++escaped) {
        for (const int tail : { 32, 47, 63 }) {
            const QByteArray text = QByteArray(escaped, '\x01') + QByteArray(tail, 'a');
            QByteArray expected;
            oracle(expected, text);
            QByteArray out;
            appendJsonString(out, text);
            if (out != expected)
                qWarning("%d escaped bytes, tail of %d", escaped, tail);
            QCOMPARE(out, expected);
        }
    }
}

void TstJsonEscape::variantsMatchTheByteAtATimeWriter_data()
{
    QTest::addColumn<bool>("avx2");
    QTest::newRow("baseline") << false;
    QTest::newRow("avx2") << true;
}

void TstJsonEscape::variantsMatchTheByteAtATimeWriter()
{
    // Each variant, called directly (the process uses one), against the byte-at-a-time oracle: texts of every
    // length to 100 and long ones, escapes at the blocks' edges, at every alignment to 32 bytes, appended to
    // empty, shared and exactly full buffers; then the runs of escapes before each tail length (the AVX2
    // loop copies its last 64-127 bytes, the baseline its last 32-63).
    QFETCH(bool, avx2);
    if (avx2 && !cpuSupportsAvx2())
        QSKIP("this CPU has no AVX2");
    const auto variant = avx2 ? detail::appendJsonStringAvx2 : detail::appendJsonStringBaseline;
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator rng(seed);
    const int rounds = Test::fuzzIterations(6'000);
    for (int round = 0; round < rounds; ++round) {
        const qsizetype length = round < 101 * 32 ? round % 101
            : round % 50 == 0                     ? rng.bounded(1'000, 70'000)
                                                  : rng.bounded(0, 300);
        const int align = round < 101 * 32 ? round / 101 : int(rng.bounded(0, 32));
        const QByteArray buffer
            = QByteArray(align, 'x') + (round % 2 ? edgyText(rng, length) : randomText(rng, length));
        const QByteArrayView view = QByteArrayView(buffer).sliced(align);
        QByteArray prefix = randomText(rng, rng.bounded(0, 20));
        QByteArray expected = prefix;
        oracle(expected, view);
        QByteArray out = prefix;
        if (round % 3 == 1)
            out.detach();
        else if (round % 3 == 2)
            out.reserve(out.size() + view.size() + 2);
        variant(out, view);
        if (out != expected)
            qWarning("DRAWBRIDGE_FUZZ_SEED=%llu round %d: %lld bytes at alignment %d", seed, round,
                     qint64(view.size()), align);
        QCOMPARE(out, expected);
    }
    for (int escaped = 0; escaped < 1200; escaped += 7) {
        for (const int tail : { 0, 1, 31, 32, 47, 63, 64, 65, 95, 127, 128 }) {
            const QByteArray text = QByteArray(escaped, '\x01') + QByteArray(tail, 'a');
            QByteArray expected;
            oracle(expected, text);
            QByteArray out;
            variant(out, text);
            if (out != expected)
                qWarning("%d escaped bytes, tail of %d", escaped, tail);
            QCOMPARE(out, expected);
        }
    }
}

QTEST_GUILESS_MAIN(TstJsonEscape)
#include "tst_jsonescape.moc"
