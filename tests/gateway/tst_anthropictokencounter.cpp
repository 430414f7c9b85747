// SPDX-License-Identifier: MIT
// AnthropicTokenCounter (issue 18): the estimate walks UTF-16 in place and memoises tool schemas, and must
// give exactly the numbers of the former implementation, kept frozen below as the oracle (legacyEstimate*):
// on the agent bodies of bench/agentbodies.py (both dialects, through the real parsers, so the schema memo is
// keyed by the parsers' parametersJson), on seeded hostile strings (surrogate pairs, lone and reversed
// surrogates, the script boundaries, runs that cross the eight-unit fast path), and on requests with images,
// tool calls and more schemas than the memo holds. DRAWBRIDGE_FUZZ_SEED reproduces a run; a failure prints
// its seed.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include "server/core/cpufeatures.h"
#include "server/gateway/anthropicrequestparser.h"
#include "server/gateway/anthropictokencounter.h"
#include "server/gateway/openairequestparser.h"
#include "tests/support/fuzzseed.h"
#include "tests/support/hostileutf8.h"

#include <limits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

using Drawbridge::Test::atRandomAlignment;
using Drawbridge::Test::differentialLength;
using Drawbridge::Test::hostileUtf8;
using Drawbridge::Test::twoByteRunsPastLaneCounters;

// ---- The former implementation, frozen (server/gateway/anthropictokencounter.cpp before issue 18).
// ----------
bool legacyIsCjk(char32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) // hiragana, katakana
        || (c >= 0x3400 && c <= 0x4DBF) // CJK extension A
        || (c >= 0x4E00 && c <= 0x9FFF) // CJK unified ideographs
        || (c >= 0xAC00 && c <= 0xD7AF) // Hangul syllables
        || (c >= 0xF900 && c <= 0xFAFF) // CJK compatibility ideographs
        || (c >= 0xFF00 && c <= 0xFFEF) // half- and full-width forms
        || (c >= 0x3000 && c <= 0x303F) // CJK punctuation
        || (c >= 0x20000 && c <= 0x2FFFF); // supplementary ideographs
}

int legacyEstimateText(QStringView text)
{
    qint64 units = 0;
    for (const char32_t c : text.toUcs4()) {
        if (c < 0x0250)
            units += 1;
        else if (legacyIsCjk(c))
            units += 4;
        else
            units += 2;
    }
    return int((units + 3) / 4);
}

int legacyEstimate(const ChatRequest &request)
{
    using C = AnthropicTokenCounter;
    qint64 tokens = 0;
    for (const ChatMessage &m : request.messages) {
        tokens += C::tokensPerMessage + legacyEstimateText(m.textString());
        tokens += qint64(m.images.size()) * C::tokensPerImage;
        for (const ToolCall &call : m.toolCalls)
            tokens += C::tokensPerTool + legacyEstimateText(call.name) + legacyEstimateText(call.arguments);
        if (!m.toolCallId.isEmpty())
            tokens += legacyEstimateText(m.toolCallId);
    }
    for (const ToolDefinition &tool : request.tools) {
        tokens += C::tokensPerTool + legacyEstimateText(tool.name)
            + legacyEstimateText(tool.descriptionString());
        if (!tool.parameters.isEmpty())
            tokens += legacyEstimateText(
                QString::fromUtf8(QJsonDocument(tool.parameters).toJson(QJsonDocument::Compact)));
    }
    return int(qMin<qint64>(tokens, std::numeric_limits<int>::max()));
}
// ---- end of the frozen copy
// ------------------------------------------------------------------------------------

// ---- AnthropicTokenCounter::estimateUtf8 with 16-byte SSE2 blocks, frozen (before its AVX2 variant), the
// oracle of both variants for any bytes: on invalid UTF-8 its result depends on where its blocks stop.
// ----------
/** Units of the three- or four-byte sequence at @p p (lead byte E0 or more), or 0 when it is cut short. */
int frozenWideSequenceUnits(const unsigned char *p, qsizetype available, qsizetype &length)
{
    const unsigned char b = p[0];
    length = b < 0xF0 ? 3 : 4;
    if (available < length)
        return 0;
    char32_t c = b & (b < 0xF0 ? 0x0F : 0x07);
    for (qsizetype k = 1; k < length; ++k)
        c = (c << 6) | (p[k] & 0x3F);
    return c < 0x0250 ? 1 : legacyIsCjk(c) ? 4 : 2;
}

