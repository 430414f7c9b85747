// SPDX-License-Identifier: MIT
// ResentBody (issue 18): the parts of a body an agent sends again, found with simdjson On-Demand, and the
// body with known parts as placeholders. What the parsers make of it is checked against the QJsonDocument
// path by tst_requestparserdiff; this checks the split itself: exact byte ranges, refusals, and the reduced
// body; and that a split laid over a kept body (ResentBodyHistory) is the fresh split, range for range.
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include "server/gateway/resentbody.h"
#include "server/gateway/resentbodyhistory.h"

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

/**
 * Agent-like bodies and the next body an agent (or a broken client) might send, seeded: what
 * historyMatchesFreshSplit() splits both ways.
 */
class BodyMaker
{
public:
    explicit BodyMaker(quint32 seed) : m_rng(seed) { }

    int below(int n) { return int(m_rng.bounded(quint32(n))); }
    bool chance(int percent) { return below(100) < percent; }

    QByteArray space()
    {
        static const char *const spaces[] = { "", "", "", " ", "\n", "\t ", "\r\n  " };
        return spaces[below(int(std::size(spaces)))];
    }
    /** A JSON string's bytes, quotes included, with what trips a scanner: escapes, brackets, UTF-8. */
    QByteArray text()
    {
        static const char *const pieces[] = { "a",        "text ",       "\\\"", "\\\\",    "{",
                                              "}",        "[",           "]",    ",",       ":",
                                              "\\n",      "é",           "😀",    "\\u00e9", "\\ud83d\\ude00",
                                              "\\\\\\\"", "\\\"x\\\":1", "0",    "tools",   "messages" };
        QByteArray out = "\"";
        const int n = below(24);
        for (int i = 0; i < n; ++i)
            out += pieces[below(int(std::size(pieces)))];
        return out + "\"";
    }
    QByteArray value(int depth)
    {
        switch (depth > 3 ? below(3) : below(6)) {
        case 0:
            return text();
        case 1:
            return QByteArray::number(below(100000) - 500);
        case 2:
            return chance(50) ? "true" : "null";
        case 3: {
            QByteArray out = "[" + space();
            for (int i = 0, n = below(4); i < n; ++i)
                out += (i ? "," + space() : QByteArray()) + value(depth + 1) + space();
            return out + "]";
        }
        default: {
            QByteArray out = "{" + space();
            for (int i = 0, n = below(4); i < n; ++i)
                out += (i ? "," + space() : QByteArray()) + text() + space() + ":" + space()
                    + value(depth + 1);
            return out + space() + "}";
        }
        }
    }
    QByteArray message()
    {
        QByteArray out = "{" + space() + "\"role\":" + space() + (chance(50) ? "\"user\"" : "\"assistant\"")
            + "," + space() + "\"content\"" + space() + ":" + space();
        if (chance(50)) {
            out += text();
        } else {
            out += "[";
            for (int i = 0, n = 1 + below(3); i < n; ++i)
                out += (i ? "," : "") + QByteArray("{\"type\":\"text\",\"text\":") + text() + space() + "}";
            out += "]";
        }
        if (chance(20))
            out += "," + space() + "\"extra\":" + value(1);
        return space() + out + space() + "}" + space();
    }

