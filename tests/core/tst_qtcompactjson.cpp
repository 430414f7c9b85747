// SPDX-License-Identifier: MIT
// QtCompactJson against its oracle, Qt itself: for seeded random JSON objects (nested, numbers in every
// form, escaped and unicode strings and keys, keys in and out of order, duplicate and empty keys, random
// whitespace), what the writer appends from simdjson's DOM must be byte for byte
// QJsonDocument(QJsonDocument::fromJson(text).object()).toJson(Compact), and it may refuse (the caller then
// takes the Qt path) only for a duplicate or non-ASCII key. DRAWBRIDGE_FUZZ_SEED reproduces a run (the seed
// is printed on failure), DRAWBRIDGE_FUZZ_ITERATIONS extends it.
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <iterator>

#include <simdjson.h>

#include "server/core/qtcompactjson.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;

namespace {

/** A random JSON text and what the writer must make of it. */
class Generator
{
public:
    explicit Generator(quint64 seed) : m_rng(seed) { }

    /** An object; @p refuse is set when it holds a duplicate or non-ASCII key anywhere. */
    QByteArray object(bool &refuse)
    {
        m_refuse = false;
        QByteArray out;
        writeObject(out, 0);
        refuse = m_refuse;
        return out;
    }

private:
    int pick(int n) { return int(m_rng.bounded(n)); }

    void space(QByteArray &out)
    {
        static const char *const spaces[] = { "", "", "", " ", "\n  ", "\t", "\r\n" };
        out += spaces[pick(7)];
    }

    /** A key as written and as it reads back (for the duplicate and ASCII bookkeeping). */
    std::pair<QByteArray, QByteArray> key()
    {
        static const char *const words[]
            = { "path", "line",    "a",  "b",   "old_string", "content", "Path", "_x",  "z9",
                "9z",   "command", "ab", "abc", "lines",      "flag",    "$ref", "a b", "~" };
        switch (pick(30)) {
        case 0:
            return { "", "" };
        case 1:
            return { R"(quo\"te)", "quo\"te" };
        case 2:
            return { R"(tab\there)", "tab\there" };
        case 3:
            return { R"(\u0041scii)", "Ascii" }; // an escaped ASCII letter: sorted as the letter
        case 4:
            return { R"(ctl\u0001)", "ctl\x01" };
        case 5:
            return { R"(back\\slash\/)", "back\\slash/" };
        case 6:
            return { "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" }; // non-ASCII: refused
        case 7:
            return { R"(\u00e9)", "\xc3\xa9" };
        default: {
            const QByteArray w = words[pick(int(std::size(words)))];
            return { w, w };
        }
        }
    }

    QByteArray number()
    {
        static const char *const fixed[] = { "0",
                                             "-0",
                                             "0.0",
                                             "-0.0",
                                             "1e6",
                                             "1E6",
                                             "1e+6",
                                             "1000000.0",
                                             "1.5e300",
                                             "-1.5e-300",
                                             "5e-324",
                                             "1.7976931348623157e308",
                                             "2.5",
                                             "-2.5e-10",
                                             "0.1",
                                             "1e-7",
                                             "123456789.000",
                                             "9007199254740993",
                                             "9007199254740993.0",
                                             "1e16",
                                             "1e19",
                                             "9.2e18",
                                             "-9.3e18",
                                             "9223372036854775807",
                                             "-9223372036854775808",
                                             "9223372036854775808",
                                             "18446744073709551615",
                                             "-9223372036854775809",
                                             "9223372036854775807.0",
                                             "-9223372036854775808.0",
                                             "12345678901234567890",
                                             "1.0e2",
                                             "100e-2",
                                             "0.000001",
                                             "123e-20",
                                             "4.35",
                                             "1e22",
                                             "1e21",
                                             "1e20" };
        switch (pick(5)) {
        case 0:
            return fixed[pick(int(std::size(fixed)))];
        case 1:
            return QByteArray::number(qint64(m_rng.generate64() >> pick(64)) * (pick(2) ? 1 : -1));
        case 2: {
            // A random double, written in a random way that reads back exactly or not at all.
            const double d = (m_rng.generateDouble() - 0.5) * std::pow(10.0, pick(40) - 20);
            return QByteArray::number(d, "egf"[pick(3)], pick(18));
        }
        case 3:
            return QByteArray::number(pick(1000));
        default: {
            // Digits with a fraction and an exponent in any combination.
            QByteArray n = pick(3) ? QByteArray() : QByteArray("-");
            n += QByteArray::number(pick(100000));
            if (pick(2))
                n += "." + QByteArray::number(pick(1000));
            if (pick(2))
                n += QByteArray(1, "eE"[pick(2)]) + (pick(2) ? "-" : "+") + QByteArray::number(pick(30));
            return n;
        }
        }
    }

