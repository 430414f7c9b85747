// SPDX-License-Identifier: MIT
//
// Runs the SecretStore contract against the real keychain (on Linux: the Secret Service over D-Bus). CTest
// runs it through scripts/with-keyring, which provides a private, unlocked gnome-keyring. Without a reachable
// secret service it skips, or fails when DRAWBRIDGE_REQUIRE_KEYCHAIN=1 (CI), so a broken CI setup cannot pass
// quietly.
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

#include "server/secrets/keychainsecretstore.h"
#include "tests/secrets/secretstorecontract.h"

using namespace Drawbridge;

namespace {

const QString requireVariable = QStringLiteral("DRAWBRIDGE_REQUIRE_KEYCHAIN");

} // namespace

class TstKeychainSecretStore : public Test::SecretStoreContract
{
    Q_OBJECT

protected:
    std::unique_ptr<SecretStore> createStore() override
    {
        return std::make_unique<KeychainSecretStore>(m_service);
    }
    int timeoutMs() const override { return 20'000; }

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void secondInstanceReadsSecret();
    void servicesAreSeparate();
    void entryLivesInSecretService();
    void probeLeavesNothingBehind();
    void missingSecretServiceIsDetected_data();
    void missingSecretServiceIsDetected();

private:
    std::optional<SecretResult> checkAvailable(SecretStore &store);
    /** Runs secret-tool; nullopt when it is not installed. */
    std::optional<QByteArray> secretTool(const QStringList &arguments);

    // A service name of its own, so the test never sees or touches entries of a real Drawbridge.
    const QString m_service
        = QStringLiteral("drawbridge-test-") + QUuid::createUuid().toString(QUuid::WithoutBraces).left(8);
};

std::optional<SecretResult> TstKeychainSecretStore::checkAvailable(SecretStore &store)
{
    return await([&store](QObject *c, SecretStore::Callback cb) { store.checkAvailable(c, cb); });
}

std::optional<QByteArray> TstKeychainSecretStore::secretTool(const QStringList &arguments)
{
    const QString program = QStandardPaths::findExecutable(QStringLiteral("secret-tool"));
    if (program.isEmpty())
        return std::nullopt;
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs()))
        return std::nullopt;
    return process.readAllStandardOutput();
}

void TstKeychainSecretStore::initTestCase()
{
    KeychainSecretStore probe(m_service);
    const auto available = checkAvailable(probe);
    if (available && available->ok())
        return;
    const QString reason
        = QStringLiteral("no usable secret service (%1); run this test through scripts/with-keyring")
              .arg(available ? available->message : QStringLiteral("no answer from the probe"));
    if (qEnvironmentVariable(requireVariable.toLatin1().constData()) == QLatin1String("1"))
        QFAIL(qPrintable(reason + QStringLiteral(" [%1=1 requires it]").arg(requireVariable)));
    QSKIP(qPrintable(reason));
}

void TstKeychainSecretStore::cleanupTestCase()
{
    // Every test removes its own keys; anything still under the test service is a leak worth reporting.
    if (const auto listed = secretTool(
            { QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), m_service }))
        QVERIFY2(listed->isEmpty(), listed->constData());
}

void TstKeychainSecretStore::secondInstanceReadsSecret()
{
    const QString k = key(QStringLiteral("shared"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, "persisted"), SecretError::None);
    KeychainSecretStore second(m_service);
    const auto read = readKey(second, k);
    VERIFY_SECRET_RESULT(read, SecretError::None);
    QCOMPARE(read->data, QByteArray("persisted"));
}

void TstKeychainSecretStore::servicesAreSeparate()
{
    const QString k = key(QStringLiteral("separate"));
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, "mine"), SecretError::None);
    KeychainSecretStore other(m_service + QStringLiteral("-other"));
    VERIFY_SECRET_RESULT(readKey(other, k), SecretError::NotFound);
    VERIFY_SECRET_RESULT(removeKey(other, k), SecretError::None);
    VERIFY_SECRET_RESULT(readKey(*m_store, k), SecretError::None);
}

void TstKeychainSecretStore::entryLivesInSecretService()
{
    // Seen from outside the process through libsecret's own tool: the secret really is in the secret service
    // (QtKeychain's attributes: server = service, user = key; binary data stored base64).
    const QString k = key(QStringLiteral("external"));
    const QByteArray secret("\x01\x02 not text \xff");
    VERIFY_SECRET_RESULT(writeKey(*m_store, k, secret), SecretError::None);
    const auto looked = secretTool(
        { QStringLiteral("lookup"), QStringLiteral("server"), m_service, QStringLiteral("user"), k });
    if (!looked)
        QSKIP("secret-tool (libsecret-tools) is not installed");
    QCOMPARE(QByteArray::fromBase64(looked->trimmed()), secret);

    VERIFY_SECRET_RESULT(removeKey(*m_store, k), SecretError::None);
    QCOMPARE(*secretTool({ QStringLiteral("lookup"), QStringLiteral("server"), m_service,
                           QStringLiteral("user"), k }),
             QByteArray());
}

void TstKeychainSecretStore::probeLeavesNothingBehind()
{
    const auto available = checkAvailable(*m_store);
    VERIFY_SECRET_RESULT(available, SecretError::None);
    const auto listed = secretTool(
        { QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), m_service });
    if (!listed)
        QSKIP("secret-tool (libsecret-tools) is not installed");
    QVERIFY2(!listed->contains("drawbridge-probe-"), listed->constData());
}

void TstKeychainSecretStore::missingSecretServiceIsDetected_data()
{
    QTest::addColumn<bool>("required");
    QTest::newRow("optional-skips") << false;
    QTest::newRow("required-fails") << true;
}

void TstKeychainSecretStore::missingSecretServiceIsDetected()
{
    // This very test binary, started without any D-Bus session, must notice by itself that there is no secret
    // service: skip normally, fail loudly when the keychain is required.
    QFETCH(bool, required);
    QTemporaryDir emptyRuntime;
    QVERIFY(emptyRuntime.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &name : { QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("DISPLAY"),
                                 QStringLiteral("WAYLAND_DISPLAY"), requireVariable })
        env.remove(name);
    // GDBus would otherwise find a session bus at $XDG_RUNTIME_DIR/bus.
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), emptyRuntime.path());
    if (required)
        env.insert(requireVariable, QStringLiteral("1"));

    QProcess child;
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::MergedChannels);
    // initTestCase always runs; one cheap test function keeps the child short.
    child.start(QCoreApplication::applicationFilePath(), { QStringLiteral("emptyKeyIsRejected") });
    QVERIFY(child.waitForFinished(60'000));
    const QByteArray output = child.readAll();
    QVERIFY2(output.contains("no usable secret service"), output.constData());
    QVERIFY2(output.contains("scripts/with-keyring"), output.constData());
    if (required) {
        QVERIFY2(child.exitCode() != 0, output.constData());
        QVERIFY2(output.contains("FAIL!"), output.constData());
        QVERIFY2(output.contains("DRAWBRIDGE_REQUIRE_KEYCHAIN=1"), output.constData());
    } else {
        QVERIFY2(child.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("SKIP"), output.constData());
    }
}

QTEST_GUILESS_MAIN(TstKeychainSecretStore)
#include "tst_keychainsecretstore.moc"
