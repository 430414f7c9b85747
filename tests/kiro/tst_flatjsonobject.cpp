// SPDX-License-Identifier: MIT
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <array>
#include <bit>

#include "server/kiro/flatjsonobject.h"
#include "tests/kiro/legacyflatjsonobject.h"
#include "tests/kiro/randomkiropayload.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

/** Empty when @p flat reads @p json exactly as QJsonDocument does, else what differs. */
QString difference(const QByteArray &json, const FlatJsonObject &flat)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return QStringLiteral("accepted what QJsonDocument rejects: %1").arg(error.errorString());
    const QJsonObject object = doc.object();
    if (object.size() != flat.size())
        return QStringLiteral("%1 members, QJsonDocument has %2").arg(flat.size()).arg(object.size());
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QByteArray key = it.key().toLatin1();
        const QLatin1StringView k(key);
        if (!flat.contains(k))
            return QStringLiteral("missing key %1").arg(it.key());
        if (flat.string(k) != it.value().toString())
            return QStringLiteral("key %1: %2 instead of %3")
                .arg(it.key(), flat.string(k), it.value().toString());
        if (flat.boolean(k) != it.value().toBool())
            return QStringLiteral("key %1: boolean differs").arg(it.key());
        if (flat.isString(k) != it.value().isString() || flat.isNumber(k) != it.value().isDouble())
            return QStringLiteral("key %1: type differs").arg(it.key());
        // Bit for bit: 0.1 + 1 ulp must not pass, nor -0 for 0.
        if (std::bit_cast<quint64>(flat.number(k)) != std::bit_cast<quint64>(it.value().toDouble()))
            return QStringLiteral("key %1: %2 instead of %3")
                .arg(it.key())
                .arg(flat.number(k), 0, 'g', 17)
                .arg(it.value().toDouble(), 0, 'g', 17);
        if (flat.integer(k) != it.value().toInteger())
            return QStringLiteral("key %1: integer %2 instead of %3")
                .arg(it.key())
                .arg(flat.integer(k))
                .arg(it.value().toInteger());
    }
    return {};
}

/** The keys the differential payloads use (plus one they never do). */
constexpr std::array<const char *, 6> diffKeys { "content", "text", "input", "stop", "", "absent" };

/** Empty when the reader and its predecessor (the oracle) read @p json alike, else what differs. */
QString differenceFromLegacy(const QByteArray &json)
{
    FlatJsonObject now;
    LegacyFlatJsonObject before;
    const bool accepted = now.parse(json);
    if (accepted != before.parse(json))
        return accepted ? QStringLiteral("accepted what the old reader refused")
                        : QStringLiteral("refused what the old reader accepted");
    if (!accepted)
        return {};
    if (now.size() != before.size())
        return QStringLiteral("%1 members, the old reader has %2").arg(now.size()).arg(before.size());
    for (const char *key : diffKeys) {
        const QLatin1StringView k(key);
        if (now.contains(k) != before.contains(k) || now.string(k) != before.string(k)
            || now.boolean(k) != before.boolean(k))
            return QStringLiteral("key \"%1\": \"%2\" instead of \"%3\"")
                .arg(k, now.string(k), before.string(k));
    }
    return {};
}

/**
 * Payloads for the differential test: string values of long plain ASCII runs with escapes, UTF-8 (valid
 * and not), control characters and quotes between them at random offsets, so every offset modulo the
 * 16-byte blocks meets every kind of byte; some cut anywhere.
 */
class LongStringPayload
{
public:
    explicit LongStringPayload(quint32 seed) : m_rng(seed) { }

    QByteArray payload()
    {
        QByteArray out = "{";
        const int members = 1 + pick(3);
        for (int i = 0; i < members; ++i) {
            if (i > 0)
                out += pick(4) ? "," : " ,\n";
            out += '"' + QByteArray(diffKeys[size_t(pick(int(diffKeys.size()) - 1))]) + "\":";
            const int kind = pick(10);
            if (kind == 0)
                out += pick(2) ? "true" : "null";
            else
                out += '"' + stringBody() + '"';
        }
        out += '}';
        if (pick(5) == 0)
            out.truncate(pick(int(out.size()) + 1)); // a cut string, or a cut object
        return out;
    }

private:
    int pick(int n) { return int(m_rng.bounded(n)); }

    QByteArray run(int length)
    {
        QByteArray out(length, Qt::Uninitialized);
        for (char &c : out) {
            c = char(0x20 + pick(0x5f));
            if (c == '"' || c == '\\')
                c = 'q';
        }
        return out;
    }

    QByteArray stringBody()
    {
        QByteArray out;
        const int pieces = pick(8);
        for (int i = 0; i < pieces; ++i) {
            out += run(pick(4) ? pick(40) : pick(300));
            out += special();
        }
        return out + run(pick(40));
    }