    QByteArray string()
    {
        static const char *const pieces[] = { "a",
                                              "plain ascii text long enough for sixteen-byte blocks ",
                                              R"(\")",
                                              R"(\\)",
                                              R"(\/)",
                                              R"(\n)",
                                              R"(\t)",
                                              R"(\b\f\r)",
                                              R"(\u0000)",
                                              R"(\u001f)",
                                              "\x7f",
                                              R"(\u00e9)",
                                              "\xc3\xa9",
                                              "\xe2\x82\xac",
                                              "\xf0\x9f\x98\x80",
                                              R"(\ud83d\ude00)",
                                              R"(\u2028)",
                                              "<>&'",
                                              " " };
        QByteArray s = "\"";
        for (int n = pick(12); n > 0; --n)
            s += pieces[pick(int(std::size(pieces)))];
        return s + "\"";
    }

    void writeValue(QByteArray &out, int depth)
    {
        switch (pick(depth < 4 ? 8 : 6)) {
        case 0:
        case 1:
            out += string();
            break;
        case 2:
        case 3:
            out += number();
            break;
        case 4: {
            static const char *const literals[] = { "true", "false", "null" };
            out += literals[pick(3)];
        } break;
        case 5:
            out += "[";
            for (int n = pick(5), i = 0; i < n; ++i) {
                if (i)
                    out += ",";
                space(out);
                writeValue(out, depth + 1);
                space(out);
            }
            out += "]";
            break;
        case 6:
            writeObject(out, depth + 1);
            break;
        default: {
            out += "[";
            writeObject(out, depth + 1);
            out += "]";
        }
        }
    }

    void writeObject(QByteArray &out, int depth)
    {
        const int n = pick(depth == 0 ? 9 : 5);
        QList<std::pair<QByteArray, QByteArray>> keys;
        for (int i = 0; i < n; ++i)
            keys.append(key());
        // Half the objects come with their keys in order (the writer's path without sorting).
        if (pick(2))
            std::sort(keys.begin(), keys.end(),
                      [](const auto &a, const auto &b) { return a.second < b.second; });
        QList<QByteArray> seen;
        out += "{";
        for (int i = 0; i < n; ++i) {
            const QByteArray &read = keys[i].second;
            if (seen.contains(read) || std::any_of(read.begin(), read.end(), [](char c) { return c & 0x80; }))
                m_refuse = true;
            seen.append(read);
            if (i)
                out += ",";
            space(out);
            out += "\"" + keys[i].first + "\"";
            space(out);
            out += ":";
            space(out);
            writeValue(out, depth);
            space(out);
        }
        out += "}";
    }

