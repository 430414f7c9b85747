// SPDX-License-Identifier: MIT
#include <QtTest>

#include "server/core/jsonfieldreader.h"

using namespace Drawbridge;
using Null = JsonFieldReader::Null;

namespace {

/** What a reader made of one field: the value as text, "absent", or "error:<param>:<message>". */
QString outcome(const JsonFieldReader &r, const std::optional<QString> &value)
{
    if (!r.ok())
        return QStringLiteral("error:%1:%2").arg(r.error()->param, r.error()->message);
    return value ? *value : QStringLiteral("absent");
}

template<typename T> std::optional<QString> text(const std::optional<T> &v)
{
    if (!v)
        return std::nullopt;
    if constexpr (std::is_same_v<T, bool>)
        return *v ? QStringLiteral("true") : QStringLiteral("false");
    else if constexpr (std::is_same_v<T, QStringList>)
        return v->join(u'|');
    else
        return QString::number(*v);
}

} // namespace

class TstJsonFieldReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void body_data();
    void body();
    void readers_data();
    void readers();
    void firstProblemWins();
    void failKeepsTheFirstProblem();
    void hasTellsNullFromAbsent();
};

void TstJsonFieldReader::body_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("emptyIsObject");
    QTest::addColumn<bool>("ok");
    QTest::newRow("object") << QByteArray(R"({"a":1})") << false << true;
    QTest::newRow("empty-object") << QByteArray("{}") << false << true;
    QTest::newRow("empty-refused") << QByteArray() << false << false;
    QTest::newRow("blank-refused") << QByteArray(" \r\n") << false << false;
    QTest::newRow("empty-as-object") << QByteArray() << true << true;
    QTest::newRow("array") << QByteArray("[1]") << true << false;
    QTest::newRow("string") << QByteArray(R"("x")") << true << false;
    QTest::newRow("broken") << QByteArray(R"({"a":)") << true << false;
    QTest::newRow("trailing-garbage") << QByteArray(R"({"a":1}x)") << true << false;
}

void TstJsonFieldReader::body()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, emptyIsObject);
    QFETCH(bool, ok);
    const JsonFieldReader r(
        body, emptyIsObject ? JsonFieldReader::EmptyBody::IsObject : JsonFieldReader::EmptyBody::IsError);
    QCOMPARE(r.ok(), ok);
    if (!ok) {
        QCOMPARE(int(r.error()->kind), int(ApiErrorKind::InvalidJson));
        QVERIFY(r.error()->param.isEmpty());
        QVERIFY(r.error()->message.contains(QStringLiteral("JSON object")));
    }
}

