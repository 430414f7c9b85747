// SPDX-License-Identifier: MIT
// JsonWriter's UTF-8 paths (issue 18) against the UTF-16 writer and against Qt: a text the client sent as
// UTF-8 and copied through must come out byte for byte as if it had gone through QString, and a tool input
// written straight from simdjson as if it had been re-read from its text. Random strings are seeded:
// DRAWBRIDGE_FUZZ_SEED reproduces a run, DRAWBRIDGE_FUZZ_ITERATIONS extends it.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <vector>

#include <simdjson.h>

#include "server/core/qtcompactjson.h"
#include "server/kiro/jsonwriter.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;

namespace {

/** What Qt writes for @p text as a JSON string (the array brackets cut off). */
QByteArray qtString(const QString &text)
{
    const QByteArray array = QJsonDocument(QJsonArray { text }).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray utf8Written(QByteArrayView utf8)
{
    QByteArray out("prefix");
    JsonWriter::appendUtf8String(out, utf8);
    return out.mid(6);
}

/** Valid UTF-8 made of pieces that meet the writer's edges: escapes, quotes, multi-byte runs, 16-byte runs.
 */
QByteArray randomUtf8(QRandomGenerator &rng)
{
    static const QList<QByteArray> pieces = { "a",
                                              "plain ascii text ",
                                              "\"",
                                              "\\",
                                              "\n",
                                              "\t",
                                              "\r",
                                              "\b",
                                              "\f",
                                              QByteArray(1, '\0'),
                                              "\x01",
                                              "\x1f",
                                              " ",
                                              "\x7f",
                                              "\xc2\x80",
                                              "\xc3\xa9",
                                              "\xc9\x8f",
                                              "\xc9\x90",
                                              "\xe2\x86\x92",
                                              "\xe4\xb8\xad",
                                              "\xef\xbf\xbf",
                                              "\xf0\x9f\x98\x80",
                                              "\xf4\x8f\xbf\xbf",
                                              "0123456789abcdef",
                                              "/",
                                              "<>&'" };
    QByteArray out;
    const int count = int(rng.bounded(0, 40));
    for (int i = 0; i < count; ++i)
        out += pieces[rng.bounded(pieces.size())];
    return out;
}

/**
 * A random tree written both ways: into @p w and as the QJsonValue returned. Keys (sorted, as the builder
 * writes them) run up to 200 bytes, past the writer's stack token; strings and raw JSON up to 300.
 */
QJsonValue writeRandom(QRandomGenerator64 &rng, JsonWriter &w, int depth)
{
    const auto ascii = [&rng](int maxLength) {
        QByteArray text(int(rng.bounded(maxLength + 1)), Qt::Uninitialized);
        for (char &c : text)
            c = char('a' + rng.bounded(26));
        return text;
    };
    switch (depth >= 6 ? 3 + int(rng.bounded(3)) : int(rng.bounded(6))) {
    case 0:
    case 1: {
        QJsonObject object;
        QList<QByteArray> keys;
        for (int i = int(rng.bounded(6)); i > 0; --i)
            keys.append(ascii(rng.bounded(4) ? 12 : 200));
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        w.beginObject();
        for (const QByteArray &key : keys) {
            w.key(key);
            object.insert(QString::fromLatin1(key), writeRandom(rng, w, depth + 1));
        }
        w.endObject();
        return object;
    }
    case 2: {
        QJsonArray array;
        w.beginArray();
        for (int i = int(rng.bounded(6)); i > 0; --i)
            array.append(writeRandom(rng, w, depth + 1));
        w.endArray();
        return array;
    }
    case 3: {
        const QByteArray text = ascii(rng.bounded(4) ? 16 : 300);
        w.asciiString(text);
        return QString::fromLatin1(text);
    }
    case 4: {
        const QString text = QString::fromLatin1(ascii(300)) + QStringLiteral("\"\\\n\u00e9\u65e5");
        w.string(text);
        return text;
    }
    default: {
        const qint64 n = qint64(rng.bounded(1'000'000)) - 500'000;
        w.raw(QByteArray::number(n));
        return n;
    }
    }
}

} // namespace

class TstJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void utf8String_data();
    void utf8String();
    void utf8StringRandom();
    void utf8StringMember();
    void qtCompactFromElement_data();
    void structureLikeQt();
    void qtCompactFromElement();
};

