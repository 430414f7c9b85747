// SPDX-License-Identifier: MIT
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "server/kiro/kirohistorytrimmer.h"

using namespace Drawbridge;

namespace {

ChatMessage message(Role role, const QString &text)
{
    ChatMessage m;
    m.role = role;
    m.text = text;
    return m;
}

/** A system prompt, then @p turns user/assistant pairs of about @p bytes each, then the newest question. */
ChatRequest conversation(int turns, int bytes)
{
    ChatRequest r;
    r.requestedModel = QStringLiteral("kiro");
    r.upstreamModel = QStringLiteral("claude-sonnet-4.5");
    r.messages.push_back(message(Role::System, QStringLiteral("SYSTEM-PROMPT")));
    for (int i = 0; i < turns; ++i) {
        r.messages.push_back(message(Role::User, QStringLiteral("Q%1 ").arg(i) + QString(bytes, u'q')));
        r.messages.push_back(message(Role::Assistant, QStringLiteral("A%1 ").arg(i) + QString(bytes, u'a')));
    }
    r.messages.push_back(message(Role::User, QStringLiteral("NEWEST-QUESTION")));
    return r;
}

QJsonObject state(const KiroRequest &r)
{
    return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("conversationState")).toObject();
}

} // namespace

/** KiroHistoryTrimmer: what is dropped, what is kept, and when a request is refused instead. */
class TstKiroHistoryTrimmer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void turnStarts_data();
    void turnStarts();
    void fittingRequestIsUntouched();
    void oldestTurnsGoFirstAndNoMoreThanNeeded();
    void toolUsesAndResultsStayTogether();
    void contextWindowCountsToo();
    void trimmingOffIsContextTooLong();
    void nothingLeftToTrimIsContextTooLong();
    void otherBuildErrorsPassThrough();
};

void TstKiroHistoryTrimmer::turnStarts_data()
{
    QTest::addColumn<QString>("roles"); // S system, U user, A assistant, T tool result
    QTest::addColumn<QList<int>>("starts");
    QTest::newRow("plain") << QStringLiteral("SUAUAU") << QList<int> { 1, 3, 5 };
    QTest::newRow("tools stay in their turn") << QStringLiteral("SUATTAU") << QList<int> { 1, 6 };
    QTest::newRow("assistant opener") << QStringLiteral("AUAU") << QList<int> { 0, 1, 3 };
    QTest::newRow("system in the middle") << QStringLiteral("UASUAU") << QList<int> { 0, 3, 5 };
    QTest::newRow("only system") << QStringLiteral("S") << QList<int> {};
}

void TstKiroHistoryTrimmer::turnStarts()
{
    QFETCH(QString, roles);
    QFETCH(QList<int>, starts);
    ChatRequest r;
    for (QChar c : roles) {
        const Role role = c == u'S' ? Role::System
            : c == u'U'             ? Role::User
            : c == u'A'             ? Role::Assistant
                                    : Role::Tool;
        r.messages.push_back(message(role, QStringLiteral("x")));
    }
    QList<int> got;
    for (size_t s : KiroHistoryTrimmer::turnStarts(r))
        got.append(int(s));
    QCOMPARE(got, starts);
}

void TstKiroHistoryTrimmer::fittingRequestIsUntouched()
{
    const ChatRequest r = conversation(3, 100);
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    const auto built = KiroHistoryTrimmer::build(r, {}, {}, &kind);
    QVERIFY2(built, built ? "" : qPrintable(built.error()));
    QCOMPARE(built->trimmedMessages, 0);
    QCOMPARE(state(built->request).value(QStringLiteral("history")).toArray().size(), 6);
}

void TstKiroHistoryTrimmer::oldestTurnsGoFirstAndNoMoreThanNeeded()
{
    const ChatRequest r = conversation(20, 5000);
    KiroHistoryTrimmer::Options o;
    o.maxRequestBytes = 42'000;
    const auto built = KiroHistoryTrimmer::build(r, {}, o);
    QVERIFY2(built, built ? "" : qPrintable(built.error()));
    QVERIFY(built->trimmedMessages > 0);
    QCOMPARE(built->trimmedMessages % 2, 0); // whole turns
    QVERIFY(built->request.body.size() <= o.maxRequestBytes);
    const QString body = QString::fromUtf8(built->request.body);
    QVERIFY(body.contains(QStringLiteral("SYSTEM-PROMPT")));
    QVERIFY(body.contains(QStringLiteral("NEWEST-QUESTION")));
    QVERIFY(body.contains(QStringLiteral("Q19 ")));
    QVERIFY(!body.contains(QStringLiteral("Q0 ")));
    const int keptTurns = 20 - built->trimmedMessages / 2;
    QVERIFY(body.contains(QStringLiteral("Q%1 ").arg(20 - keptTurns)));
    QVERIFY(!body.contains(QStringLiteral("A%1 ").arg(20 - keptTurns - 1)));

    // One turn more would not have fitted: nothing was dropped that did not have to be.
    ChatRequest oneMore = r;
    oneMore.messages.erase(oneMore.messages.begin() + 1,
                           oneMore.messages.begin() + 1 + built->trimmedMessages - 2);
    KiroHistoryTrimmer::Options off = o;
    off.enabled = false;
    QVERIFY(!KiroHistoryTrimmer::build(oneMore, {}, off));
}

