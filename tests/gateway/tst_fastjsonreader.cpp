// SPDX-License-Identifier: MIT
// FastJsonReader::releaseThreadBuffers(): what the gateway calls once idle. Parsing after it must give what
// QJsonDocument gives and keep the reader's limits, and it must free the parser's buffers. Bodies are seeded
// random; DRAWBRIDGE_FUZZ_SEED reproduces a run, and a failure prints its seed.
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <cstring>

// glibc's heap statistics; under ASan its own allocator replaces glibc's and mallinfo2() does not see it.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#define DRAWBRIDGE_HEAP_STATS 1
#endif

#include "server/core/jsonescape.h"
#include "server/gateway/fastjsonreader.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

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

/** A random JSON value, drawn from a small alphabet so that equal and near-equal values come up often. */
QByteArray randomValue(QRandomGenerator &rng, int depth)
{
    static const char *const strings[]
        = { "\"\"", "\"a\"", "\"b\"", "\"ab\"", "\"a\\nb\"", "\"\\u0000\"", "\"\xc3\xa9\"", "\"\\u00e9\"" };
    // Numbers of each kind, and doubles whose bits begin with the tape's type bytes ('"' is 0x22, '{' 0x7b):
    // a key that took a number's bits for a word would go wrong on them.
    static const char *const numbers[]
        = { "0",        "1",        "-1",       "1.0", "2.5", "18446744073709551615", "9223372036854775807",
            "2.0e-144", "3.0e-144", "1.0e+289", "-0.0" };
    const int pick = int(rng.bounded(depth > 0 ? 6 : 4));
    switch (pick) {
    case 0:
        return strings[rng.bounded(int(std::size(strings)))];
    case 1:
        return numbers[rng.bounded(int(std::size(numbers)))];
    case 2: {
        static const char *const literals[] = { "true", "false", "null" };
        return literals[rng.bounded(3)];
    }
    case 3:
        return rng.bounded(2) ? "[]" : "{}";
    case 4: {
        QByteArray out = "[";
        for (int i = 0, n = int(rng.bounded(1, 4)); i < n; ++i)
            out += (i ? "," : "") + randomValue(rng, depth - 1);
        return out + ']';
    }
    default: {
        QByteArray out = "{";
        for (int i = 0, n = int(rng.bounded(1, 4)); i < n; ++i)
            out += (i ? "," : "") + QByteArray(strings[rng.bounded(int(std::size(strings)))]) + ':'
                + randomValue(rng, depth - 1);
        return out + '}';
    }
    }
}

/** The DOM of @p e written out with its types (int64, uint64 and double apart), the reference for keys. */
void describeDom(QByteArray &out, simdjson::dom::element e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::OBJECT:
        out += '{';
        for (const simdjson::dom::key_value_pair field : simdjson::dom::object(e)) {
            out += QByteArray::number(qsizetype(field.key.size())) + ':'
                + QByteArray(field.key.data(), qsizetype(field.key.size()));
            describeDom(out, field.value);
        }
        out += '}';
        break;
    case element_type::ARRAY:
        out += '[';
        for (const simdjson::dom::element value : simdjson::dom::array(e))
            describeDom(out, value);
        out += ']';
        break;
    case element_type::STRING: {
        const std::string_view s(e);
        out += 's' + QByteArray::number(qsizetype(s.size())) + ':'
            + QByteArray(s.data(), qsizetype(s.size()));
        break;
    }
    case element_type::INT64:
        out += 'l' + QByteArray::number(qint64(int64_t(e)));
        break;
    case element_type::UINT64:
        out += 'u' + QByteArray::number(quint64(uint64_t(e)));
        break;
    case element_type::DOUBLE: {
        const double d(e);
        quint64 bits;
        std::memcpy(&bits, &d, sizeof bits);
        out += 'd' + QByteArray::number(bits, 16);
        break;
    }
    case element_type::BOOL:
        out += bool(e) ? 't' : 'f';
        break;
    case element_type::NULL_VALUE:
        out += 'n';
        break;
    }
}

/**
 * The key of member "v" of @p body (owned), and the DOM description of that member. "v" is an array of the
 * value under test, so that numbers and literals (which have no key of their own) are keyed too.
 */