void TstJsonWriter::utf8String_data()
{
    QTest::addColumn<QByteArray>("utf8");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("ascii") << QByteArray("hello world");
    QTest::newRow("every control character") << [] {
        QByteArray s;
        for (int c = 0; c < 0x20; ++c)
            s += char(c);
        return s;
    }();
    QTest::newRow("quotes and backslashes") << QByteArray(R"("a\"b\\c\\")");
    QTest::newRow("del and slash") << QByteArray("\x7f/\x7f");
    QTest::newRow("escape at each of 40 positions") << [] {
        QByteArray s;
        for (int i = 0; i < 40; ++i)
            s += QByteArray(i, 'x') + '\n' + QByteArray(40 - i, 'y') + '"';
        return s;
    }();
    QTest::newRow("multi-byte across 16-byte blocks") << QByteArray("0123456789abcde\xc3\xa9"
                                                                    "0123456789abcd\xf0\x9f\x98\x80xyz");
    QTest::newRow("long plain") << QByteArray(100000, 'k');
    QTest::newRow("long escapes") << QByteArray(50000, '\x01');
}

void TstJsonWriter::utf8String()
{
    QFETCH(QByteArray, utf8);
    const QString text = QString::fromUtf8(utf8);
    QByteArray viaUtf16;
    JsonWriter::appendString(viaUtf16, text);
    QCOMPARE(utf8Written(utf8), viaUtf16);
    QCOMPARE(utf8Written(utf8), qtString(text));
}

void TstJsonWriter::utf8StringRandom()
{
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator rng(seed);
    const int iterations = Test::fuzzIterations(3000);
    for (int i = 0; i < iterations; ++i) {
        const QByteArray utf8 = randomUtf8(rng);
        const QString text = QString::fromUtf8(utf8);
        QByteArray viaUtf16;
        JsonWriter::appendString(viaUtf16, text);
        const QByteArray written = utf8Written(utf8);
        // Also from a heap block of exactly the size of the text, so that a read past its end (the writer
        // loads 16 bytes at a time) is caught by the sanitizer build.
        const std::vector<char> exact(utf8.cbegin(), utf8.cend());
        const QByteArray fromExact = utf8Written(QByteArrayView(exact.data(), qsizetype(exact.size())));
        if (written != viaUtf16 || written != qtString(text) || fromExact != written)
            QFAIL(qPrintable(QStringLiteral("seed %1 (DRAWBRIDGE_FUZZ_SEED=%1) iteration %2: %3")
                                 .arg(seed)
                                 .arg(i)
                                 .arg(QString::fromLatin1(utf8.toHex()))));
    }
}

void TstJsonWriter::utf8StringMember()
{
    // The member writes separators like string() does.
    QByteArray viaUtf8, viaUtf16;
    for (QByteArray *out : { &viaUtf8, &viaUtf16 }) {
        JsonWriter w(*out);
        w.beginObject();
        w.key("a");
        if (out == &viaUtf8)
            w.utf8String("\xc3\xa9\"");
        else
            w.string(QStringLiteral("é\""));
        w.key("b");
        w.beginArray();
        for (int i = 0; i < 2; ++i) {
            if (out == &viaUtf8)
                w.utf8String("x");
            else
                w.string(QStringLiteral("x"));
        }
        w.endArray();
        w.endObject();
    }
    QCOMPARE(viaUtf8, viaUtf16);
    QCOMPARE(viaUtf8, QByteArray(R"({"a":"é\"","b":["x","x"]})"));
}