    QRandomGenerator64 m_rng;
    bool m_refuse = false;
};

/** What the Qt path writes for @p text (without a top-level "" key when @p dropEmptyKey). */
QByteArray qtCompact(const QByteArray &text, bool dropEmptyKey)
{
    QJsonObject o = QJsonDocument::fromJson(text).object();
    if (dropEmptyKey)
        o.remove(QString());
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TstQtCompactJson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void randomObjectsLikeQt();
    void targetStates();
    void refusalLeavesTargetUntouched();
    void everyLengthAndEscapePosition();
    void manyMembersInAnyOrder();
};

void TstQtCompactJson::randomObjectsLikeQt()
{
    const quint64 seed = Test::fuzzSeed();
    Generator gen(seed);
    simdjson::dom::parser parser;
    const int iterations = Test::fuzzIterations(3000);
    int written = 0, refused = 0, unparsed = 0;
    for (int i = 0; i < iterations; ++i) {
        bool refuse = false;
        const QByteArray text = gen.object(refuse);
        const auto context = [&] {
            return qPrintable(QStringLiteral("seed %1 (DRAWBRIDGE_FUZZ_SEED=%1) iteration %2: %3")
                                  .arg(seed)
                                  .arg(i)
                                  .arg(QString::fromUtf8(text)));
        };
        QJsonParseError error;
        QJsonDocument::fromJson(text, &error);
        if (error.error != QJsonParseError::NoError)
            QFAIL(context()); // the generator writes valid JSON only
        simdjson::dom::element root;
        if (parser.parse(text.constData(), size_t(text.size())).get(root)) {
            ++unparsed; // numbers past 64 bits simdjson refuses: the caller's Qt path
            continue;
        }
        for (const bool drop : { false, true }) {
            QByteArray out("prefix");
            const bool ok = QtCompactJson::appendObject(out, root, drop);
            // A refusal only for a duplicate or non-ASCII key; without "" keys at the top such a key may sit
            // under a dropped one.
            if (ok == refuse && (ok ? !drop : true))
                QFAIL(context());
            if (!ok) {
                if (out != "prefix")
                    QFAIL(context());
                ++refused;
                continue;
            }
            ++written;
            if (out.mid(6) != qtCompact(text, drop)) {
                qWarning("ours %s\nqt   %s", out.constData() + 6, qtCompact(text, drop).constData());
                QFAIL(context());
            }
        }
    }
    qInfo("seed %llu: %d written, %d refused, %d not parsed by simdjson", seed, written, refused, unparsed);
    QVERIFY(written > iterations / 2);
    QVERIFY(refused > 0);
}

void TstQtCompactJson::targetStates()
{
    // The writer makes room ahead and trims after: the bytes must be the same whatever the target's state
    // (empty, shared with a copy that must not change, full to its last byte), and large objects grow it.
    Generator gen(7);
    simdjson::dom::parser parser;
    for (int i = 0; i < 300; ++i) {
        bool refuse = false;
        QByteArray text = gen.object(refuse);
        if (i % 10 == 0) // past the first room and several growths
            text = "{\"big\":\"" + QByteArray(5000 + i, 'x') + "\\n\",\"more\":" + text + "}";
        simdjson::dom::element root;
        if (refuse || parser.parse(text.constData(), size_t(text.size())).get(root))
            continue;
        QByteArray out;
        QByteArray kept;
        if (i % 3 == 1) {
            out.reserve(4096);
            out.append("prefix");
            kept = out;
        } else if (i % 3 == 2) {
            out.reserve(i % 64);
            out.resize(out.capacity());
            out.fill('p');
        }
        const QByteArray prefix = out;
        QVERIFY(QtCompactJson::appendObject(out, root, false));
        QCOMPARE(out.left(prefix.size()), prefix);
        QCOMPARE(out.mid(prefix.size()), qtCompact(text, false));
        QCOMPARE(kept, i % 3 == 1 ? QByteArray("prefix") : QByteArray());
    }
}

void TstQtCompactJson::refusalLeavesTargetUntouched()
{
    // A refusal deep inside an unsorted object leaves no trace, and the next call on the thread starts clean.
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    const QByteArray bad = R"({"z":{"y":1,"x":{"q":1,"p":2,"q":3}},"a":2})";
    QVERIFY(!parser.parse(bad.constData(), size_t(bad.size())).get(root));
    QByteArray out("keep");
    QVERIFY(!QtCompactJson::appendObject(out, root, false));
    QCOMPARE(out, QByteArray("keep"));
    const QByteArray good = R"({"z":{"y":1,"x":{"q":1,"p":2}},"a":2})";
    QVERIFY(!parser.parse(good.constData(), size_t(good.size())).get(root));
    QVERIFY(QtCompactJson::appendObject(out, root, false));
    QCOMPARE(out, QByteArray(R"(keep{"a":2,"z":{"x":{"p":2,"q":1},"y":1}})"));
}

void TstQtCompactJson::everyLengthAndEscapePosition()
{
    // Strings are written 16 bytes at a time, a shorter rest through a block: every length around one and
    // two blocks, with each kind of byte that ends a run at every position, as key and as value.
    simdjson::dom::parser parser;
    static const char *const specials[]
        = { R"(\")", R"(\\)", R"(\n)", R"(\u0001)", R"(\u001f)", "\x7f", "\xc3\xa9", "\xe2\x82\xac", " " };
    for (int length = 0; length <= 40; ++length) {
        for (int at = -1; at < length; ++at) {
            for (const char *special : specials) {
                QByteArray text(length, 'k');
                if (at >= 0)
                    text.replace(at, 1, special);
                // Keys with non-ASCII bytes are the Qt path's.
                const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return !(c & 0x80); });
                const QByteArray json = "{\"" + (ascii ? text : "k") + "\":\"" + text + "\",\"~~\":1}";
                simdjson::dom::element root;
                QVERIFY(!parser.parse(json.constData(), size_t(json.size())).get(root));
                QByteArray out;
                QVERIFY(QtCompactJson::appendObject(out, root, false));
                if (out != qtCompact(json, false))
                    QFAIL(qPrintable(QString::fromUtf8(json + " -> " + out)));
                if (at < 0)
                    break;
            }
        }
    }
}

