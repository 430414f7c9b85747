// SPDX-License-Identifier: MIT
#include <QDir>
#include <QFile>
#include <QSqlQuery>
#include <QtTest>

#include "server/secrets/databasesecretstore.h"
#include "server/storage/database.h"
#include "server/storage/secretrepository.h"
#include "tests/secrets/secretstorecontract.h"
#include "tests/support/fakeclock.h"
#include "tests/support/postgresserver.h"
#include "tests/support/resulttext.h"
#include "tests/support/tempdatabase.h"

using namespace Drawbridge;

namespace {

const QString keyA = QStringLiteral("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
const QString keyB = QStringLiteral("f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f");
const QByteArray plainToken = QByteArrayLiteral("aorAAAAAG-PLAIN-REFRESH-TOKEN-must-never-be-in-a-dump-7f3a");

SecretCipher cipher(const QString &current, const QString &previous = QString())
{
    auto made = SecretCipher::fromHex(current, previous);
    if (!made)
        qFatal("%s", qPrintable(made.error()));
    return *made;
}

} // namespace

/**
 * Team mode's secret store, on the engine the run selects (SQLite, or PostgreSQL for the _postgresql
 * registration): the same contract as the keychain, then what only sealing adds.
 */
class TstDatabaseSecretStore : public Test::SecretStoreContract
{
    Q_OBJECT

protected:
    std::unique_ptr<SecretStore> createStore() override
    {
        return std::make_unique<DatabaseSecretStore>(*m_repository, cipher(keyA));
    }

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void dumpHoldsNoPlainSecret();
    void tamperedOrMovedValueIsRefused();
    void otherKeyIsRefused();
    void rotationResealsEveryValue();
    void oversizedValueIsRefused();

private:
    /** Everything the database holds, as an operator's backup would: pg_dump, or the SQLite files. */
    QByteArray dump() const;
    QString sealedIn(const QString &name) const;

    std::unique_ptr<Test::TempDatabase> m_db;
    Test::FakeClock m_clock;
    std::unique_ptr<SecretRepository> m_repository;
};

void TstDatabaseSecretStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    m_db = std::make_unique<Test::TempDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
    m_repository = std::make_unique<SecretRepository>(m_db->database(), m_clock);
}

void TstDatabaseSecretStore::cleanupTestCase()
{
    m_repository.reset();
    m_db.reset();
}

