// SPDX-License-Identifier: MIT
#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include "server/core/apikeycodec.h"

using namespace Drawbridge;

class TstApiKeyCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void generatedKeysAreWellFormedAndUnique();
    void parseId_data();
    void parseId();
    void hashIsSha256Hex();
    void constantTimeEquals();
    void hashMatches_data();
    void hashMatches();
    void hashMatchesAgreesWithQtOnRandomKeys();
};

void TstApiKeyCodec::generatedKeysAreWellFormedAndUnique()
{
    QSet<QString> ids;
    QSet<QString> keys;
    for (int i = 0; i < 500; ++i) {
        const auto g = ApiKeyCodec::generate();
        QVERIFY(g.key.startsWith(QStringLiteral("db-") + g.id + u'-'));
        QCOMPARE(g.id.size(), ApiKeyCodec::idLength);
        QCOMPARE(g.key.size(), 3 + ApiKeyCodec::idLength + 1 + ApiKeyCodec::secretLength);
        QCOMPARE(ApiKeyCodec::parseId(g.key), std::optional<QString>(g.id));
        QCOMPARE(g.hash, ApiKeyCodec::hash(g.key));
        ids.insert(g.id);
        keys.insert(g.key);
    }
    QCOMPARE(keys.size(), 500);
    QVERIFY(ids.size() > 495); // 40 bits of id: collisions are practically impossible at this count
}

void TstApiKeyCodec::parseId_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("id");
    const QString secret = QStringLiteral("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd");
    QTest::newRow("valid") << (QStringLiteral("db-abcd2345-") + secret) << QStringLiteral("abcd2345");
    QTest::newRow("no-prefix") << (QStringLiteral("sk-abcd2345-") + secret) << QString();
    QTest::newRow("upper-id") << (QStringLiteral("db-ABCD2345-") + secret) << QString();
    QTest::newRow("digit-1-not-base32") << (QStringLiteral("db-abcd2341-") + secret) << QString();
    QTest::newRow("short-secret") << QStringLiteral("db-abcd2345-abc") << QString();
    QTest::newRow("bad-secret-char") << (QStringLiteral("db-abcd2345-") + secret + u'!') << QString();
    QTest::newRow("missing-dash") << (QStringLiteral("db-abcd2345x") + secret) << QString();
    QTest::newRow("empty") << QString() << QString();
}

void TstApiKeyCodec::parseId()
{
    QFETCH(QString, key);
    QFETCH(QString, id);
    const auto parsed = ApiKeyCodec::parseId(key);
    if (id.isEmpty())
        QVERIFY(!parsed.has_value());
    else
        QCOMPARE(parsed.value(), id);
}

void TstApiKeyCodec::hashIsSha256Hex()
{
    QCOMPARE(ApiKeyCodec::hash(u"abc"),
             QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

void TstApiKeyCodec::hashMatches_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("stored");
    QTest::addColumn<bool>("matches");
    const QString key = ApiKeyCodec::generate().key;
    const QString good = QString::fromLatin1(ApiKeyCodec::hash(key));
    QTest::newRow("own hash") << key << good << true;
    for (int at : { 0, 1, 31, 62, 63 }) {
        QString bad = good;
        bad[at] = bad[at] == u'0' ? u'1' : u'0';
        QTest::newRow(qPrintable(QStringLiteral("digit %1 differs").arg(at))) << key << bad << false;
    }
    QTest::newRow("upper-case hex") << key << good.toUpper() << (good.toUpper() == good);
    QTest::newRow("unknown id (empty)") << key << QString() << false;
    QTest::newRow("one digit short") << key << good.left(63) << false;
    QTest::newRow("one digit more") << key << good + u'0' << false;
    QTest::newRow("other key") << ApiKeyCodec::generate().key << good << false;
    // Not a key parseId accepts, but the hash of non-ASCII text is still the UTF-8 one hash() writes.
    const QString wide = QStringLiteral("db-ümlaut-€");
    QTest::newRow("non-ASCII") << wide << QString::fromLatin1(ApiKeyCodec::hash(wide)) << true;
    QTest::newRow("empty key") << QString() << QString::fromLatin1(ApiKeyCodec::hash(QString())) << true;
}

void TstApiKeyCodec::hashMatches()
{
    QFETCH(QString, key);
    QFETCH(QString, stored);
    QFETCH(bool, matches);
    QCOMPARE(ApiKeyCodec::hashMatches(key, stored), matches);
    QCOMPARE(ApiKeyCodec::hashMatches(key, stored), ApiKeyCodec::hash(key) == stored.toLatin1());
}

void TstApiKeyCodec::hashMatchesAgreesWithQtOnRandomKeys()
{
    // hashMatches() hashes with OpenSSL; the oracle is Qt's SHA-256 of the UTF-8 bytes, as keys were always
    // stored. Lengths cross SHA-256's block and padding edges (55, 56, 64 bytes) and the 256-character stack
    // buffer; characters are ASCII, any BMP code unit (lone surrogates too) or valid surrogate pairs.
    const quint32 seed = qEnvironmentVariableIsSet("DRAWBRIDGE_SEED")
        ? quint32(qEnvironmentVariableIntValue("DRAWBRIDGE_SEED"))
        : QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    const auto seedNote = [seed](int round) -> QByteArray {
        return QByteArray("seed ") + QByteArray::number(seed) + " (DRAWBRIDGE_SEED), round "
            + QByteArray::number(round);
    };
    static const int edges[] = { 0, 1, 52, 55, 56, 57, 63, 64, 65, 119, 120, 128, 255, 256, 257, 600 };
    for (int round = 0; round < 2000; ++round) {
        const int length
            = round < int(std::size(edges)) * 4 ? edges[round % std::size(edges)] : int(rng.bounded(300));
        const int kind = round % 4;
        QString key;
        key.reserve(length);
        while (key.size() < length) {
            if (kind == 0 || rng.bounded(8) != 0) {
                key.append(QChar(char16_t(0x20 + rng.bounded(0x5f))));
            } else if (kind == 1) {
                key.append(QChar(char16_t(0x80 + rng.bounded(0xff80))));
            } else if (kind == 2) {
                const char32_t cp = 0x10000 + rng.bounded(0x100000);
                key.append(QString::fromUcs4(&cp, 1));
            } else {
                key.append(QChar(char16_t(rng.bounded(0x80))));
            }
        }
        const QString stored
            = QString::fromLatin1(QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex());
        QVERIFY2(ApiKeyCodec::hashMatches(key, stored), seedNote(round).constData());
        QString bad = stored;
        const int at = int(rng.bounded(64));
        bad[at] = bad[at] == u'0' ? u'1' : u'0';
        QVERIFY2(!ApiKeyCodec::hashMatches(key, bad), seedNote(round).constData());
    }
}

void TstApiKeyCodec::constantTimeEquals()
{
    QVERIFY(ApiKeyCodec::constantTimeEquals("abc", "abc"));
    QVERIFY(!ApiKeyCodec::constantTimeEquals("abc", "abd"));
    QVERIFY(!ApiKeyCodec::constantTimeEquals("abc", "abcd"));
    QVERIFY(ApiKeyCodec::constantTimeEquals(QByteArray(), QByteArray()));
}

QTEST_GUILESS_MAIN(TstApiKeyCodec)
#include "tst_apikeycodec.moc"