    QByteArray special()
    {
        static constexpr std::array<const char *, 14> valid {
            "\\\"",         "\\\\",         "\\/",
            "\\n",          "\\t",          "\\u00e9",
            "\\u4E2D",      "\\u0000",      "\\ud83d\\ude00",
            "\xc3\xa9",     "\xe2\x86\x92", "\xf0\x9f\x98\x80",
            "\xef\xbf\xbf", "\x7f",
        };
        static constexpr std::array<const char *, 11> invalid {
            "\\ud83d",  "\\ude00x", "\\x",  "\\u12", "\xc0\xaf", "\xed\xa0\x80",
            "\xe2\x86", "\x80",     "\x01", "\x1f",  "\"",
        };
        if (pick(10) != 0)
            return valid[size_t(pick(int(valid.size())))];
        if (pick(4) == 0)
            return QByteArray(1, char(0x80 + pick(0x80))); // any byte with the high bit
        return invalid[size_t(pick(int(invalid.size())))];
    }

    QRandomGenerator m_rng;
};

} // namespace

class TstFlatJsonObject : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsLikeQJsonDocument_data();
    void readsLikeQJsonDocument();
    void givesUpOnTheUnusual_data();
    void givesUpOnTheUnusual();
    void randomPayloadsMatchQJsonDocument();
    void everyOffsetMatchesTheOldReader();
    void longStringsMatchTheOldReader();
    void randomNumbersMatchQJsonDocument();
};

void TstFlatJsonObject::readsLikeQJsonDocument_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("text") << QByteArray(R"({"content":"Hello"})");
    QTest::newRow("empty object") << QByteArray("{}");
    QTest::newRow("spaces") << QByteArray(" \n{ \"content\" :\t\"a b\" ,\r\n \"stop\" : true } \n");
    QTest::newRow("escapes") << QByteArray(R"({"content":"q\"b\\s\/\b\f\n\r\t"})");
    QTest::newRow("unicode escapes") << QByteArray(R"({"content":"\u00e9\u4E2D\u0000\uFFFF\u20ac"})");
    QTest::newRow("surrogate pair") << QByteArray(R"({"content":"\ud83d\ude00!"})");
    QTest::newRow("utf-8") << QByteArray(
        "{\"content\":\"\xc3\xa9\xe2\x86\x92\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"}");
    QTest::newRow("noncharacters") << QByteArray("{\"content\":\"\xef\xbf\xbe\xef\xbf\xbf\xef\xb7\x90\"}");
    QTest::newRow("tool fragment") << QByteArray(
        R"({"name":"get_weather","toolUseId":"tooluse_1","input":"{\"city\": \"Par","stop":false})");
    QTest::newRow("null and false") << QByteArray(R"({"content":null,"stop":false,"text":""})");
    QTest::newRow("empty key") << QByteArray(R"({"":"x","content":"y"})");
    QTest::newRow("metering") << QByteArray(R"({"unit":"credit","unitPlural":"credits","usage":0.0125})");
    QTest::newRow("context usage") << QByteArray(R"({"contextUsagePercentage":1.5})");
    QTest::newRow("integers") << QByteArray(R"({"a":0,"b":-7,"c":123456789012345,"d":-123456789012345})");
    QTest::newRow("integral doubles") << QByteArray(R"({"a":1.0,"b":-2.50e1,"c":1e15,"d":9.2e18,"e":1E2})");
    QTest::newRow("fractions") << QByteArray(R"({"a":0.1,"b":-0.3,"c":2.675,"d":1.7976931348623157e308})");
    QTest::newRow("exponents") << QByteArray(R"({"a":1e-5,"b":5E+3,"c":2.2250738585072014e-308,"d":0e-999})");
    QTest::newRow("halfway cases") << QByteArray(
        R"({"a":9007199254740993e0,"b":2.0000000000000002220446049250313,"c":0.30000000000000004})");
    QTest::newRow("zeros") << QByteArray(R"({"a":0.0,"b":0e5,"c":0.000})");
    QTest::newRow("number then space") << QByteArray("{\"a\":12 ,\"b\":3\n}");
}