std::pair<QByteArray, QByteArray> keyAndDom(const QByteArray &body)
{
    const FastJsonReader reader(body);
    const simdjson::dom::element v = reader.root()["v"].value();
    const FastJsonReader::MemberKey key = FastJsonReader::valueKey(v);
    QByteArray dom;
    describeDom(dom, v);
    return { key.structure + '|' + key.strings.toByteArray(), dom };
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
    void valueKeysAreEqualExactlyForEqualValues();
    void valueKeysOfOtherValuesAreEmpty();
    void valueKeysDoNotDependOnThePlace();
    void textsCarryTheirJsonForm();
    void memberMemoFindsWhatWasStoredAndStaysBounded();
};

void TstFastJsonReader::valueKeysAreEqualExactlyForEqualValues()
{
    // The parsers memoise what they read from tool inputs under valueKey() (issue 18): two values may share a
    // key only when they are the same DOM. Random values from a small alphabet, between other members so the
    // key must find its own and take only its own strings, compared pairwise; the reference is the DOM
    // written out with its types.
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator rng(seed);
    const int count = Test::fuzzIterations(600);
    std::vector<std::pair<QByteArray, QByteArray>> seen;
    int equalPairs = 0, pairs = 0;
    for (int i = 0; i < count; ++i) {
        const QByteArray body = "{\"a\":" + randomValue(rng, 1) + ",\"v\":[" + randomValue(rng, 3) + ']'
            + (rng.bounded(2) ? ",\"z\":" + randomValue(rng, 2) : QByteArray()) + '}';
        const auto [key, dom] = keyAndDom(body);
        for (const auto &[otherKey, otherDom] : seen) {
            ++pairs;
            if (otherDom == dom)
                ++equalPairs;
            if ((otherKey == key) != (otherDom == dom))
                QFAIL(qPrintable(QStringLiteral("seed %1: %2: key equality %3, DOM equality %4")
                                     .arg(seed)
                                     .arg(QString::fromUtf8(body))
                                     .arg(otherKey == key)
                                     .arg(otherDom == dom)));
        }
        if (seen.size() < 300)
            seen.emplace_back(key, dom);
    }
    // The alphabet is small on purpose: equal values must have come up, or the test showed nothing.
    QVERIFY2(equalPairs > 100, qPrintable(QString::number(equalPairs)));
    QVERIFY(pairs > equalPairs);
}

void TstFastJsonReader::valueKeysOfOtherValuesAreEmpty()
{
    const FastJsonReader reader(R"({"n":1,"t":true,"z":null,"s":"x","a":[],"o":{}})");
    for (const char *name : { "n", "t", "z" })
        QVERIFY(FastJsonReader::valueKey(reader.root()[name].value()).isEmpty());
    for (const char *name : { "s", "a", "o" })
        QVERIFY(!FastJsonReader::valueKey(reader.root()[name].value()).isEmpty());
    FastJsonReader::MemberMemo<int> memo;
    memo.insert(FastJsonReader::valueKey(reader.root()["n"].value()), 1);
    QCOMPARE(memo.size(), 0);
    QVERIFY(!memo.find(FastJsonReader::valueKey(reader.root()["n"].value())));
    // An element of another document (simdjson's own parser) has no key in this reader.
    simdjson::dom::parser other;
    const simdjson::dom::element foreign = other.parse(std::string_view(R"({"v":{"a":1}})"))["v"].value();
    const FastJsonReader again(R"({"v":{"a":1}})");
    QVERIFY(FastJsonReader::valueKey(foreign).isEmpty());
    QVERIFY(!FastJsonReader::valueKey(again.root()["v"].value()).isEmpty());
}

void TstFastJsonReader::valueKeysDoNotDependOnThePlace()
{
    // A key holds no tape offsets: the same value after different members, nested or not, has the same key.
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator rng(seed);
    for (int i = 0; i < 300; ++i) {
        const QByteArray value = '[' + randomValue(rng, 3) + ']';
        const auto keyIn = [&](const QByteArray &body, bool nested) -> QByteArray {
            const FastJsonReader reader(body);
            const simdjson::dom::element v
                = nested ? reader.root()["w"]["v"].value() : reader.root()["v"].value();
            const FastJsonReader::MemberKey key = FastJsonReader::valueKey(v);
            return key.structure + '|' + key.strings.toByteArray();
        };
        const QByteArray first = keyIn("{\"v\":" + value + '}', false);
        const QByteArray second = keyIn("{\"a\":" + randomValue(rng, 2) + ",\"v\":" + value + '}', false);
        const QByteArray third
            = keyIn("{\"b\":[1,\"x\"],\"w\":{\"q\":" + randomValue(rng, 1) + ",\"v\":" + value + "}}", true);
        QVERIFY2(!first.startsWith('|'), qPrintable(QString::number(seed)));
        QVERIFY2(first == second && first == third,
                 qPrintable(u"seed %1: %2"_s.arg(seed).arg(QString::fromUtf8(value))));
    }
}