#ifdef __SSE2__
int frozenBitCount16(unsigned x)
{
    // The baseline x86-64 target has no popcnt instruction; __builtin_popcount would be a libgcc call.
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return int((x + (x >> 8)) & 0x1Fu);
}
#endif

int frozenEstimateUtf8(QByteArrayView utf8)
{
    // The same quarter-token units per code point as estimateText(). In UTF-8 a code point below U+0250 is
    // one byte, or two with a lead byte C2–C8, or C9 followed by 80–8F; one from U+0250 to U+07FF (C9 90 up
    // to DF BF) weighs 2; from three bytes on it is decoded and weighed 4 if CJK, else 2. A message's text is
    // the client's UTF-8 (ChatMessage::textUtf8), so this spares the UTF-16 copy of every text (issue 18).
    // Blocks of 16 bytes are counted in SIMD: one unit per byte that is not a continuation (80–BF), one more
    // per lead from CA and per C9 followed by 90 or more; a three- or four-byte sequence ends the block there
    // (the bytes before it counted from the same masks) and is decoded on its own.
    const auto *p = reinterpret_cast<const unsigned char *>(utf8.data());
    const qsizetype n = utf8.size();
    qint64 units = 0;
    qsizetype i = 0;
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    __m128i continuations = zero, wide = zero; // per-lane counts of whole blocks, at most 255 each
    int rounds = 0;
    const auto sum = [zero](__m128i counts) {
        quint64 halves[2];
        _mm_storeu_si128(reinterpret_cast<__m128i *>(halves), _mm_sad_epu8(counts, zero));
        return qint64(halves[0] + halves[1]);
    };
    const auto flush = [&] {
        units += 16 * qint64(rounds) - sum(continuations) + sum(wide);
        continuations = wide = zero;
        rounds = 0;
    };
    // Each block reads 17 bytes: a C9's successor may be the next block's first.
    while (n - i >= 17) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
        if (!_mm_movemask_epi8(b)) {
            units += 16; // ASCII
            i += 16;
            continue;
        }
        // Unsigned b >= k exactly when max(b, k) == b.
        const auto atLeast = [&b](char k) { return _mm_cmpeq_epi8(_mm_max_epu8(b, _mm_set1_epi8(k)), b); };
        const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i + 1));
        const __m128i nextFrom90 = _mm_cmpeq_epi8(_mm_max_epu8(next, _mm_set1_epi8(char(0x90))), next);
        const __m128i isContinuation
            = _mm_cmpeq_epi8(_mm_and_si128(b, _mm_set1_epi8(char(0xc0))), _mm_set1_epi8(char(0x80)));
        const __m128i isWide = _mm_or_si128(
            atLeast(char(0xca)), _mm_and_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8(char(0xc9))), nextFrom90));
        if (const int high = _mm_movemask_epi8(atLeast(char(0xe0)))) {
            // The bytes before the first three- or four-byte lead, from the masks (no lead before it waits
            // for a byte at or after it), then that sequence decoded.
            const int k = __builtin_ctz(unsigned(high));
            const unsigned before = (1u << k) - 1;
            units += k - frozenBitCount16(unsigned(_mm_movemask_epi8(isContinuation)) & before)
                + frozenBitCount16(unsigned(_mm_movemask_epi8(isWide)) & before);
            i += k;
            qsizetype length = 0;
            const int weight = frozenWideSequenceUnits(p + i, n - i, length);
            if (weight == 0) { // cut short (not valid UTF-8, which callers do not pass): as U+FFFD
                units += 2;
                i = n;
                break;
            }
            units += weight;
            i += length;
            continue;
        }
        // A compare gives -1 per matching lane: subtracting it counts.
        continuations = _mm_sub_epi8(continuations, isContinuation);
        wide = _mm_sub_epi8(wide, isWide);
        i += 16;
        if (++rounds == 255)
            flush();
    }
    flush();
