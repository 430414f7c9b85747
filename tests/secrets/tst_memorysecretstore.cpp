// SPDX-License-Identifier: MIT
#include <QtTest>

#include "server/secrets/memorysecretstore.h"
#include "tests/secrets/secretstorecontract.h"

using namespace Drawbridge;

Q_DECLARE_METATYPE(Drawbridge::SecretError)

class TstMemorySecretStore : public Test::SecretStoreContract
{
    Q_OBJECT

protected:
    std::unique_ptr<SecretStore> createStore() override { return std::make_unique<MemorySecretStore>(); }

private Q_SLOTS:
    void keysListsWhatIsStored();
    void simulatedFailure_data();
    void simulatedFailure();
    void storesAreSeparate();

private:
    MemorySecretStore &memory() { return static_cast<MemorySecretStore &>(*m_store); }
};

void TstMemorySecretStore::keysListsWhatIsStored()
{
    VERIFY_SECRET_RESULT(writeKey(memory(), key(QStringLiteral("b")), "2"), SecretError::None);
    VERIFY_SECRET_RESULT(writeKey(memory(), key(QStringLiteral("a")), "1"), SecretError::None);
    QCOMPARE(memory().keys(), (QStringList { key(QStringLiteral("a")), key(QStringLiteral("b")) }));
    VERIFY_SECRET_RESULT(removeKey(memory(), key(QStringLiteral("a"))), SecretError::None);
    QCOMPARE(memory().keys(), QStringList { key(QStringLiteral("b")) });
}

void TstMemorySecretStore::simulatedFailure_data()
{
    QTest::addColumn<SecretError>("error");
    QTest::addColumn<QString>("message");
    QTest::newRow("no-backend") << SecretError::NoBackend << QStringLiteral("no secret service");
    QTest::newRow("access-denied") << SecretError::AccessDenied << QStringLiteral("keyring locked");
    QTest::newRow("other-default-message") << SecretError::Other << QString();
}

void TstMemorySecretStore::simulatedFailure()
{
    QFETCH(SecretError, error);
    QFETCH(QString, message);
    const QString kept = key(QStringLiteral("kept"));
    VERIFY_SECRET_RESULT(writeKey(memory(), kept, "before"), SecretError::None);

    memory().setFailure(error, message);
    const auto available
        = await([this](QObject *c, SecretStore::Callback cb) { memory().checkAvailable(c, cb); });
    VERIFY_SECRET_RESULT(available, error);
    QVERIFY(!available->message.isEmpty());
    if (!message.isEmpty())
        QCOMPARE(available->message, message);
    VERIFY_SECRET_RESULT(writeKey(memory(), kept, "during"), error);
    VERIFY_SECRET_RESULT(writeKey(memory(), key(QStringLiteral("new")), "during"), error);
    VERIFY_SECRET_RESULT(readKey(memory(), kept), error);
    VERIFY_SECRET_RESULT(removeKey(memory(), kept), error);
    QCOMPARE(memory().keys(), QStringList { kept });

    memory().setFailure(SecretError::None);
    const auto read = readKey(memory(), kept);
    VERIFY_SECRET_RESULT(read, SecretError::None);
    QCOMPARE(read->data, QByteArray("before"));
}

void TstMemorySecretStore::storesAreSeparate()
{
    MemorySecretStore other;
    VERIFY_SECRET_RESULT(writeKey(memory(), key(QStringLiteral("mine")), "x"), SecretError::None);
    VERIFY_SECRET_RESULT(readKey(other, key(QStringLiteral("mine"))), SecretError::NotFound);
}

QTEST_GUILESS_MAIN(TstMemorySecretStore)
#include "tst_memorysecretstore.moc"