    /**
     * A body: the top-level members in a random order, the messages among them. Whitespace is drawn when a
     * part is made, so that a body renders the same bytes each time, as an agent's does.
     */
    struct Body
    {
        QList<QByteArray> before, messages, after; // members as `"key":value`, messages as objects
        QList<QByteArray> spaces; // after `{`, the messages key, `[`, `]`, `}`
        QByteArray render() const
        {
            QByteArray out = "{" + spaces[0];
            bool first = true;
            const auto member = [&](const QByteArray &text) {
                out += (first ? QByteArray() : QByteArray(",")) + text;
                first = false;
            };
            for (const QByteArray &b : before)
                member(b);
            QByteArray array = "\"messages\"" + spaces[1] + ":[" + spaces[2];
            for (qsizetype i = 0; i < messages.size(); ++i)
                array += (i ? QByteArray(",") : QByteArray()) + messages[i];
            member(array + "]" + spaces[3]);
            for (const QByteArray &a : after)
                member(a);
            return out + "}" + spaces[4];
        }
    };
    /** A member as `"key":value`, with the whitespace around it. */
    QByteArray memberText(const char *key)
    {
        QByteArray value;
        if (QByteArrayView(key) == "tools") {
            value = "[";
            for (int i = 0, n = below(4); i < n; ++i)
                value += (i ? "," : "") + QByteArray("{\"name\":") + text()
                    + ",\"input_schema\":" + this->value(1) + "}";
            value += "]";
        } else if (QByteArrayView(key) == "system") {
            value = chance(50) ? text() : "[{\"type\":\"text\",\"text\":" + text() + "}]";
        } else {
            value = this->value(1);
        }
        return space() + "\"" + QByteArray(key) + "\"" + space() + ":" + space() + value + space();
    }
    Body body()
    {
        Body b;
        for (int i = 0; i < 5; ++i)
            b.spaces.append(space());
        const char *const keys[] = { "model", "max_tokens", "system", "tools", "stream", "metadata" };
        for (const char *key : keys) {
            if (chance(70))
                (chance(40) ? b.before : b.after).append(memberText(key));
        }
        // Bodies under ResentBodyHistory::minBodyBytes are split afresh: a long member makes every body one
        // the history keeps.
        (chance(50) ? b.before : b.after).append("\"padding\":\"" + QByteArray(2048, 'p') + "\"");
        for (int i = 0, n = 1 + below(10); i < n; ++i)
            b.messages.append(message());
        return b;
    }
    /**
     * What an agent sends next (@p b becomes it), or something a client gets wrong (rendered from a copy, so
     * that the conversation goes on from @p b as it was).
     */
    QByteArray next(Body &b)
    {
        Body broken = b;
        switch (below(16)) {
        case 0: // the same body again
            break;
        case 1:
        case 2:
        case 3: // a message or two added
            for (int i = 0, n = 1 + below(2); i < n; ++i)
                b.messages.append(message());
            break;
        case 4: // the last message changed (a cache marker moved)
            b.messages.last() = message();
            break;
        case 5: // one in the middle changed
            b.messages[below(int(b.messages.size()))] = message();
            break;
        case 6: // a member after the messages changed
            if (!b.after.isEmpty())
                b.after[below(int(b.after.size()))] = memberText(chance(50) ? "stream" : "model");
            break;
        case 7: // a member added after the messages, perhaps one named twice
            broken.after.insert(below(int(broken.after.size()) + 1),
                                memberText(chance(50) ? "tools" : "other"));
            return broken.render();
        case 8: // messages named twice
            broken.after.append("\"messages\":[" + message() + "]" + space());
            return broken.render();
        case 9: // a message that is not an object
            broken.messages.append(chance(50) ? text() : "[" + message() + "]");
            return broken.render();
        case 10: { // cut short
            const QByteArray whole = b.render();
            return whole.left(below(int(whole.size())));
        }
        case 11: { // one byte broken
            QByteArray whole = b.render();
            static const char breakers[] = "\"\\{}[],: x0\xff";
            whole[below(int(whole.size()))] = breakers[below(int(sizeof breakers) - 1)];
            return whole;
        }
        case 12: // not UTF-8 inside a new message
            broken.messages.append("{\"role\":\"user\",\"content\":\"bad \xc3\x28 byte\"}");
            return broken.render();
        case 13: // trailing bytes after the body
            return b.render() + (chance(50) ? "x" : "{}");
        default: // messages dropped from the end
            if (b.messages.size() > 1)
                b.messages.removeLast();
            break;
        }
        return b.render();
    }

private:
    QRandomGenerator m_rng;
};

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
    void historyMatchesFreshSplit_data();
    void historyMatchesFreshSplit();
    void historyIsBounded();
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

void TstResentBody::historyMatchesFreshSplit_data()
{
    QTest::addColumn<QByteArray>("membersLookedFor");
    QTest::newRow("Anthropic (tools, system)") << "tools,system"_ba;
    QTest::newRow("OpenAI (tools)") << "tools,"_ba;
}