#endif
    while (i < n) {
        const unsigned char b = p[i];
        if (b < 0x80) {
            units += 1;
            ++i;
        } else if (b < 0xC0) { // a continuation whose lead a block above counted
            ++i;
        } else if (b < 0xE0) {
            if (n - i < 2) { // cut short (not valid UTF-8, which callers do not pass): as U+FFFD
                units += 2;
                break;
            }
            const char32_t c = (char32_t(b & 0x1F) << 6) | (p[i + 1] & 0x3F);
            units += c < 0x0250 ? 1 : 2;
            i += 2;
        } else {
            qsizetype length = 0;
            const int weight = frozenWideSequenceUnits(p + i, n - i, length);
            if (weight == 0) {
                units += 2;
                break;
            }
            units += weight;
            i += length;
        }
    }
    return int((units + 3) / 4);
}
// ---- end of the frozen copy
// ------------------------------------------------------------------------------------

/** UTF-16 strings made to hit every branch: boundaries of each class, surrogates whole, lone and reversed. */
class StringGen
{
public:
    explicit StringGen(quint64 seed) : m_rng(seed) { }

    int between(int lo, int hi) { return int(m_rng.bounded(lo, hi + 1)); }

    QString string()
    {
        static const char16_t edges[] = {
            0x0000, 0x0020, 0x007F, 0x0080, 0x00E9, 0x01FF, 0x0200, 0x024F, 0x0250, 0x0251, 0x03B1,
            0x2192, 0x2FFF, 0x3000, 0x303F, 0x3040, 0x30FF, 0x3100, 0x33FF, 0x3400, 0x4DBF, 0x4DC0,
            0x4DFF, 0x4E00, 0x65E5, 0x9FFF, 0xA000, 0xABFF, 0xAC00, 0xD7AF, 0xD7B0, 0xD7FF, 0xE000,
            0xF8FF, 0xF900, 0xFAFF, 0xFB00, 0xFEFF, 0xFF00, 0xFFEF, 0xFFF0, 0xFFFD, 0xFFFE, 0xFFFF,
        };
        // High surrogates around the supplementary-ideograph planes (U+20000–U+2FFFF is D840–D87F).
        static const char16_t highs[]
            = { 0xD800, 0xD83D, 0xD83F, 0xD840, 0xD841, 0xD87E, 0xD87F, 0xD880, 0xDBFF };
        static const char16_t lows[] = { 0xDC00, 0xDC01, 0xDE00, 0xDFFE, 0xDFFF };
        QString s;
        const int pieces = between(0, 40);
        for (int k = 0; k < pieces; ++k) {
            switch (between(0, 9)) {
            case 0:
            case 1:
            case 2: // an ASCII run long enough to take the eight-unit path, at any alignment
                s += QString(between(1, 30), QChar(u'a' + between(0, 25)));
                break;
            case 3:
                s += QChar(edges[between(0, int(std::size(edges)) - 1)]);
                break;
            case 4: // a pair
                s += QChar(highs[between(0, int(std::size(highs)) - 1)]);
                s += QChar(lows[between(0, int(std::size(lows)) - 1)]);
                break;
            case 5: // a lone high surrogate (also at the very end)
                s += QChar(highs[between(0, int(std::size(highs)) - 1)]);
                break;
            case 6: // a lone or reversed low surrogate
                s += QChar(lows[between(0, int(std::size(lows)) - 1)]);
                break;
            case 7: // any code unit at all
                s += QChar(char16_t(m_rng.bounded(0x10000u)));
                break;
            case 8: // Latin-1 and Latin Extended, below and above the 0x200 the fast path tests
                s += QChar(char16_t(between(0x80, 0x260)));
                break;
            default:
                s += u"caf\u00e9 \u65e5\u672c \U0001F600 \U00020000 \u2014"_s;
                break;
            }
        }
        return s;
    }

private:
    QRandomGenerator m_rng;
};

