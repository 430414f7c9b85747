// SPDX-License-Identifier: MIT
// ResentBody (issue 18): the parts of a body an agent sends again, found with simdjson On-Demand, and the
// body with known parts as placeholders. What the parsers make of it is checked against the QJsonDocument
// path by tst_requestparserdiff; this checks the split itself: exact byte ranges, refusals, and the reduced
// body.
#include <QJsonDocument>
#include <QTest>

#include "server/gateway/resentbody.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

QByteArray padded(const QByteArray &body)
{
    QByteArray out;
    out.reserve(body.size() + 64);
    out.append(body);
    return out;
}

QByteArray bytes(std::string_view view)
{
    return QByteArray(view.data(), qsizetype(view.size()));
}

} // namespace

class TstResentBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitsMessagesAndMembers_data();
    void splitsMessagesAndMembers();
    void refusesWhatItIsNotSureOf_data();
    void refusesWhatItIsNotSureOf();
    void escapedKeysAreOtherMembers();
    void reducedBodyHasPlaceholders();
};

void TstResentBody::splitsMessagesAndMembers_data()
{
    QTest::addColumn<bool>("withPadding");
    QTest::newRow("padded in place") << true;
    QTest::newRow("copied (no padding behind)") << false;
}

void TstResentBody::splitsMessagesAndMembers()
{
    QFETCH(bool, withPadding);
    const QByteArray source
        = "{ \"model\" : \"m\",\n \"messages\" : [ {\"role\":\"user\",\"content\":\"a ] } \\\" ,\"} ,\n"
          "  {\"role\" : \"assistant\", \"content\":[{\"type\":\"text\",\"text\":\"{[\"}]}\t\r\n],"
          "\"tools\":[{\"name\":\"x\"}] , \"system\": \"be \\\"brief\\\"\"  ,\"other\":1}";
    const QByteArray body = withPadding ? padded(source) : QByteArray(source.constData(), source.size());
    if (!withPadding)
        QVERIFY(body.capacity() - body.size() < 64);
    ResentBody resent;
    QVERIFY(resent.split(body, "messages", { "tools", "system" }));
    QCOMPARE(resent.messageCount(), 2);
    QCOMPARE(bytes(resent.message(0)), "{\"role\":\"user\",\"content\":\"a ] } \\\" ,\"}"_ba);
    QCOMPARE(bytes(resent.message(1)),
             "{\"role\" : \"assistant\", \"content\":[{\"type\":\"text\",\"text\":\"{[\"}]}"_ba);
    QCOMPARE(bytes(resent.member(0)), "[{\"name\":\"x\"}]"_ba);
    QCOMPARE(bytes(resent.member(1)), "\"be \\\"brief\\\"\""_ba);
    QVERIFY(resent.message(2).empty());
    QVERIFY(resent.message(-1).empty());
    // Nothing replaced: the body itself, shared.
    const QByteArray same = resent.reduced();
    QCOMPARE(same, body);
    QCOMPARE(same.constData(), body.constData());
}

void TstResentBody::refusesWhatItIsNotSureOf_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("splits");
    QTest::newRow("an array") << "[1,2]"_ba << false;
    QTest::newRow("a string") << "\"messages\""_ba << false;
    QTest::newRow("messages not an array") << R"({"messages":{"role":"user"}})"_ba << false;
    QTest::newRow("a message that is not an object") << R"({"messages":[{"role":"user"},"hi"]})"_ba << false;
    QTest::newRow("messages twice") << R"({"messages":[],"messages":[]})"_ba << false;
    QTest::newRow("tools twice") << R"({"tools":[],"messages":[],"tools":[]})"_ba << false;
    QTest::newRow("unclosed message") << R"({"messages":[{"role":"user",]})"_ba << false;
    QTest::newRow("missing comma between messages") << R"({"messages":[{"a":1} {"b":2}]})"_ba << false;
    QTest::newRow("no messages") << R"({"model":"m"})"_ba << true;
    QTest::newRow("empty messages") << R"({"messages":[]})"_ba << true;
    // A member of another type is not a part (the parse reads it as before).
    QTest::newRow("number tools") << R"({"tools":3,"messages":[]})"_ba << true;
}

void TstResentBody::refusesWhatItIsNotSureOf()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, splits);
    const QByteArray in = padded(body);
    ResentBody resent;
    QCOMPARE(resent.split(in, "messages", { "tools", "system" }), splits);
    if (!splits) {
        // Nothing of a refused body is offered.
        QCOMPARE(resent.messageCount(), 0);
        QVERIFY(resent.member(0).empty());
    }
    QVERIFY(resent.member(0).empty());
    QCOMPARE(resent.reduced(), in);
}

void TstResentBody::escapedKeysAreOtherMembers()
{
    // "m\u0065ssages" is "messages" to a JSON reader; the split compares keys as written, so it is just
    // another member here and the parse reads it as before (and refuses it beside a plain "messages").
    const QByteArray body = padded(R"({"m\u0065ssages":[{"a":1}],"t\u006fols":[1],"tools":[2]})"_ba);
    ResentBody resent;
    QVERIFY(resent.split(body, "messages", { "tools", {} }));
    QCOMPARE(resent.messageCount(), 0);
    QCOMPARE(bytes(resent.member(0)), "[2]"_ba);
}

void TstResentBody::reducedBodyHasPlaceholders()
{
    const QByteArray body = padded(
        R"({"system":[{"type":"text","text":"s"}], "messages":[{"n":1}, {"n":2} ,{"n":3}],"tools":[]})"_ba);
    ResentBody resent;
    QVERIFY(resent.split(body, "messages", { "tools", "system" }));
    const quint64 before = ResentBody::threadReplacedCount();
    resent.replaceMessage(0);
    resent.replaceMessage(2);
    resent.replaceMember(1);
    QVERIFY(resent.messageReplaced(0));
    QVERIFY(!resent.messageReplaced(1));
    QVERIFY(resent.memberReplaced(1));
    QVERIFY(!resent.memberReplaced(0));
    const QByteArray reduced = resent.reduced();
    QCOMPARE(reduced, R"({"system":0, "messages":[0, {"n":2} ,0],"tools":[]})"_ba);
    QVERIFY(reduced.capacity() - reduced.size() >= 64); // parsed in place
    QCOMPARE(ResentBody::threadReplacedCount() - before, quint64(3));
    QVERIFY(!QJsonDocument::fromJson(reduced).isNull());
}

QTEST_GUILESS_MAIN(TstResentBody)
#include "tst_resentbody.moc"