void TstJsonFieldReader::readers_data()
{
    QTest::addColumn<QString>("reader");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("nullRefused");
    QTest::addColumn<QString>("expected");

    QTest::newRow("string") << QStringLiteral("string") << QByteArray(R"({"f":"abc"})") << false
                            << QStringLiteral("abc");
    QTest::newRow("string-absent") << QStringLiteral("string") << QByteArray(R"({"g":"abc"})") << true
                                   << QStringLiteral("absent");
    QTest::newRow("string-null-allowed")
        << QStringLiteral("string") << QByteArray(R"({"f":null})") << false << QStringLiteral("absent");
    QTest::newRow("string-null-refused") << QStringLiteral("string") << QByteArray(R"({"f":null})") << true
                                         << QStringLiteral("error:f:'f' must be a string, not null.");
    QTest::newRow("string-number") << QStringLiteral("string") << QByteArray(R"({"f":5})") << false
                                   << QStringLiteral("error:f:'f' must be a string.");
    QTest::newRow("string-at-bound") << QStringLiteral("string") << QByteArray(R"({"f":"12345"})") << false
                                     << QStringLiteral("12345");
    QTest::newRow("string-over-bound") << QStringLiteral("string") << QByteArray(R"({"f":"123456"})") << false
                                       << QStringLiteral("error:f:'f' must be at most 5 characters long.");

    QTest::newRow("integer") << QStringLiteral("integer") << QByteArray(R"({"f":7})") << false
                             << QStringLiteral("7");
    QTest::newRow("integer-min") << QStringLiteral("integer") << QByteArray(R"({"f":-3})") << false
                                 << QStringLiteral("-3");
    QTest::newRow("integer-below") << QStringLiteral("integer") << QByteArray(R"({"f":-4})") << true
                                   << QStringLiteral("error:f:'f' must be an integer between -3 and 10.");
    QTest::newRow("integer-above") << QStringLiteral("integer") << QByteArray(R"({"f":11})") << false
                                   << QStringLiteral(
                                          "error:f:'f' must be an integer between -3 and 10, or null.");
    QTest::newRow("integer-fraction") << QStringLiteral("integer") << QByteArray(R"({"f":1.5})") << true
                                      << QStringLiteral("error:f:'f' must be an integer between -3 and 10.");
    QTest::newRow("integer-string") << QStringLiteral("integer") << QByteArray(R"({"f":"5"})") << true
                                    << QStringLiteral("error:f:'f' must be an integer between -3 and 10.");
    QTest::newRow("integer-huge") << QStringLiteral("integer") << QByteArray(R"({"f":1e300})") << true
                                  << QStringLiteral("error:f:'f' must be an integer between -3 and 10.");
    QTest::newRow("integer-null") << QStringLiteral("integer") << QByteArray(R"({"f":null})") << false
                                  << QStringLiteral("absent");

    QTest::newRow("boolean") << QStringLiteral("boolean") << QByteArray(R"({"f":false})") << false
                             << QStringLiteral("false");
    QTest::newRow("boolean-string") << QStringLiteral("boolean") << QByteArray(R"({"f":"yes"})") << false
                                    << QStringLiteral("error:f:'f' must be true or false.");
    QTest::newRow("boolean-null-refused") << QStringLiteral("boolean") << QByteArray(R"({"f":null})") << true
                                          << QStringLiteral("error:f:'f' must be true or false, not null.");

    QTest::newRow("list") << QStringLiteral("list") << QByteArray(R"({"f":["a","b"]})") << false
                          << QStringLiteral("a|b");
    QTest::newRow("list-empty") << QStringLiteral("list") << QByteArray(R"({"f":[]})") << false
                                << QStringLiteral("");
    QTest::newRow("list-not-array") << QStringLiteral("list") << QByteArray(R"({"f":"a"})") << false
                                    << QStringLiteral("error:f:'f' must be an array of strings.");
    QTest::newRow("list-too-many") << QStringLiteral("list") << QByteArray(R"({"f":["a","b","c","d"]})")
                                   << false << QStringLiteral("error:f:'f' may hold at most 3 entries.");
    QTest::newRow("list-item-type")
        << QStringLiteral("list") << QByteArray(R"({"f":["a",1]})") << false
        << QStringLiteral("error:f:'f' must be an array of strings of at most 5 characters.");
    QTest::newRow("list-item-long")
        << QStringLiteral("list") << QByteArray(R"({"f":["abcdef"]})") << false
        << QStringLiteral("error:f:'f' must be an array of strings of at most 5 characters.");

    QTest::newRow("date-time")
        << QStringLiteral("dateTime") << QByteArray(R"({"f":"2027-01-31T00:00:00Z"})") << false
        << QString::number(QDateTime(QDate(2027, 1, 31), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
    QTest::newRow("date-time-offset")
        << QStringLiteral("dateTime") << QByteArray(R"({"f":"2027-01-31T02:00:00+02:00"})") << false
        << QString::number(QDateTime(QDate(2027, 1, 31), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
    QTest::newRow("date-time-words")
        << QStringLiteral("dateTime") << QByteArray(R"({"f":"tomorrow"})") << false
        << QStringLiteral("error:f:'f' must be an ISO-8601 date-time, e.g. 2027-01-31T00:00:00Z.");
    QTest::newRow("date-time-number")
        << QStringLiteral("dateTime") << QByteArray(R"({"f":1700000000})") << false
        << QStringLiteral("error:f:'f' must be an ISO-8601 date-time, e.g. 2027-01-31T00:00:00Z.");
}

void TstJsonFieldReader::readers()
{
    QFETCH(QString, reader);
    QFETCH(QByteArray, body);
    QFETCH(bool, nullRefused);
    QFETCH(QString, expected);
    JsonFieldReader r(body);
    QVERIFY(r.ok());
    const QLatin1String f("f");
    const Null null = nullRefused ? Null::Refused : Null::Allowed;
    std::optional<QString> value;
    if (reader == QLatin1String("string"))
        value = r.string(f, 5, null);
    else if (reader == QLatin1String("integer"))
        value = text(r.integer(f, -3, 10, null));
    else if (reader == QLatin1String("boolean"))
        value = text(r.boolean(f, null));
    else if (reader == QLatin1String("list"))
        value = text(r.stringList(f, 3, 5, null));
    else if (reader == QLatin1String("dateTime"))
        value = text(r.dateTime(f, null));
    else
        QFAIL("unknown reader");
    QCOMPARE(outcome(r, value), expected);
    if (!r.ok())
        QCOMPARE(int(r.error()->kind), int(ApiErrorKind::InvalidRequest));
}

void TstJsonFieldReader::firstProblemWins()
{
    JsonFieldReader r(R"({"a":1,"b":"x","c":true})");
    QVERIFY(!r.string(QLatin1String("a"), 10));
    QVERIFY(!r.integer(QLatin1String("b"), 0, 1));
    // After a problem every read is empty, even of a valid field, and the first problem stays.
    QVERIFY(!r.boolean(QLatin1String("c")));
    QCOMPARE(r.error()->param, QStringLiteral("a"));
}

void TstJsonFieldReader::failKeepsTheFirstProblem()
{
    JsonFieldReader r(R"({"models":["gpt-9"]})");
    QCOMPARE(r.stringList(QLatin1String("models"), 10, 10), QStringList { QStringLiteral("gpt-9") });
    r.fail(QStringLiteral("models"), QStringLiteral("Unknown model 'gpt-9'."));
    r.fail(QStringLiteral("other"), QStringLiteral("later"));
    QCOMPARE(r.error()->param, QStringLiteral("models"));
    QCOMPARE(r.error()->message, QStringLiteral("Unknown model 'gpt-9'."));
}

void TstJsonFieldReader::hasTellsNullFromAbsent()
{
    JsonFieldReader r(R"({"n":null})");
    QVERIFY(r.has(QLatin1String("n")));
    QVERIFY(!r.has(QLatin1String("m")));
    QCOMPARE(r.fields(), QStringList { QStringLiteral("n") });
}

QTEST_GUILESS_MAIN(TstJsonFieldReader)
#include "tst_jsonfieldreader.moc"