ToolDefinition tool(const QString &name, const QJsonObject &parameters, bool withText)
{
    ToolDefinition t;
    t.name = name;
    t.description = u"Reads a file \u2014 \u65e5\u672c"_s;
    t.parameters = parameters;
    if (withText) {
        // As the single-pass parsers leave a tool: its schema's text, and its description as UTF-8 only.
        t.parametersJson = QJsonDocument(parameters).toJson(QJsonDocument::Compact);
        t.descriptionUtf8 = t.description.toUtf8();
        t.description.clear();
    }
    return t;
}

} // namespace

class TstAnthropicTokenCounter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void estimateText_data();
    void estimateText();
    void hostileStrings();
    void estimateUtf8_data();
    void estimateUtf8();
    void longTwoByteRuns();
    void utf8VariantsMatchTheFrozenLoop_data();
    void utf8VariantsMatchTheFrozenLoop();
    void agentBodies_data();
    void agentBodies();
    void imagesCallsAndManySchemas();
    void toolUseOverhead_data();
    void toolUseOverhead();
};

void TstAnthropicTokenCounter::estimateText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("tokens");
    // Quarter-token units: below U+0250 1, CJK 4, anything else 2 (a lone surrogate too, like the U+FFFD
    // toUcs4() makes of it), rounded up.
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("four ASCII") << u"abcd"_s << 1;
    QTest::newRow("five ASCII") << u"abcde"_s << 2;
    QTest::newRow("seventeen ASCII") << QString(17, u'x') << 5;
    QTest::newRow("U+024F is Latin") << QString(4, QChar(0x024F)) << 1;
    QTest::newRow("U+0250 is not") << QString(2, QChar(0x0250)) << 1;
    QTest::newRow("U+0200 after seven ASCII") << u"abcdefg\u0200"_s << 2;
    QTest::newRow("U+0250 after seven ASCII") << u"abcdefg\u0250"_s << 3;
    QTest::newRow("CJK") << u"\u65e5\u672c\u8a9e"_s << 3;
    QTest::newRow("U+FFEF full-width, U+FFF0 not") << u"\uffef\ufff0"_s << 2;
    QTest::newRow("emoji pair is one code point") << u"\U0001F600\U0001F600"_s << 1;
    QTest::newRow("supplementary ideograph") << u"\U00020000"_s << 1;
    QTest::newRow("U+2FFFF and U+30000") << u"\U0002FFFF\U00030000"_s << 2;
    QTest::newRow("lone high at the end") << (u"abc"_s + QChar(0xD83D)) << 2;
    QTest::newRow("lone high then ASCII") << (QChar(0xD840) + u"abcdefgh"_s) << 3;
    QTest::newRow("reversed pair") << (QString(QChar(0xDE00)) + QChar(0xD83D)) << 1;
    QTest::newRow("high high low") << (QString(QChar(0xD840)) + QChar(0xD840) + QChar(0xDC00)) << 2;
    QTest::newRow("pair across the eight-unit block")
        << (u"abcdefg"_s + QChar(0xD840) + QChar(0xDC00) + u"abcdefg"_s) << 5;
}

void TstAnthropicTokenCounter::estimateText()
{
    QFETCH(QString, text);
    QFETCH(int, tokens);
    QCOMPARE(legacyEstimateText(text), tokens); // the table describes the former behaviour
    QCOMPARE(AnthropicTokenCounter::estimateText(text), tokens);
}