void TstQtCompactJson::manyMembersInAnyOrder()
{
    // Up to 16 members are sorted by insertion, more by std::sort; keys sharing long prefixes and prefixes of
    // each other, in shuffled, sorted and reversed order.
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator64 rng(seed);
    simdjson::dom::parser parser;
    QList<int> sizes;
    for (int n = 0; n <= 60; ++n)
        sizes.append(n);
    // 3,000 members pass the stack the writer keeps between calls; the calls after must not mind.
    sizes << 3000 << 2 << 1;
    for (const int n : sizes) {
        QList<QByteArray> keys;
        for (int i = 0; i < n; ++i)
            keys.append(QByteArray(int(rng.bounded(4)), 'p') + QByteArray::number(i)
                        + QByteArray(i % 3, 'x'));
        for (int order = 0; order < 3; ++order) {
            if (order == 0)
                std::shuffle(keys.begin(), keys.end(), rng);
            else
                std::sort(keys.begin(), keys.end());
            if (order == 2)
                std::reverse(keys.begin(), keys.end());
            QByteArray json = "{";
            for (int i = 0; i < n; ++i)
                json += (i ? ",\"" : "\"") + keys[i] + "\":{\"b\":" + QByteArray::number(i) + ",\"a\":[]}";
            json += "}";
            simdjson::dom::element root;
            QVERIFY(!parser.parse(json.constData(), size_t(json.size())).get(root));
            QByteArray out;
            QVERIFY(QtCompactJson::appendObject(out, root, false));
            if (out != qtCompact(json, false))
                QFAIL(qPrintable(QStringLiteral("seed %1 (DRAWBRIDGE_FUZZ_SEED=%1): %2")
                                     .arg(seed)
                                     .arg(QString::fromUtf8(json))));
        }
    }
}

QTEST_GUILESS_MAIN(TstQtCompactJson)
#include "tst_qtcompactjson.moc"