void TstJsonWriter::qtCompactFromElement_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("written"); // false: left to the Qt path
    QTest::newRow("sorted, numbers") << QByteArray(
        R"({"z":1.5e3,"a":[true,-0.0,12345678901234567890,1e-7],"m":null})")
                                     << true;
    QTest::newRow("nested and escapes")
        << QByteArray(R"({"b":{"y":"\u00e9\n","x":"\ud83d\ude00"},"a":""})") << true;
    QTest::newRow("whole numbers written as doubles") << QByteArray(
        R"({"a":[1e16,1e19,1.0e2,-0.0,0.0,9007199254740993.0,1e300,1e6,1000000.0,-1e18,2.5,-2.5e-10,)"
        R"(9223372036854775807.0,-9223372036854775808.0,9.2e18,-9.3e18,1e-7,123456789.000]})")
                                                      << true;
    QTest::newRow("integers at the edges") << QByteArray(
        R"({"a":[9223372036854775807,-9223372036854775808,9223372036854775808,18446744073709551615,0,-0]})")
                                           << true;
    QTest::newRow("empty key kept") << QByteArray(R"({"":1,"a":2})") << true;
    QTest::newRow("non-ascii key") << QByteArray(R"({"é":1})") << false;
    QTest::newRow("duplicate key") << QByteArray(R"({"a":1,"a":2})") << false;
    QTest::newRow("not an object") << QByteArray("[1,2]") << false;
}

void TstJsonWriter::qtCompactFromElement()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, written);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    QVERIFY(!parser.parse(json.constData(), size_t(json.size())).get(root));
    QByteArray fromElement("x");
    QCOMPARE(QtCompactJson::appendObject(fromElement, root, false), written);
    QByteArray fromText("x");
    QCOMPARE(JsonWriter::appendQtCompactObject(fromText, json, false), written);
    QCOMPARE(fromElement, fromText);
    if (written)
        QCOMPARE(fromElement.mid(1),
                 QJsonDocument(QJsonDocument::fromJson(json).object()).toJson(QJsonDocument::Compact));
    else
        QCOMPARE(fromElement, QByteArray("x"));
}

void TstJsonWriter::structureLikeQt()
{
    // Brackets, keys, separators and values as Qt writes them, whatever state the target array is in: empty
    // (no allocation), shared with a copy that must not change, or full to its last byte.
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator64 rng(seed);
    const int iterations = Test::fuzzIterations(600);
    for (int i = 0; i < iterations; ++i) {
        QByteArray out;
        QByteArray kept;
        if (i % 3 == 1) {
            out.reserve(4096); // room behind the data, so only the sharing forbids writing there
            out.append("prefix");
            kept = out; // shared: the first write must detach, not write into the copy
        } else if (i % 3 == 2) {
            out.reserve(int(rng.bounded(64)));
            out.resize(out.capacity()); // no room left: every first write grows the array
            out.fill('p');
        }
        const QByteArray prefix = out;
        JsonWriter w(out);
        const QJsonValue value = writeRandom(rng, w, 0);
        const QByteArray expected = value.isObject()
            ? QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact)
            : value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                              : QByteArray();
        const QString where
            = QStringLiteral("seed %1 iteration %2 (DRAWBRIDGE_FUZZ_SEED=%1)").arg(seed).arg(i);
        QVERIFY2(out.startsWith(prefix), qPrintable(where));
        if (!expected.isEmpty())
            QVERIFY2(out.sliced(prefix.size()) == expected,
                     qPrintable(where + QStringLiteral(": ") + QString::fromUtf8(out)));
        QVERIFY2(qstrlen(out.constData()) == size_t(out.size()),
                 qPrintable(where)); // terminated, no NUL inside
        if (i % 3 == 1) {
            QVERIFY2(kept == "prefix", qPrintable(where));
            // ... and its bytes end where they did: writing behind them in the shared block overwrites its
            // terminator.
            QVERIFY2(qstrlen(kept.constData()) == size_t(kept.size()), qPrintable(where));
        }
    }
}

QTEST_GUILESS_MAIN(TstJsonWriter)
#include "tst_jsonwriter.moc"