void TstAnthropicTokenCounter::hostileStrings()
{
    const quint64 seed = Test::fuzzSeed();
    StringGen gen(seed);
    QString joined, validJoined;
    int validUtf8 = 0;
    for (int i = 0; i < 20'000; ++i) {
        const QString s = gen.string();
        const int expected = legacyEstimateText(s);
        const int got = AnthropicTokenCounter::estimateText(s);
        if (got != expected) {
            QString hex;
            for (const QChar c : s)
                hex += u"%1 "_s.arg(c.unicode(), 4, 16, QChar(u'0'));
            QFAIL(qPrintable(
                u"seed %1 (DRAWBRIDGE_FUZZ_SEED=%1) string %2: %3 tokens, the former %4; units: %5"_s
                    .arg(seed)
                    .arg(i)
                    .arg(got)
                    .arg(expected)
                    .arg(hex)));
        }
        // Views into the middle of a long text start at odd offsets and end mid-pair.
        if (joined.size() < 200'000)
            joined += s;
        // The UTF-8 count, for texts that have a UTF-8 form (no lone surrogates; the parsers hold only valid
        // UTF-8): the same as the former count of the text.
        const QByteArray utf8 = s.toUtf8();
        if (QString::fromUtf8(utf8) != s)
            continue;
        ++validUtf8;
        if (validJoined.size() < 200'000)
            validJoined += s;
        const int fromUtf8 = AnthropicTokenCounter::estimateUtf8(utf8);
        QVERIFY2(
            fromUtf8 == expected,
            qPrintable(u"seed %1 (DRAWBRIDGE_FUZZ_SEED=%1) string %2: %3 tokens from UTF-8, the former %4"_s
                           .arg(seed)
                           .arg(i)
                           .arg(fromUtf8)
                           .arg(expected)));
    }
    for (qsizetype from = 0; from + 64 < joined.size(); from += 997) {
        const QStringView view = QStringView(joined).mid(from, 64 + from % 13);
        QVERIFY2(AnthropicTokenCounter::estimateText(view) == legacyEstimateText(view),
                 qPrintable(u"seed %1 offset %2"_s.arg(seed).arg(from)));
    }
    QCOMPARE(AnthropicTokenCounter::estimateText(joined), legacyEstimateText(joined));
    QVERIFY2(validUtf8 > 1'000,
             qPrintable(u"seed %1: only %2 strings had a UTF-8 form"_s.arg(seed).arg(validUtf8)));
    QCOMPARE(AnthropicTokenCounter::estimateUtf8(validJoined.toUtf8()), legacyEstimateText(validJoined));
}

void TstAnthropicTokenCounter::estimateUtf8_data()
{
    estimateText_data();
}

void TstAnthropicTokenCounter::estimateUtf8()
{
    // The table's texts as UTF-8; rows with lone surrogates have none, and are counted as what toUtf8() makes
    // of them. The rows around U+0250 cover the C9 lead byte (C9 8F is U+024F, C9 90 is U+0250).
    QFETCH(QString, text);
    const QByteArray utf8 = text.toUtf8();
    QCOMPARE(AnthropicTokenCounter::estimateUtf8(utf8), legacyEstimateText(QString::fromUtf8(utf8)));
}

void TstAnthropicTokenCounter::longTwoByteRuns()
{
    // Blocks of two-byte sequences are counted in 8-bit SIMD lanes, summed before 256 blocks fill one: runs
    // far longer than that, of U+024F (C9 8F, weight 1), U+0250 (C9 90, weight 2) and é, at every offset
    // against the 16-byte blocks, with a three-byte character now and then.
    for (const QString &unit : { u"\u024f"_s, u"\u0250"_s, u"\u00e9"_s, u"\u024f\u0250a"_s }) {
        for (int offset = 0; offset < 3; ++offset) {
            QString text = QString(offset, u'x') + unit.repeated(5'000);
            QCOMPARE(AnthropicTokenCounter::estimateUtf8(text.toUtf8()), legacyEstimateText(text));
            text.insert(7'001, u"\u65e5"_s);
            QCOMPARE(AnthropicTokenCounter::estimateUtf8(text.toUtf8()), legacyEstimateText(text));
        }
    }
}

void TstAnthropicTokenCounter::utf8VariantsMatchTheFrozenLoop_data()
{
    QTest::addColumn<bool>("avx2");
    QTest::newRow("baseline") << false;
    QTest::newRow("avx2") << true;
}

void TstAnthropicTokenCounter::utf8VariantsMatchTheFrozenLoop()
{
    // Each variant of estimateUtf8, called directly (the process uses one), against the frozen SSE2 loop on
    // hostile bytes of every length to 100 and longer ones, at every alignment to 32 bytes; valid UTF-8 or
    // not, the number must be the same (it goes into usage records).
    QFETCH(bool, avx2);
    if (avx2 && !cpuSupportsAvx2())
        QSKIP("this CPU has no AVX2");
    const auto variant = avx2 ? detail::estimateUtf8Avx2 : detail::estimateUtf8Baseline;
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator rng(seed);
    QByteArray buffer;
    const auto check = [&](const QByteArray &text, int round) {
        int align = 0;
        const QByteArrayView view = atRandomAlignment(rng, buffer, text, align);
        const int expected = frozenEstimateUtf8(view);
        const int actual = variant(view);
        if (actual != expected)
            qWarning("DRAWBRIDGE_FUZZ_SEED=%llu round %d: %lld bytes at alignment %d: %d, the frozen loop %d",
                     seed, round, qint64(view.size()), align, actual, expected);
        return actual == expected;
    };
    const int rounds = Test::fuzzIterations(2'000);
    for (int round = 0; round < rounds; ++round)
        QVERIFY(check(hostileUtf8(rng, differentialLength(rng, round)), round));
    for (const QByteArray &text : twoByteRunsPastLaneCounters("\xe6\x97\xa5"))
        QVERIFY(check(text, -1));
}

void TstAnthropicTokenCounter::agentBodies_data()
{
    QTest::addColumn<int>("seed");
    QTest::newRow("seed 18 (the bench's)") << 18;
    QTest::newRow("seed 7") << 7;
}

void TstAnthropicTokenCounter::agentBodies()
{
    QFETCH(int, seed);
    const QString script = qEnvironmentVariable("DRAWBRIDGE_SOURCE_DIR") + u"/bench/agentbodies.py"_s;
    QVERIFY2(QFile::exists(script),
             qPrintable(script + u" is missing: run through CTest, which sets DRAWBRIDGE_SOURCE_DIR"_s));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess python;
    python.start(
        u"python3"_s,
        { script, u"--out"_s, dir.path(), u"--seed"_s, QString::number(seed), u"--sizes"_s, u"5,57,144"_s });
    QVERIFY2(python.waitForFinished(60'000), "python3 bench/agentbodies.py did not finish in 60 s");
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
             python.readAllStandardError().constData());
    const QStringList files = QDir(dir.path()).entryList({ u"*.json"_s }, QDir::Files, QDir::Name);
    QCOMPARE(files.size(), 6);
    int withSchemaText = 0;
    for (const QString &name : files) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray body = f.readAll();
        std::optional<ChatRequest> request;
        if (name.startsWith(u"anthropic"_s)) {
            auto parsed = AnthropicRequestParser::parse(body);
            QVERIFY2(std::holds_alternative<ChatRequest>(parsed), qPrintable(name));
            request = std::get<ChatRequest>(std::move(parsed));
        } else {
            auto parsed = OpenAiRequestParser::parse(body);
            QVERIFY2(std::holds_alternative<OpenAiChatRequest>(parsed), qPrintable(name));
            request = std::get<OpenAiChatRequest>(std::move(parsed)).request;
        }
        for (const ToolDefinition &t : request->tools)
            withSchemaText += t.parametersJson.isEmpty() ? 0 : 1;
        // The former estimate plus the tool-use system prompt, which it lacked (toolUseOverhead() pins it).
        const int expected = legacyEstimate(*request) + AnthropicTokenCounter::overhead(*request);
        QVERIFY2(expected > int(body.size() / 8), qPrintable(name)); // not vacuous: the texts were counted
        // Twice: the first fills the schema memo, the second reads it.
        QCOMPARE(AnthropicTokenCounter::estimate(*request), expected);
        QCOMPARE(AnthropicTokenCounter::estimate(*request), expected);
    }
    QVERIFY2(withSchemaText > 0, "the parsers left no schema text: the memo was not exercised");
}

void TstAnthropicTokenCounter::imagesCallsAndManySchemas()
{
    const quint64 seed = Test::fuzzSeed();
    StringGen gen(seed);
    ChatRequest request;
    for (int i = 0; i < 30; ++i) {
        ChatMessage m;
        m.role = i % 3 == 0 ? Role::User : i % 3 == 1 ? Role::Assistant : Role::Tool;
        m.text = gen.string();
        for (int k = gen.between(0, 2); k > 0; --k)
            m.images.push_back({ u"image/png"_s, QByteArray(gen.between(0, 4000), 'A') });
        if (m.role == Role::Assistant)
            m.toolCalls.push_back({ u"call_%1"_s.arg(i), gen.string(), gen.string() });
        if (m.role == Role::Tool)
            m.toolCallId = gen.string();
        request.messages.push_back(std::move(m));
    }
    // More distinct schemas than the memo keeps (256), one too big to keep at all, a schema with no text, and
    // an empty one: every round must still count exactly what the former code counted.
    for (int i = 0; i < 300; ++i) {
        const QJsonObject schema {
            { u"type"_s, u"object"_s },
            { u"properties"_s,
              QJsonObject { { u"p%1"_s.arg(i), QJsonObject { { u"description"_s, gen.string() } } } } }
        };
        request.tools.push_back(tool(u"T%1"_s.arg(i), schema, i % 7 != 0));
    }
    request.tools.push_back(
        tool(u"Big"_s, QJsonObject { { u"description"_s, QString(300'000, u'\u65e5') } }, true));
    request.tools.push_back(tool(u"Empty"_s, QJsonObject(), true));
    const int expected = legacyEstimate(request) + AnthropicTokenCounter::toolUseSystemPromptTokens;
    for (int round = 0; round < 3; ++round)
        QVERIFY2(AnthropicTokenCounter::estimate(request) == expected,
                 qPrintable(u"seed %1 (DRAWBRIDGE_FUZZ_SEED=%1) round %2"_s.arg(seed).arg(round)));
    QVERIFY(expected > 300'000 + 30 * AnthropicTokenCounter::tokensPerMessage);
}

void TstAnthropicTokenCounter::toolUseOverhead_data()
{
    QTest::addColumn<bool>("withTool");
    QTest::addColumn<int>("choice");
    QTest::addColumn<bool>("withImage");
    QTest::addColumn<int>("tokens");
    // System "Be brief." (4 + 3) and user "Hello world" (4 + 3): 14.
    QTest::newRow("text only") << false << int(ToolChoice::Auto) << false << 14;
    QTest::newRow("image") << false << int(ToolChoice::Auto) << true << 14 + 1600;
    // Tool "read" (8 + 1), "Reads a file" (3), {"type":"object"} (5): 17, plus the tool-use system prompt.
    QTest::newRow("tool, auto") << true << int(ToolChoice::Auto) << false << 14 + 17 + 346;
    QTest::newRow("tool, none") << true << int(ToolChoice::None) << false << 14 + 17 + 346;
    QTest::newRow("tool, any") << true << int(ToolChoice::Required) << false << 14 + 17 + 313;
    QTest::newRow("tool, named") << true << int(ToolChoice::Named) << true << 14 + 17 + 313 + 1600;
}

void TstAnthropicTokenCounter::toolUseOverhead()
{
    QFETCH(bool, withTool);
    QFETCH(int, choice);
    QFETCH(bool, withImage);
    QFETCH(int, tokens);
    ChatRequest request;
    request.messages.push_back({ Role::System, u"Be brief."_s, {}, {}, {}, false });
    ChatMessage user { Role::User, u"Hello world"_s, {}, {}, {}, false };
    if (withImage)
        user.images.push_back({ u"image/png"_s, QByteArray(5000, 'A') });
    request.messages.push_back(std::move(user));
    if (withTool) {
        ToolDefinition t;
        t.name = u"read"_s;
        t.description = u"Reads a file"_s;
        t.parameters = QJsonObject { { u"type"_s, u"object"_s } };
        request.tools.push_back(t);
    }
    request.toolChoice = ToolChoice(choice);
    request.toolChoiceName = request.toolChoice == ToolChoice::Named ? u"read"_s : QString();
    QCOMPARE(AnthropicTokenCounter::estimate(request), tokens);
}

QTEST_GUILESS_MAIN(TstAnthropicTokenCounter)
#include "tst_anthropictokencounter.moc"