QByteArray TstDatabaseSecretStore::dump() const
{
    if (m_db->isPostgres()) {
        auto server = Test::PostgresServer::shared();
        if (!server)
            return {};
        auto out
            = (*server)->runTool(QStringLiteral("pg_dump"), { QStringLiteral("-d"), m_db->postgresName() });
        if (!out)
            qWarning("%s", qPrintable(out.error()));
        return out ? *out : QByteArray();
    }
    QByteArray all;
    const QDir dir(m_db->dirPath());
    for (const QString &file : dir.entryList(QDir::Files)) {
        QFile f(dir.filePath(file));
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}

QString TstDatabaseSecretStore::sealedIn(const QString &name) const
{
    auto sealed = m_repository->readSealed(name);
    return sealed && sealed->has_value() ? QString::fromLatin1(**sealed) : QString();
}

void TstDatabaseSecretStore::dumpHoldsNoPlainSecret()
{
    const QString name = key(QStringLiteral("kiro/acc1/refresh_token"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, name, plainToken), SecretError::None);
    auto read = readKey(*m_store, name);
    VERIFY_SECRET_RESULT(read, SecretError::None);
    QCOMPARE(read->data, plainToken);

    const QByteArray everything = dump();
    // The oracle must see the table at all, or "no plain token" would prove nothing.
    QVERIFY2(everything.contains(sealedIn(name).toLatin1()), "the dump does not contain the sealed value");
    QVERIFY(everything.contains(cipher(keyA).keyId()));
    QVERIFY2(!everything.contains(plainToken), "the plain refresh token is in the database dump");
    QVERIFY(!everything.contains(plainToken.toBase64()));
    QVERIFY(!everything.contains(keyA.toLatin1()));
}

void TstDatabaseSecretStore::tamperedOrMovedValueIsRefused()
{
    const QString name = key(QStringLiteral("tampered"));
    const QString other = key(QStringLiteral("moved-here"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, name, plainToken), SecretError::None);
    const QString sealed = sealedIn(name);
    QVERIFY(sealed.startsWith(QStringLiteral("v1.")));

    // A value copied to another name fails: the name is authenticated with it.
    DRAWBRIDGE_VERIFY_OK(m_repository->writeSealed(other, sealed.toLatin1()));
    auto moved = readKey(*m_store, other);
    VERIFY_SECRET_RESULT(moved, SecretError::AccessDenied);
    QVERIFY(moved->data.isEmpty());

    // One flipped character anywhere in the ciphertext or tag fails authentication.
    QString flipped = sealed;
    const qsizetype at = flipped.size() - 5;
    flipped[at] = flipped[at] == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
    DRAWBRIDGE_VERIFY_OK(m_repository->writeSealed(name, flipped.toLatin1()));
    auto tampered = readKey(*m_store, name);
    VERIFY_SECRET_RESULT(tampered, SecretError::AccessDenied);
    QVERIFY2(!tampered->message.contains(QString::fromLatin1(plainToken)), qPrintable(tampered->message));

    DRAWBRIDGE_VERIFY_OK(m_repository->writeSealed(name, QByteArrayLiteral("not sealed at all")));
    VERIFY_SECRET_RESULT(readKey(*m_store, name), SecretError::AccessDenied);
}

void TstDatabaseSecretStore::otherKeyIsRefused()
{
    const QString name = key(QStringLiteral("other-key"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, name, plainToken), SecretError::None);
    DatabaseSecretStore wrongKey(*m_repository, cipher(keyB));
    auto read = readKey(wrongKey, name);
    VERIFY_SECRET_RESULT(read, SecretError::AccessDenied);
    QVERIFY2(read->message.contains(QString::fromLatin1(cipher(keyB).keyId())), qPrintable(read->message));
}

void TstDatabaseSecretStore::rotationResealsEveryValue()
{
    // Instance state before the rotation: two secrets sealed with key A.
    const QString first = key(QStringLiteral("rotate-1"));
    const QString second = key(QStringLiteral("rotate-2"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, first, QByteArrayLiteral("one")), SecretError::None);
    VERIFY_SECRET_RESULT(writeKey(*m_store, second, plainToken), SecretError::None);

    // DRAWBRIDGE_SECRET_KEY=B with DRAWBRIDGE_SECRET_KEY_PREVIOUS=A: both keys open, B seals.
    DatabaseSecretStore rotating(*m_repository, cipher(keyB, keyA));
    auto during = readKey(rotating, first);
    VERIFY_SECRET_RESULT(during, SecretError::None);
    QCOMPARE(during->data, QByteArrayLiteral("one"));
    auto rotated = rotating.rotate();
    DRAWBRIDGE_VERIFY_OK(rotated);
    QVERIFY2(rotated->resealed >= 2, qPrintable(QString::number(rotated->resealed)));
    QCOMPARE(rotated->changedMeanwhile, 0);
    auto again = rotating.rotate();
    DRAWBRIDGE_VERIFY_OK(again);
    QCOMPARE(again->resealed, 0);
    QVERIFY(again->current >= 2);

    // Afterwards key B alone opens everything, key A nothing, and the dump shows only B's id.
    DatabaseSecretStore onlyB(*m_repository, cipher(keyB));
    auto after = readKey(onlyB, second);
    VERIFY_SECRET_RESULT(after, SecretError::None);
    QCOMPARE(after->data, plainToken);
    VERIFY_SECRET_RESULT(readKey(*m_store, second), SecretError::AccessDenied);
    auto rows = m_repository->listSealed();
    DRAWBRIDGE_VERIFY_OK(rows);
    for (const auto &[name, sealed] : *rows)
        QVERIFY2(cipher(keyB).isCurrent(sealed), qPrintable(name));
    const QByteArray everything = dump();
    QVERIFY(everything.contains(cipher(keyB).keyId()));
    QVERIFY(!everything.contains(plainToken));
    // pg_dump is the logical backup an operator keeps: no value sealed with the retired key is left in it.
    // (SQLite's raw files may still hold freed pages with old ciphertext until they are reused.)
    if (m_db->isPostgres())
        QVERIFY(!everything.contains(QByteArray("v1." + cipher(keyA).keyId())));

    // A rotation cannot skip a value that no key opens: it stops and names it.
    const QString stray = key(QStringLiteral("sealed-with-a-lost-key"));
    DatabaseSecretStore lost(*m_repository, cipher(QStringLiteral("ab").repeated(32)));
    VERIFY_SECRET_RESULT(writeKey(lost, stray, QByteArrayLiteral("x")), SecretError::None);
    auto refused = onlyB.rotate();
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().contains(stray), qPrintable(refused.error()));
    DRAWBRIDGE_VERIFY_OK(m_repository->removeSealed(stray));
}

void TstDatabaseSecretStore::oversizedValueIsRefused()
{
    const QString name = key(QStringLiteral("huge"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, name, QByteArray(SecretRepository::maxSealedBytes, 'x')),
                         SecretError::NoBackend);
    VERIFY_SECRET_RESULT(readKey(*m_store, name), SecretError::NotFound);
}

QTEST_GUILESS_MAIN(TstDatabaseSecretStore)
#include "tst_databasesecretstore.moc"
