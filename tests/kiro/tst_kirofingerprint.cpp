// SPDX-License-Identifier: MIT
#include <QCryptographicHash>
#include <QRegularExpression>
#include <QTest>

#include <limits>

#include "server/kiro/kirofingerprint.h"

using namespace Drawbridge;
using namespace Qt::StringLiterals;

namespace {

QByteArray headerValue(const KiroHeaderList &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key == name)
            return value;
    }
    return {};
}

} // namespace

class TstKiroFingerprint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void machineIdFromRefreshToken();
    void normalizeMachineId_data();
    void normalizeMachineId();
    void chatHeaders();
    void requestAttempt_data();
    void requestAttempt();
    void chatHeadersAreTheSharedOnesThenTheCalls();
    void otherHeaders();
};

void TstKiroFingerprint::machineIdFromRefreshToken()
{
    const QString id = KiroFingerprint::machineIdFromRefreshToken(u"aorAAAA-refresh"_s);
    QCOMPARE(id.size(), 64);
    QCOMPARE(
        id,
        QString::fromLatin1(
            QCryptographicHash::hash("KotlinNativeAPI/aorAAAA-refresh", QCryptographicHash::Sha256).toHex()));
    QCOMPARE(KiroFingerprint::machineIdFromRefreshToken(u"aorAAAA-refresh"_s), id); // stable
    QVERIFY(KiroFingerprint::machineIdFromRefreshToken(u"other"_s) != id); // per account
}

void TstKiroFingerprint::normalizeMachineId_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    const QString hex64 = QString(32, u'a') + QString(32, u'0');
    QTest::newRow("hex64") << hex64 << hex64;
    QTest::newRow("hex64-upper") << hex64.toUpper() << hex64;
    QTest::newRow("uuid") << u"{12345678-9abc-def0-1234-56789abcdef0}"_s
                          << u"123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"_s;
    QTest::newRow("garbage") << u"not-an-id"_s << QString();
    QTest::newRow("hex63") << QString(63, u'a') << QString();
}

void TstKiroFingerprint::normalizeMachineId()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(KiroFingerprint::normalizeMachineId(input), expected);
}

void TstKiroFingerprint::requestAttempt_data()
{
    QTest::addColumn<int>("attempt");
    QTest::addColumn<int>("maxAttempts");
    QTest::newRow("first of three") << 1 << 3;
    QTest::newRow("tenth of twelve") << 10 << 12;
    QTest::newRow("zero") << 0 << 0;
    QTest::newRow("largest") << std::numeric_limits<int>::max() << std::numeric_limits<int>::max();
    QTest::newRow("negative") << -7 << std::numeric_limits<int>::min();
    QTest::newRow("longest") << std::numeric_limits<int>::min() << std::numeric_limits<int>::min();
}

void TstKiroFingerprint::requestAttempt()
{
    // Written by hand into a buffer: the same text QByteArray::number() gives, for any int; the longest (both
    // INT_MIN) fills the buffer exactly.
    QFETCH(int, attempt);
    QFETCH(int, maxAttempts);
    char buffer[KiroFingerprint::requestAttemptCapacity];
    const QByteArrayView written = KiroFingerprint::requestAttempt(buffer, attempt, maxAttempts);
    QCOMPARE(written.toByteArray(),
             "attempt=" + QByteArray::number(attempt) + "; max=" + QByteArray::number(maxAttempts));
    QVERIFY(written.size() <= KiroFingerprint::requestAttemptCapacity);
}

void TstKiroFingerprint::chatHeadersAreTheSharedOnesThenTheCalls()
{
    // KiroProvider keeps sharedChatHeaders() per account and writes the call's own two itself: together
    // they must be chatHeaders(), field for field.
    KiroFingerprint fp;
    fp.machineId = QString(64, u'a');
    const KiroHeaderList all = fp.chatHeaders(u"inv-9"_s, 2, 5);
    KiroHeaderList expected = fp.sharedChatHeaders();
    char buffer[KiroFingerprint::requestAttemptCapacity];
    expected.append({ KiroFingerprint::invocationIdName.toByteArray(), QByteArray("inv-9") });
    expected.append({ KiroFingerprint::requestAttemptName.toByteArray(),
                      KiroFingerprint::requestAttempt(buffer, 2, 5).toByteArray() });
    QCOMPARE(all, expected);
    QCOMPARE(fp.sharedChatHeaders().size(), all.size() - 2);
}

