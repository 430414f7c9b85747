// SPDX-License-Identifier: MIT
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "server/kiro/flatjsonobject.h"
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
    }
    return {};
}

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
    QTest::newRow("number") << QByteArray(R"({"contextUsagePercentage":12.5})");
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

QTEST_GUILESS_MAIN(TstFlatJsonObject)
#include "tst_flatjsonobject.moc"