void TstFlatJsonObject::readsLikeQJsonDocument()
{
    QFETCH(QByteArray, json);
    FlatJsonObject flat;
    QVERIFY2(flat.parse(json), "the flat reader gave up");
    const QString diff = difference(json, flat);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

void TstFlatJsonObject::givesUpOnTheUnusual_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("lone high surrogate") << QByteArray(R"({"content":"\ud83dx"})");
    QTest::newRow("lone low surrogate") << QByteArray(R"({"content":"\ude00"})");
    QTest::newRow("reversed pair") << QByteArray(R"({"content":"\ude00\ud83d"})");
    QTest::newRow("negative zero") << QByteArray(R"({"a":-0})");
    QTest::newRow("negative zero fraction") << QByteArray(R"({"a":-0.0e3})");
    QTest::newRow("leading zero") << QByteArray(R"({"a":01})");
    QTest::newRow("leading plus") << QByteArray(R"({"a":+1})");
    QTest::newRow("bare minus") << QByteArray(R"({"a":-})");
    QTest::newRow("no fraction digits") << QByteArray(R"({"a":1.})");
    QTest::newRow("no integer digits") << QByteArray(R"({"a":.5})");
    QTest::newRow("no exponent digits") << QByteArray(R"({"a":1e})");
    QTest::newRow("signed exponent without digits") << QByteArray(R"({"a":1e+})");
    QTest::newRow("hexadecimal") << QByteArray(R"({"a":0x10})");
    QTest::newRow("16-digit integer") << QByteArray(R"({"a":1234567890123456})");
    QTest::newRow("64-bit integer") << QByteArray(R"({"a":9223372036854775807})");
    QTest::newRow("overflow") << QByteArray(R"({"a":1e309})");
    QTest::newRow("underflow") << QByteArray(R"({"a":1e-400})");
    QTest::newRow("subnormal") << QByteArray(R"({"a":4.9e-324})");
    QTest::newRow("too long") << QByteArray(R"({"a":0.)" + QByteArray(70, '1') + "}");
    QTest::newRow("NaN") << QByteArray(R"({"a":NaN})");
    QTest::newRow("Infinity") << QByteArray(R"({"a":-Infinity})");
    QTest::newRow("number then garbage") << QByteArray(R"({"a":12x})");
    QTest::newRow("nested") << QByteArray(R"({"input":{"city":"Paris"}})");
    QTest::newRow("array") << QByteArray(R"({"a":[]})");
    QTest::newRow("repeated key") << QByteArray(R"({"content":"a","content":"b"})");
    QTest::newRow("escaped key") << QByteArray(R"({"cont\u0065nt":"a"})");
    QTest::newRow("non-ASCII key") << QByteArray("{\"\xc3\xa9\":\"a\"}");
    QTest::newRow("raw control") << QByteArray("{\"content\":\"a\x01\"}");
    QTest::newRow("invalid escape") << QByteArray(R"({"content":"\x"})");
    QTest::newRow("short unicode escape") << QByteArray(R"({"content":"\u12"})");
    QTest::newRow("overlong") << QByteArray("{\"content\":\"\xc0\xaf\"}");
    QTest::newRow("utf-8 surrogate") << QByteArray("{\"content\":\"\xed\xa0\x80\"}");
    QTest::newRow("above U+10FFFF") << QByteArray("{\"content\":\"\xf4\x90\x80\x80\"}");
    QTest::newRow("cut sequence") << QByteArray("{\"content\":\"\xe2\x86\"}");
    QTest::newRow("trailing comma") << QByteArray(R"({"content":"a",})");
    QTest::newRow("garbage after") << QByteArray(R"({"content":"a"}x)");
    QTest::newRow("two documents") << QByteArray(R"({}{})");
    QTest::newRow("cut") << QByteArray(R"({"content":"a)");
    QTest::newRow("cut after a backslash") << QByteArray("{\"content\":\"a\\");
    QTest::newRow("quote inside a unicode escape") << QByteArray("{\"content\":\"\\u0\"}");
    QTest::newRow("quote inside a UTF-8 sequence") << QByteArray("{\"content\":\"\xe2\"}");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("string") << QByteArray(R"("content")");
    QTest::newRow("too many members")
        << QByteArray(R"({"a":"","b":"","c":"","d":"","e":"","f":"","g":"","h":"","i":""})");
}

void TstFlatJsonObject::givesUpOnTheUnusual()
{
    QFETCH(QByteArray, json);
    FlatJsonObject flat;
    QVERIFY(!flat.parse(json));
}

void TstFlatJsonObject::randomPayloadsMatchQJsonDocument()
{
    constexpr quint32 seeds = 20000;
    int accepted = 0;
    int rejectedValid = 0;
    for (quint32 seed = 1; seed <= seeds; ++seed) {
        RandomKiroPayload generator(seed);
        const QByteArray json = generator.payload();
        FlatJsonObject flat;
        if (!flat.parse(json)) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
            rejectedValid += error.error == QJsonParseError::NoError && doc.isObject() ? 1 : 0;
            continue;
        }
        ++accepted;
        const QString diff = difference(json, flat);
        QVERIFY2(diff.isEmpty(),
                 qPrintable(QStringLiteral("seed %1, payload %2: %3")
                                .arg(QString::number(seed),
                                     QString::fromLatin1(json.toPercentEncoding(" {}:,\"\\")), diff)));
    }
    qInfo("%d of %u random payloads read without a DOM, %d valid objects left to QJsonDocument", accepted,
          seeds, rejectedValid);
    // Both sides must be exercised, or the comparison proves nothing.
    QVERIFY(accepted > int(seeds) / 5);
    QVERIFY(rejectedValid > int(seeds) / 20);
}

