// SPDX-License-Identifier: MIT
// ToolInputMemo (issue 18): a hit and a miss give the bytes the builder wrote before the memo (the oracle
// below: QJsonDocument's own reading and writing of the arguments), on seeded random arguments that take both
// the simdjson and the Qt path (non-ASCII and duplicate keys, "" keys, invalid JSON, non-objects); and the
// bounds hold. DRAWBRIDGE_FUZZ_SEED reproduces a run (the seed is printed on failure).
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <iterator>

#include "server/kiro/toolinputmemo.h"
#include "tests/support/fuzzseed.h"

using namespace Drawbridge;

namespace {

/** The tool input as the builder wrote it before there was a simdjson path or a memo. */
QByteArray oracle(const QString &arguments)
{
    const QJsonDocument doc = QJsonDocument::fromJson(arguments.toUtf8());
    QJsonObject input = doc.isObject() ? doc.object() : QJsonObject();
    input.remove(QString());
    return QJsonDocument(input).toJson(QJsonDocument::Compact);
}

QString randomArguments(QRandomGenerator64 &rng)
{
    static const char *const notObjects[] = { "", "[1,2]", "3", "null", "\"text\"", "{bad", "{\"a\":1", " " };
    if (rng.bounded(10) == 0)
        return QString::fromUtf8(notObjects[rng.bounded(int(std::size(notObjects)))]);
    static const char *const keys[] = { "path",     "line",   "command", "old_string",  "",
                                        "\xc3\xa9", "a\\\"b", "content", "replace_all", "z" };
    static const char *const values[] = { "\"src/main.cpp\"",
                                          "3",
                                          "-0",
                                          "1e6",
                                          "1.5e300",
                                          "2.5",
                                          "true",
                                          "null",
                                          "\"a\\nb \xe2\x82\xac \\ud83d\\ude00\"",
                                          "[1,\"x\",{}]",
                                          "{\"b\":1,\"a\":[0.1]}",
                                          "12345678901234567890" };
    QByteArray text = "{";
    for (int n = int(rng.bounded(6)), i = 0; i < n; ++i) {
        if (i)
            text += ", ";
        text += "\"" + QByteArray(keys[rng.bounded(int(std::size(keys)))])
            + "\":" + values[rng.bounded(int(std::size(values)))];
    }
    return QString::fromUtf8(text + "}");
}

} // namespace

class TstToolInputMemo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hitsAndMissesLikeTheOracle();
    void equalTextHitsWhateverItsArray();
    void entriesBounded();
    void bytesBounded();
};

void TstToolInputMemo::hitsAndMissesLikeTheOracle()
{
    const quint64 seed = Test::fuzzSeed();
    QRandomGenerator64 rng(seed);
    // Large enough to keep every distinct text of the run (the bounds have tests of their own), so each
    // repeat must be a hit.
    ToolInputMemo memo(100000, 256 * 1024 * 1024);
    QStringList seen;
    quint64 expectedHits = 0;
    for (int i = 0; i < 3000; ++i) {
        // Half the time an earlier call again, as an agent resends its conversation.
        const bool again = !seen.isEmpty() && rng.bounded(2);
        const QString arguments = again ? seen[rng.bounded(int(seen.size()))] : randomArguments(rng);
        const bool known = seen.contains(arguments);
        if (!known)
            seen.append(arguments);
        const QByteArray input = memo.input(arguments);
        if (known)
            ++expectedHits;
        if (input != oracle(arguments) || memo.hits() != expectedHits)
            QFAIL(qPrintable(
                QStringLiteral("seed %1 (DRAWBRIDGE_FUZZ_SEED=%1) iteration %2: %3 -> %4, expected %5")
                    .arg(seed)
                    .arg(i)
                    .arg(arguments, QString::fromUtf8(input), QString::fromUtf8(oracle(arguments)))));
    }
    QVERIFY(memo.hits() > 1000);
    QCOMPARE(ToolInputMemo::convert(u"{\"b\":1,\"\":2,\"a\":1.0}"_qs), QByteArray(R"({"a":1,"b":1})"));
}

void TstToolInputMemo::equalTextHitsWhateverItsArray()
{
    ToolInputMemo memo;
    const QString first = u"{\"z\":1,\"a\":[true]}"_qs;
    QCOMPARE(memo.input(first), QByteArray(R"({"a":[true],"z":1})"));
    // The next request's arguments are a new string with the same text.
    const QString next = QString::fromUtf8(first.toUtf8());
    QVERIFY(next.constData() != first.constData());
    QCOMPARE(memo.input(next), QByteArray(R"({"a":[true],"z":1})"));
    QCOMPARE(memo.hits(), quint64(1));
    QCOMPARE(memo.entries(), 1);
}

void TstToolInputMemo::entriesBounded()
{
    ToolInputMemo memo(8, 1024 * 1024);
    for (int i = 0; i < 100; ++i) {
        const QString arguments = QStringLiteral("{\"n\":%1}").arg(i);
        QCOMPARE(memo.input(arguments), oracle(arguments));
        QVERIFY(memo.entries() <= 8);
        QVERIFY(memo.entries() >= 1); // emptied when full, then the new one kept
    }
    // The last one is in, so it hits.
    QCOMPARE(memo.input(u"{\"n\":99}"_qs), QByteArray(R"({"n":99})"));
    QCOMPARE(memo.hits(), quint64(1));
}

void TstToolInputMemo::bytesBounded()
{
    constexpr qsizetype maxBytes = 4096;
    ToolInputMemo memo(1000, maxBytes);
    for (int i = 0; i < 200; ++i) {
        const QString arguments = QStringLiteral("{\"path\":\"%1%2\"}").arg(QString(i % 50, u'x')).arg(i);
        QCOMPARE(memo.input(arguments), oracle(arguments));
        QVERIFY(memo.bytes() <= maxBytes);
    }
    QVERIFY(memo.entries() < 100); // emptied on the way, by bytes, not entries
    const QString last = QStringLiteral("{\"path\":\"%1%2\"}").arg(QString(199 % 50, u'x')).arg(199);
    QCOMPARE(memo.input(last), oracle(last));
    QCOMPARE(memo.hits(), quint64(1));
    // An input above a quarter of the bound is converted but not kept, and leaves the others alone.
    const qsizetype before = memo.entries();
    const QString big = QStringLiteral("{\"content\":\"%1\"}").arg(QString(2000, u'y'));
    QCOMPARE(memo.input(big), oracle(big));
    QCOMPARE(memo.input(big), oracle(big));
    QCOMPARE(memo.entries(), before);
    QVERIFY(memo.bytes() <= maxBytes);
}

QTEST_GUILESS_MAIN(TstToolInputMemo)
#include "tst_toolinputmemo.moc"
