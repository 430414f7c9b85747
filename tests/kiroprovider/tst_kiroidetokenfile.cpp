// SPDX-License-Identifier: MIT
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "server/kiroprovider/kiroidetokenfile.h"

using namespace Drawbridge;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

} // namespace

class TstKiroIdeTokenFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void social();
    void idcWithCompanion();
    void idcWithInlineClient();
    void authMethodInferred_data();
    void authMethodInferred();
    void failures_data();
    void failures();
    void defaultPathIsTheIdeFile();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path(const QString &name) const { return m_dir->filePath(name); }
};

void TstKiroIdeTokenFile::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TstKiroIdeTokenFile::social()
{
    writeFile(path(QStringLiteral("kiro-auth-token.json")),
              R"({"accessToken":"aoa-1","refreshToken":"rt-1","expiresAt":"2026-01-12T23:00:00.000Z",
                  "authMethod":"social","provider":"Google",
                  "profileArn":"arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"})");
    const auto c = KiroIdeTokenFile::read(path(QStringLiteral("kiro-auth-token.json")));
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error()));
    QCOMPARE(c->authMethod, QStringLiteral("social"));
    QCOMPARE(c->provider, QStringLiteral("Google"));
    QCOMPARE(c->refreshToken, QStringLiteral("rt-1"));
    QCOMPARE(c->accessToken, QStringLiteral("aoa-1"));
    QCOMPARE(c->accessTokenExpiresAtMs.value_or(0),
             QDateTime(QDate(2026, 1, 12), QTime(23, 0), Qt::UTC).toMSecsSinceEpoch());
    QCOMPARE(c->profileArn,
             QStringLiteral("arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK"));
    QVERIFY(c->clientId.isEmpty());
    QVERIFY(c->companionPath.isEmpty());
}

void TstKiroIdeTokenFile::idcWithCompanion()
{
    writeFile(path(QStringLiteral("kiro-auth-token.json")),
              R"({"accessToken":"aoa-2","refreshToken":"rt-2","expiresAt":"2026-01-12T23:00:00.000Z",
                  "authMethod":"IdC","provider":"BuilderId","region":"eu-central-1","clientIdHash":"0a1b2c3d"})");
    writeFile(path(QStringLiteral("0a1b2c3d.json")),
              R"({"clientId":"cid","clientSecret":"csecret","expiresAt":"2026-04-01T00:00:00.000Z"})");
    // A stranger in the same folder (an AWS CLI cache) must not be picked up.
    writeFile(path(QStringLiteral("ffffffff.json")), R"({"clientId":"other","clientSecret":"other"})");
    const auto c = KiroIdeTokenFile::read(path(QStringLiteral("kiro-auth-token.json")));
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error()));
    QCOMPARE(c->authMethod, QStringLiteral("idc"));
    QCOMPARE(c->region, QStringLiteral("eu-central-1"));
    QCOMPARE(c->clientId, QStringLiteral("cid"));
    QCOMPARE(c->clientSecret, QStringLiteral("csecret"));
    QCOMPARE(QFileInfo(c->companionPath).fileName(), QStringLiteral("0a1b2c3d.json"));
}

void TstKiroIdeTokenFile::idcWithInlineClient()
{
    writeFile(path(QStringLiteral("t.json")),
              R"({"refreshToken":"rt","authMethod":"idc","clientId":"cid","clientSecret":"cs"})");
    const auto c = KiroIdeTokenFile::read(path(QStringLiteral("t.json")));
    QVERIFY(c.ok());
    QCOMPARE(c->clientId, QStringLiteral("cid"));
    QVERIFY(c->companionPath.isEmpty());
}

void TstKiroIdeTokenFile::authMethodInferred_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("method");
    QTest::newRow("no-method-no-client-is-social")
        << QByteArray(R"({"refreshToken":"rt"})") << QStringLiteral("social");
    QTest::newRow("no-method-with-client-is-idc")
        << QByteArray(R"({"refreshToken":"rt","clientId":"c","clientSecret":"s"})") << QStringLiteral("idc");
    QTest::newRow("builder-id-alias")
        << QByteArray(R"({"refreshToken":"rt","authMethod":"builder-id","clientId":"c","clientSecret":"s"})")
        << QStringLiteral("idc");
    QTest::newRow("upper-case-social")
        << QByteArray(R"({"refreshToken":"rt","authMethod":"Social"})") << QStringLiteral("social");
}

void TstKiroIdeTokenFile::authMethodInferred()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, method);
    writeFile(path(QStringLiteral("t.json")), json);
    const auto c = KiroIdeTokenFile::read(path(QStringLiteral("t.json")));
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error()));
    QCOMPARE(c->authMethod, method);
}

void TstKiroIdeTokenFile::failures_data()
{
    QTest::addColumn<QByteArray>("json"); // empty = no file at all
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing-file") << QByteArray() << QStringLiteral("t.json");
    QTest::newRow("not-json") << QByteArray("not json") << QStringLiteral("t.json");
    QTest::newRow("no-refresh-token")
        << QByteArray(R"({"accessToken":"a"})") << QStringLiteral("refreshToken");
    QTest::newRow("unknown-method") << QByteArray(R"({"refreshToken":"r","authMethod":"password"})")
                                    << QStringLiteral("password");
    QTest::newRow("idc-without-hash")
        << QByteArray(R"({"refreshToken":"r","authMethod":"IdC"})") << QStringLiteral("clientIdHash");
    QTest::newRow("idc-missing-companion")
        << QByteArray(R"({"refreshToken":"r","authMethod":"IdC","clientIdHash":"nothere"})")
        << QStringLiteral("nothere.json");
    QTest::newRow("hash-escaping-the-folder")
        << QByteArray(R"({"refreshToken":"r","authMethod":"IdC","clientIdHash":"../secrets"})")
        << QStringLiteral("invalid clientIdHash");
    QTest::newRow("companion-without-secret")
        << QByteArray(R"({"refreshToken":"r","authMethod":"IdC","clientIdHash":"half"})")
        << QStringLiteral("half.json");
}

void TstKiroIdeTokenFile::failures()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, mentions);
    if (!json.isEmpty())
        writeFile(path(QStringLiteral("t.json")), json);
    writeFile(path(QStringLiteral("half.json")), R"({"clientId":"c"})");
    const auto c = KiroIdeTokenFile::read(path(QStringLiteral("t.json")));
    QVERIFY(!c.ok());
    QVERIFY2(c.error().contains(mentions), qPrintable(c.error()));
}

void TstKiroIdeTokenFile::defaultPathIsTheIdeFile()
{
    QCOMPARE(KiroIdeTokenFile::defaultPath(),
             QDir::homePath() + QStringLiteral("/.aws/sso/cache/kiro-auth-token.json"));
}

QTEST_GUILESS_MAIN(TstKiroIdeTokenFile)
#include "tst_kiroidetokenfile.moc"