void TstFlatJsonObject::everyOffsetMatchesTheOldReader()
{
    // Each kind of byte after 0..47 plain ones (every position in a 16-byte block, three blocks deep), with
    // plain bytes after it, and the same payload cut at every length.
    static constexpr std::array<const char *, 15> specials {
        "\\\"",
        "\\n",
        "\\u00e9",
        "\\ud83d\\ude00",
        "\\ud83d",
        "\\x",
        "\xc3\xa9",
        "\xe2\x86\x92",
        "\xf0\x9f\x98\x80",
        "\xc0\xaf",
        "\x01",
        "\"",
        "\\",
        "\x7f",
        "\x1f",
    };
    int compared = 0;
    for (int offset = 0; offset < 48; ++offset) {
        for (const char *special : specials) {
            for (int after : { 0, 5, 17, 40 }) {
                const QByteArray json = "{\"content\":\"" + QByteArray(offset, 'a') + special
                    + QByteArray(after, 'b') + "\",\"stop\":true}";
                for (qsizetype cut = json.size(); cut >= 0; --cut) {
                    const QByteArray piece = json.left(cut);
                    const QString diff = differenceFromLegacy(piece);
                    QVERIFY2(diff.isEmpty(),
                             qPrintable(QStringLiteral("%1: %2").arg(
                                 QString::fromLatin1(piece.toPercentEncoding(" {}:,\"\\")), diff)));
                    ++compared;
                }
            }
        }
    }
    qInfo("%d payloads compared", compared);
}

void TstFlatJsonObject::longStringsMatchTheOldReader()
{
    constexpr quint32 seeds = 20000;
    int accepted = 0;
    for (quint32 seed = 1; seed <= seeds; ++seed) {
        LongStringPayload generator(seed);
        const QByteArray json = generator.payload();
        const QString diff = differenceFromLegacy(json);
        QVERIFY2(diff.isEmpty(),
                 qPrintable(QStringLiteral("seed %1, payload %2: %3")
                                .arg(QString::number(seed),
                                     QString::fromLatin1(json.toPercentEncoding(" {}:,\"\\")), diff)));
        FlatJsonObject flat;
        accepted += flat.parse(json) ? 1 : 0;
    }
    qInfo("%d of %u random long-string payloads accepted, all read as the old reader read them", accepted,
          seeds);
    // Both sides must be exercised, or the comparison proves nothing.
    QVERIFY(accepted > int(seeds) / 10);
    QVERIFY(accepted < int(seeds) * 9 / 10);
}

void TstFlatJsonObject::randomNumbersMatchQJsonDocument()
{
    // Numbers from the lax grammar around RFC 8259's (leading zeros, missing digits, signs), long mantissas
    // near halfway cases, every exponent size; each accepted one must read bit for bit as Qt reads it.
    constexpr quint32 seeds = 20000;
    int accepted = 0;
    for (quint32 seed = 1; seed <= seeds; ++seed) {
        QRandomGenerator rng(seed);
        const auto digits = [&rng](int n) {
            QByteArray out;
            for (int i = 0; i < n; ++i)
                out += char('0' + rng.bounded(10));
            return out;
        };
        QByteArray number;
        if (rng.bounded(3) == 0)
            number += '-';
        else if (rng.bounded(40) == 0)
            number += '+';
        number += rng.bounded(4) == 0 ? QByteArray("0") : digits(int(rng.bounded(20)));
        if (rng.bounded(2))
            number += '.' + digits(int(rng.bounded(rng.bounded(4) ? 8 : 30)));
        if (rng.bounded(3) == 0) {
            number += rng.bounded(2) ? 'e' : 'E';
            if (rng.bounded(2))
                number += rng.bounded(2) ? '-' : '+';
            number += digits(int(rng.bounded(4)));
        }
        const QByteArray json = "{\"n\":" + number + (rng.bounded(2) ? "}" : ",\"s\":\"x\"}");
        FlatJsonObject flat;
        if (!flat.parse(json))
            continue;
        ++accepted;
        const QString diff = difference(json, flat);
        QVERIFY2(diff.isEmpty(),
                 qPrintable(QStringLiteral("seed %1, payload %2: %3")
                                .arg(QString::number(seed), QString::fromLatin1(json), diff)));
    }
    qInfo("%d of %u random numbers read without a DOM, bit for bit as QJsonDocument reads them", accepted,
          seeds);
    QVERIFY(accepted > int(seeds) / 4);
}

QTEST_GUILESS_MAIN(TstFlatJsonObject)
#include "tst_flatjsonobject.moc"