void TstResentBody::historyMatchesFreshSplit()
{
    // Each seed makes a body, then eight next bodies one after another, each split twice: with the history
    // (from the bodies before it) and afresh. Both must give the same answer and the very same byte ranges.
    QFETCH(QByteArray, membersLookedFor);
    const QList<QByteArray> names = membersLookedFor.split(',');
    const std::array<std::string_view, ResentBody::maxMembers> keys {
        std::string_view(names[0].constData()), std::string_view(names[1].constData())
    };
    ResentBodyHistory &history = ResentBodyHistory::forThread();
    history.setEnabled(true);
    const quint64 reusedBefore = history.reusedCount();
    int splits = 0, refused = 0;
    for (quint32 seed = 1; seed <= 1500; ++seed) {
        history.clear();
        BodyMaker maker(seed);
        BodyMaker::Body body = maker.body();
        QList<QByteArray> kept; // the history holds on to the bodies; so does the client's connection
        kept.append(padded(body.render()));
        ResentBody first;
        first.split(kept.last(), "messages", keys);
        for (int step = 0; step < 8; ++step) {
            kept.append(padded(maker.next(body)));
            const QByteArray &next = kept.last();
            ResentBody withHistory;
            const bool split = withHistory.split(next, "messages", keys);
            history.setEnabled(false);
            ResentBody fresh;
            const bool freshSplit = fresh.split(next, "messages", keys);
            history.setEnabled(true);
            const auto where
                = [&] { return u"seed %1 step %2: %3"_s.arg(seed).arg(step).arg(QString::fromUtf8(next)); };
            if (split != freshSplit)
                QFAIL(qPrintable(where()));
            split ? ++splits : ++refused;
            QVERIFY2(withHistory.messageCount() == fresh.messageCount(), qPrintable(where()));
            for (qsizetype i = 0; i < fresh.messageCount(); ++i)
                QVERIFY2(withHistory.message(i) == fresh.message(i)
                             && withHistory.message(i).data() == fresh.message(i).data(),
                         qPrintable(where()));
            for (size_t i = 0; i < ResentBody::maxMembers; ++i)
                QVERIFY2(withHistory.member(i) == fresh.member(i)
                             && withHistory.member(i).data() == fresh.member(i).data(),
                         qPrintable(where()));
        }
    }
    const quint64 reused = history.reusedCount() - reusedBefore;
    qInfo("%d bodies split, %d refused, %llu laid over a kept body", splits, refused,
          static_cast<unsigned long long>(reused));
    // The history must really have been used, for most of the bodies that split.
    QVERIFY(reused > quint64(splits) / 2);
    QVERIFY(refused > 1000);
}

void TstResentBody::historyIsBounded()
{
    ResentBodyHistory &history = ResentBodyHistory::forThread();
    history.clear();
    const QByteArray filler(ResentBodyHistory::minBodyBytes, 'f');
    QList<QByteArray> bodies;
    for (int i = 0; i < 10; ++i) {
        bodies.append(
            padded("{\"messages\":[{\"n\":" + QByteArray::number(i) + "}],\"f\":\"" + filler + "\"}"));
        ResentBody resent;
        QVERIFY(resent.split(bodies.last(), "messages", { "tools", {} }));
    }
    QCOMPARE(history.size(), ResentBodyHistory::maxEntries);
    // A body over the bound or under the least, or in a buffer it does not own, is not kept.
    history.clear();
    const QByteArray small = padded(R"({"messages":[{"n":1}]})"_ba);
    ResentBody tiny;
    QVERIFY(tiny.split(small, "messages", { "tools", {} }));
    QCOMPARE(history.size(), size_t(0));
    const QByteArray big
        = padded("{\"messages\":[{\"t\":\"" + QByteArray(ResentBodyHistory::maxBodyBytes, 'x') + "\"}]}");
    ResentBody one;
    QVERIFY(one.split(big, "messages", { "tools", {} }));
    QCOMPARE(history.size(), size_t(0));
    const QByteArray owned = "{\"messages\":[{\"n\":1}],\"f\":\"" + filler + "\"}";
    const QByteArray unowned = QByteArray::fromRawData(owned.constData(), owned.size());
    ResentBody two;
    QVERIFY(two.split(unowned, "messages", { "tools", {} }));
    QCOMPARE(history.size(), size_t(0));
    // Three bodies of 1.5 MiB: the oldest goes, to stay within 4 MiB.
    QList<QByteArray> large;
    for (int i = 0; i < 3; ++i) {
        large.append(padded("{\"messages\":[{\"t\":\"" + QByteArray(1536 * 1024, char('a' + i)) + "\"}]}"));
        ResentBody resent;
        QVERIFY(resent.split(large.last(), "messages", { "tools", {} }));
    }
    QCOMPARE(history.size(), size_t(2));
}

QTEST_GUILESS_MAIN(TstResentBody)
#include "tst_resentbody.moc"