void TstKiroHistoryTrimmer::toolUsesAndResultsStayTogether()
{
    ChatRequest r;
    r.upstreamModel = QStringLiteral("claude-sonnet-4.5");
    r.tools.push_back(ToolDefinition { QStringLiteral("read"), QStringLiteral("Reads a file"), {} });
    for (int i = 0; i < 12; ++i) {
        r.messages.push_back(message(Role::User, QStringLiteral("Read file %1").arg(i)));
        ChatMessage call = message(Role::Assistant, QString());
        call.toolCalls.push_back(ToolCall { QStringLiteral("tu_%1").arg(i), QStringLiteral("read"),
                                            QStringLiteral("{\"n\":%1}").arg(i) });
        r.messages.push_back(call);
        ChatMessage result = message(Role::Tool, QString(3000, u'r'));
        result.toolCallId = QStringLiteral("tu_%1").arg(i);
        r.messages.push_back(result);
        r.messages.push_back(message(Role::Assistant, QStringLiteral("Done %1").arg(i)));
    }
    r.messages.push_back(message(Role::User, QStringLiteral("NEWEST")));
    KiroHistoryTrimmer::Options o;
    o.maxRequestBytes = 16'000;
    const auto built = KiroHistoryTrimmer::build(r, {}, o);
    QVERIFY2(built, built ? "" : qPrintable(built.error()));
    QCOMPARE(built->trimmedMessages % 4, 0);
    const QJsonArray history = state(built->request).value(QStringLiteral("history")).toArray();
    // Every tool result answers a tool use of the assistant turn just before it; none became text.
    QSet<QString> used;
    int results = 0;
    for (const QJsonValue &v : history) {
        const QJsonObject o2 = v.toObject();
        for (const QJsonValue &u : o2.value(QStringLiteral("assistantResponseMessage"))
                                       .toObject()
                                       .value(QStringLiteral("toolUses"))
                                       .toArray())
            used.insert(u.toObject().value(QStringLiteral("toolUseId")).toString());
        for (const QJsonValue &t : o2.value(QStringLiteral("userInputMessage"))
                                       .toObject()
                                       .value(QStringLiteral("userInputMessageContext"))
                                       .toObject()
                                       .value(QStringLiteral("toolResults"))
                                       .toArray()) {
            QVERIFY(used.contains(t.toObject().value(QStringLiteral("toolUseId")).toString()));
            ++results;
        }
    }
    QCOMPARE(results, 12 - built->trimmedMessages / 4);
    QVERIFY(!built->request.body.contains("[Tool result for"));
    QCOMPARE(history.first()
                 .toObject()
                 .value(QStringLiteral("userInputMessage"))
                 .toObject()
                 .value(QStringLiteral("content")),
             QJsonValue(QStringLiteral("Read file %1").arg(built->trimmedMessages / 4)));
}

void TstKiroHistoryTrimmer::contextWindowCountsToo()
{
    const ChatRequest r = conversation(10, 4000);
    KiroHistoryTrimmer::Options o;
    o.contextWindowTokens = 12'000; // the body limit (600,000) is far away
    o.reserveOutputTokens = 1000;
    const auto built = KiroHistoryTrimmer::build(r, {}, o);
    QVERIFY2(built, built ? "" : qPrintable(built.error()));
    QVERIFY(built->trimmedMessages > 0);
    QVERIFY(built->request.estimatedPromptTokens + 1000 <= 12'000);
}

void TstKiroHistoryTrimmer::trimmingOffIsContextTooLong()
{
    KiroHistoryTrimmer::Options o;
    o.enabled = false;
    o.maxRequestBytes = 20'000;
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    const auto built = KiroHistoryTrimmer::build(conversation(10, 5000), {}, o, &kind);
    QVERIFY(!built);
    QCOMPARE(kind, ProviderErrorKind::ContextTooLong);
    QVERIFY2(built.error().contains(QStringLiteral("kiro.trim_history")), qPrintable(built.error()));
}

void TstKiroHistoryTrimmer::nothingLeftToTrimIsContextTooLong()
{
    ChatRequest r = conversation(3, 100);
    r.messages.back().text = QString(30'000, u'x'); // the newest question alone is too big
    KiroHistoryTrimmer::Options o;
    o.maxRequestBytes = 20'000;
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    const auto built = KiroHistoryTrimmer::build(r, {}, o, &kind);
    QVERIFY(!built);
    QCOMPARE(kind, ProviderErrorKind::ContextTooLong);
    QVERIFY2(built.error().contains(QStringLiteral("newest turn")), qPrintable(built.error()));

    ChatRequest single;
    single.upstreamModel = QStringLiteral("claude-sonnet-4.5");
    single.messages.push_back(message(Role::User, QString(30'000, u'x')));
    QVERIFY(!KiroHistoryTrimmer::build(single, {}, o, &kind));
    QCOMPARE(kind, ProviderErrorKind::ContextTooLong);
}

void TstKiroHistoryTrimmer::otherBuildErrorsPassThrough()
{
    ChatRequest r = conversation(1, 10);
    r.messages.back().images.push_back(ImagePart { QStringLiteral("image/tiff"), QByteArrayLiteral("AAAA") });
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    const auto built = KiroHistoryTrimmer::build(r, {}, {}, &kind);
    QVERIFY(!built);
    QCOMPARE(kind, ProviderErrorKind::InvalidRequest);
}

QTEST_GUILESS_MAIN(TstKiroHistoryTrimmer)
#include "tst_kirohistorytrimmer.moc"
