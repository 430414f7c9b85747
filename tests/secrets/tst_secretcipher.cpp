// SPDX-License-Identifier: MIT
#include <QtTest>

#include "server/secrets/secretcipher.h"

using namespace Drawbridge;

namespace {

const QString keyA = QStringLiteral("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
const QString keyB = QStringLiteral("F0E1D2C3B4A5968778695A4B3C2D1E0FF0E1D2C3B4A5968778695A4B3C2D1E0F");

} // namespace

class TstSecretCipher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keyParsing_data();
    void keyParsing();
    void roundTrip_data();
    void roundTrip();
    void everySealIsFresh();
    void previousKeyOpensButNeverSeals();
    void malformedIsRefused_data();
    void malformedIsRefused();
    void generatedKeysWork();
};

void TstSecretCipher::keyParsing_data()
{
    QTest::addColumn<QString>("hex");
    QTest::addColumn<bool>("valid");
    QTest::newRow("lowercase") << keyA << true;
    QTest::newRow("uppercase") << keyB << true;
    QTest::newRow("surrounding-newline") << keyA + QLatin1Char('\n') << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("too-short") << keyA.left(62) << false;
    QTest::newRow("too-long") << keyA + QStringLiteral("00") << false;
    QTest::newRow("not-hex") << QStringLiteral("g").repeated(64) << false;
    QTest::newRow("base64-instead") << QStringLiteral("ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=")
                                    << false;
}

void TstSecretCipher::keyParsing()
{
    QFETCH(QString, hex);
    QFETCH(bool, valid);
    auto cipher = SecretCipher::fromHex(hex);
    QCOMPARE(cipher.ok(), valid);
    if (!valid) {
        QVERIFY2(cipher.error().contains(QStringLiteral("DRAWBRIDGE_SECRET_KEY")),
                 qPrintable(cipher.error()));
        QVERIFY(hex.isEmpty() || !cipher.error().contains(hex));
    }
}

void TstSecretCipher::roundTrip_data()
{
    QTest::addColumn<QByteArray>("plain");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("token") << QByteArrayLiteral("aorAAAAAGexampleRefreshToken");
    QTest::newRow("binary") << QByteArray("\x00\x01\xff\xfe\n\r", 6);
    QTest::newRow("8KiB") << QByteArray(8192, 'r');
}

void TstSecretCipher::roundTrip()
{
    QFETCH(QByteArray, plain);
    auto cipher = SecretCipher::fromHex(keyA);
    QVERIFY(cipher.ok());
    const QByteArray sealed = cipher->seal(QStringLiteral("kiro/a/refresh"), plain);
    QVERIFY(sealed.startsWith(QByteArray("v1." + cipher->keyId() + '.')));
    QVERIFY(plain.size() < 8 || !sealed.contains(plain));
    QVERIFY(cipher->isCurrent(sealed));
    auto opened = cipher->open(QStringLiteral("kiro/a/refresh"), sealed);
    QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error()));
    QCOMPARE(*opened, plain);
    QVERIFY(!cipher->open(QStringLiteral("kiro/b/refresh"), sealed).ok());
}

void TstSecretCipher::everySealIsFresh()
{
    auto cipher = SecretCipher::fromHex(keyA);
    QVERIFY(cipher.ok());
    QSet<QByteArray> seen;
    for (int i = 0; i < 100; ++i)
        seen.insert(cipher->seal(QStringLiteral("n"), QByteArrayLiteral("same")));
    QCOMPARE(seen.size(), 100);
}

void TstSecretCipher::previousKeyOpensButNeverSeals()
{
    auto oldCipher = SecretCipher::fromHex(keyA);
    auto rotating = SecretCipher::fromHex(keyB, keyA);
    QVERIFY(oldCipher.ok() && rotating.ok());
    const QByteArray old = oldCipher->seal(QStringLiteral("n"), QByteArrayLiteral("secret"));
    QVERIFY(!rotating->isCurrent(old));
    QCOMPARE(*rotating->open(QStringLiteral("n"), old), QByteArrayLiteral("secret"));
    const QByteArray fresh = rotating->seal(QStringLiteral("n"), QByteArrayLiteral("secret"));
    QVERIFY(rotating->isCurrent(fresh));
    QVERIFY(!oldCipher->open(QStringLiteral("n"), fresh).ok());
    QVERIFY(!SecretCipher::fromHex(keyB, QStringLiteral("nothex")).ok());
}

void TstSecretCipher::malformedIsRefused_data()
{
    auto cipher = SecretCipher::fromHex(keyA);
    const QByteArray good = cipher->seal(QStringLiteral("n"), QByteArrayLiteral("secret"));
    const QList<QByteArray> parts = good.split('.');
    QTest::addColumn<QByteArray>("sealed");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("plain-text") << QByteArrayLiteral("secret");
    QTest::newRow("other-version") << QByteArray("v2." + parts[1] + '.' + parts[2]);
    QTest::newRow("no-payload") << QByteArray("v1." + parts[1] + '.');
    QTest::newRow("short-payload") << QByteArray("v1." + parts[1] + ".AAAA");
    QTest::newRow("not-base64") << QByteArray("v1." + parts[1] + ".!!!!" + parts[2]);
    QTest::newRow("truncated-tag") << good.left(good.size() - 4);
    QTest::newRow("extra-part") << QByteArray(good + ".x");
}

void TstSecretCipher::malformedIsRefused()
{
    QFETCH(QByteArray, sealed);
    auto cipher = SecretCipher::fromHex(keyA);
    auto opened = cipher->open(QStringLiteral("n"), sealed);
    QVERIFY(!opened.ok());
    QVERIFY(opened.error().contains(QStringLiteral("secret n")));
}

void TstSecretCipher::generatedKeysWork()
{
    const QString first = SecretCipher::generateKeyHex();
    QCOMPARE(first.size(), 64);
    QVERIFY(first != SecretCipher::generateKeyHex());
    auto cipher = SecretCipher::fromHex(first);
    QVERIFY(cipher.ok());
    QCOMPARE(*cipher->open(QStringLiteral("k"), cipher->seal(QStringLiteral("k"), "v")),
             QByteArrayLiteral("v"));
}

QTEST_GUILESS_MAIN(TstSecretCipher)
#include "tst_secretcipher.moc"