void TstFastJsonReader::textsCarryTheirJsonForm()
{
    // setText() keeps a long text's JSON form (ChatMessage::textJson), the builder's bytes for it, memoised
    // per text (issue 18). Texts that share their size and first and last 256 bytes land in one bucket of
    // the memo and must still get their own forms; a text changed afterwards must lose it.
    const QByteArray head(300, 'h'), tail(300, 't');
    const QByteArray texts[] = { head + "middle \\\"one\\n\\u00e9" + tail,
                                 head + "middle \\\"two\\n\\u00e9" + tail, "short \\n text" };
    for (int round = 0; round < 2; ++round) {
        for (const QByteArray &raw : texts) {
            const QByteArray body = "{\"v\":\"" + raw + "\"}";
            const FastJsonReader reader(body);
            ChatMessage msg;
            FastJsonReader::setText(msg, reader.root()["v"].value());
            const QByteArray decoded = QJsonDocument::fromJson(body).object().value(u"v").toString().toUtf8();
            QCOMPARE(msg.textUtf8, decoded);
            if (decoded.size() < FastJsonReader::memoTextBytes) {
                QVERIFY(msg.textJson.isEmpty());
                continue;
            }
            QByteArray expected;
            appendJsonString(expected, decoded);
            QCOMPARE(msg.textJson, expected);
            // Changing the text drops the form.
            ChatMessage appended = msg;
            FastJsonReader::appendText(appended, std::string_view("more"));
            QVERIFY(appended.textJson.isEmpty());
            ChatMessage replaced = msg;
            replaced.setText(u"other"_s);
            QVERIFY(replaced.textJson.isEmpty());
            ChatMessage joined;
            FastJsonReader::appendText(joined, reader.root()["v"].value());
            QCOMPARE(joined.textJson, expected); // the first part is the whole text so far
            FastJsonReader::appendText(joined, reader.root()["v"].value());
            QVERIFY(joined.textJson.isEmpty());
        }
    }
}

void TstFastJsonReader::memberMemoFindsWhatWasStoredAndStaysBounded()
{
    FastJsonReader::MemberMemo<int> memo;
    const auto keyOf = [](int i) {
        const QByteArray body
            = R"({"v":{"n":)" + QByteArray::number(i) + R"(,"s":"x)" + QByteArray::number(i) + R"("}})";
        const FastJsonReader reader(body);
        const FastJsonReader::MemberKey key = FastJsonReader::valueKey(reader.root()["v"].value());
        return std::make_pair(key.structure, key.strings.toByteArray());
    };
    for (int i = 0; i < 10; ++i) {
        const auto [structure, strings] = keyOf(i);
        memo.insert(FastJsonReader::MemberKey { structure, strings }, i);
    }
    for (int i = 0; i < 10; ++i) {
        const auto [structure, strings] = keyOf(i);
        const int *found = memo.find(FastJsonReader::MemberKey { structure, strings });
        QVERIFY(found);
        QCOMPARE(*found, i);
    }
    const auto [structure, strings] = keyOf(99);
    QVERIFY(!memo.find(FastJsonReader::MemberKey { structure, strings }));
    for (int i = 0; i < 3 * FastJsonReader::MemberMemo<int>::maxEntries; ++i) {
        const auto [s, t] = keyOf(100 + i);
        memo.insert(FastJsonReader::MemberKey { s, t }, i);
        QVERIFY(memo.size() <= FastJsonReader::MemberMemo<int>::maxEntries);
    }
    // A key larger than a quarter of the bytes kept is not kept.
    const QByteArray huge(FastJsonReader::MemberMemo<int>::maxBytes / 2, 'x');
    const qsizetype before = memo.size();
    memo.insert(FastJsonReader::MemberKey { QByteArray("s"), huge }, 1);
    QCOMPARE(memo.size(), before);
}

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