void TstKiroFingerprint::chatHeaders()
{
    KiroFingerprint fp;
    fp.machineId = QString(64, u'f');
    const auto headers = fp.chatHeaders(u"inv-1"_s, 2, 3);
    const QByteArray suffix = "KiroIDE-0.11.107-" + QByteArray(64, 'f');
    QCOMPARE(headerValue(headers, "x-amz-user-agent"), "aws-sdk-js/1.0.34 " + suffix);
    const QByteArray ua = headerValue(headers, "user-agent");
    QVERIFY(ua.startsWith("aws-sdk-js/1.0.34 ua/2.1 os/darwin#24.6.0 lang/js md/nodejs#22.22.0 "
                          "api/codewhispererstreaming#1.0.34"));
    QVERIFY(ua.endsWith(suffix));
    QCOMPARE(headerValue(headers, "amz-sdk-invocation-id"), QByteArray("inv-1"));
    QCOMPARE(headerValue(headers, "amz-sdk-request"), QByteArray("attempt=2; max=3"));
    QCOMPARE(headerValue(headers, "x-amzn-kiro-agent-mode"), QByteArray("vibe"));
    QCOMPARE(headerValue(headers, "x-amzn-codewhisperer-optout"), QByteArray("true"));
    QCOMPARE(headerValue(headers, "content-type"), QByteArray("application/json"));
    QVERIFY(headerValue(headers, "x-amz-target").isEmpty()); // restJson1: no target header
    QVERIFY(headerValue(headers, "authorization").isEmpty());

    // A fresh invocation id per call when none is given: a version 4 UUID, as the SDK sends.
    QVERIFY(headerValue(fp.chatHeaders(), "amz-sdk-invocation-id")
            != headerValue(fp.chatHeaders(), "amz-sdk-invocation-id"));
    static const QRegularExpression v4(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
    for (int i = 0; i < 200; ++i) {
        const QString id = QString::fromLatin1(headerValue(fp.chatHeaders(), "amz-sdk-invocation-id"));
        QVERIFY2(v4.match(id).hasMatch(), qPrintable(id));
    }

    // The fixed headers are built once per fingerprint: another fingerprint (another account) on the same
    // thread gets its own, and the first one's come back unchanged.
    KiroFingerprint other = fp;
    other.machineId = QString(64, u'0');
    other.kiroVersion = u"0.12.0"_s;
    QCOMPARE(headerValue(other.chatHeaders(u"inv-2"_s, 1, 3), "x-amz-user-agent"),
             "aws-sdk-js/1.0.34 KiroIDE-0.12.0-" + QByteArray(64, '0'));
    QCOMPARE(headerValue(fp.chatHeaders(u"inv-3"_s, 1, 3), "x-amz-user-agent"),
             "aws-sdk-js/1.0.34 " + suffix);
    QCOMPARE(fp.chatHeaders(u"inv-4"_s, 3, 3).size(), headers.size());
}

void TstKiroFingerprint::otherHeaders()
{
    KiroFingerprint fp;
    fp.machineId = u"abc"_s;
    fp.kiroVersion = u"0.9.2"_s;
    QVERIFY(headerValue(fp.usageLimitsHeaders(), "user-agent")
                .contains("api/codewhispererruntime#1.0.0 m/N,E KiroIDE-0.9.2-abc"));
    QCOMPARE(headerValue(fp.socialRefreshHeaders(), "user-agent"), QByteArray("KiroIDE-0.9.2-abc"));
}

QTEST_GUILESS_MAIN(TstKiroFingerprint)
#include "tst_kirofingerprint.moc"
