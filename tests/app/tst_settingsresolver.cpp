// SPDX-License-Identifier: MIT
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include "app/configfile.h"
#include "app/settingsresolver.h"

using namespace Drawbridge;

class TstSettingsResolver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsWithoutFile();
    void firstRunCreatesCommentedDefaultFile();
    void precedence_data();
    void precedence();
    void fileErrors_data();
    void fileErrors();
    void unknownKeysWarn();
    void explicitMissingFileIsAnError();
    void badEnvPort();
    void fullFileParses();
    void caFileAndProxy();
    void apiBaseUrlsWinOverApiBaseUrl();
    void historyTrimmingKeys();

private:
    QString writeFile(const QByteArray &text);
    QTemporaryDir m_dir;
    int m_counter = 0;
};

QString TstSettingsResolver::writeFile(const QByteArray &text)
{
    const QString path = m_dir.filePath(QStringLiteral("c%1.toml").arg(++m_counter));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write test file");
    f.write(text);
    return path;
}

void TstSettingsResolver::defaultsWithoutFile()
{
    const auto r = SettingsResolver::resolve({}, QProcessEnvironment(),
                                             m_dir.filePath(QStringLiteral("new/dir/d.toml")));
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
    QCOMPARE(r->settings.server.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(r->settings.server.port, 8642);
    QCOMPARE(r->settings.server.maxBodyMb, 16);
    QCOMPARE(r->settings.limits.defaultRpm, 60);
    QCOMPARE(r->settings.limits.queueTimeoutS, 30);
    QCOMPARE(r->settings.kiro.slotsPerAccount, 3);
    QCOMPARE(r->settings.kiro.defaultModel, QStringLiteral("claude-sonnet-4.5"));
    QVERIFY(r->settings.kiro.apiBaseUrlOverrides().isEmpty()); // the defaults by auth method apply
}

void TstSettingsResolver::firstRunCreatesCommentedDefaultFile()
{
    const QString path = m_dir.filePath(QStringLiteral("first/drawbridge.toml"));
    QVERIFY(!QFile::exists(path));
    QVERIFY(SettingsResolver::resolve({}, QProcessEnvironment(), path).ok());
    QVERIFY(QFile::exists(path));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.contains("# port = 8642"));
    // The default file itself must parse and change nothing.
    Settings s;
    QStringList warnings;
    QVERIFY(ConfigFile::apply(text, path, s, warnings).ok());
    QVERIFY(warnings.isEmpty());
    QCOMPARE(s.server.port, 8642);
}

void TstSettingsResolver::precedence_data()
{
    QTest::addColumn<bool>("inFile");
    QTest::addColumn<bool>("inEnv");
    QTest::addColumn<bool>("inFlag");
    QTest::addColumn<int>("expectedPort");
    QTest::addColumn<QString>("expectedHost");
    QTest::newRow("default") << false << false << false << 8642 << QStringLiteral("127.0.0.1");
    QTest::newRow("file") << true << false << false << 1111 << QStringLiteral("127.0.0.2");
    QTest::newRow("env-over-file") << true << true << false << 2222 << QStringLiteral("127.0.0.3");
    QTest::newRow("flag-over-env") << true << true << true << 3333 << QStringLiteral("127.0.0.4");
    QTest::newRow("flag-over-file") << true << false << true << 3333 << QStringLiteral("127.0.0.4");
    QTest::newRow("env-only") << false << true << false << 2222 << QStringLiteral("127.0.0.3");
}

void TstSettingsResolver::precedence()
{
    QFETCH(bool, inFile);
    QFETCH(bool, inEnv);
    QFETCH(bool, inFlag);
    QFETCH(int, expectedPort);
    QFETCH(QString, expectedHost);

    const QString path = writeFile(
        inFile ? QByteArray("[server]\nport = 1111\nhost = \"127.0.0.2\"\n[storage]\ndata_dir = \"/f\"\n")
               : QByteArray());
    QProcessEnvironment env;
    if (inEnv) {
        env.insert(QStringLiteral("DRAWBRIDGE_PORT"), QStringLiteral("2222"));
        env.insert(QStringLiteral("DRAWBRIDGE_HOST"), QStringLiteral("127.0.0.3"));
        env.insert(QStringLiteral("DRAWBRIDGE_DATA_DIR"), QStringLiteral("/e"));
    }
    SettingsOverrides flags;
    flags.configPath = path;
    if (inFlag) {
        flags.port = 3333;
        flags.host = QStringLiteral("127.0.0.4");
        flags.dataDir = QStringLiteral("/l");
    }
    const auto r = SettingsResolver::resolve(flags, env, QString());
    QVERIFY(r.ok());
    QCOMPARE(r->settings.server.port, expectedPort);
    QCOMPARE(r->settings.server.host, expectedHost);
    const QString dataDir = inFlag ? QStringLiteral("/l")
        : inEnv                    ? QStringLiteral("/e")
        : inFile                   ? QStringLiteral("/f")
                                   : QString();
    QCOMPARE(r->settings.storage.dataDir, dataDir);
}

void TstSettingsResolver::fileErrors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("syntax") << QByteArray("[server]\nport = 8642\nhost = \n") << QStringLiteral(":3:");
    QTest::newRow("unterminated-string") << QByteArray("[kiro]\n\nregion = \"us\n") << QStringLiteral(":3:");
    QTest::newRow("port-type") << QByteArray("[server]\nport = \"8642\"\n")
                               << QStringLiteral("\"server.port\" must be an integer, not a string");
    QTest::newRow("port-range") << QByteArray("[server]\nport = 70000\n")
                                << QStringLiteral("\"server.port\" must be between 0 and 65535");
    QTest::newRow("host-type") << QByteArray("[server]\nhost = 1\n")
                               << QStringLiteral("\"server.host\" must be a string");
    QTest::newRow("cors-type") << QByteArray("[server]\ncors_origins = \"x\"\n")
                               << QStringLiteral("\"server.cors_origins\" must be an array of strings");
    QTest::newRow("cors-elem") << QByteArray("[server]\ncors_origins = [1]\n")
                               << QStringLiteral("\"server.cors_origins\" must be an array of strings");
    QTest::newRow("rpm-type") << QByteArray("[limits]\ndefault_rpm = 1.5\n")
                              << QStringLiteral("\"limits.default_rpm\" must be an integer, not a number");
    QTest::newRow("rpm-zero") << QByteArray("[limits]\ndefault_rpm = 0\n")
                              << QStringLiteral("\"limits.default_rpm\" must be between");
    QTest::newRow("slots-type") << QByteArray("[kiro]\nslots_per_account = true\n")
                                << QStringLiteral(
                                       "\"kiro.slots_per_account\" must be an integer, not a boolean");
    QTest::newRow("alias-type") << QByteArray("[kiro.model_aliases]\nx = 1\n")
                                << QStringLiteral("\"kiro.model_aliases.x\" must be a string");
    QTest::newRow("table-type") << QByteArray("server = 1\n") << QStringLiteral("\"server\" must be a table");
    QTest::newRow("token-type") << QByteArray("[admin]\nauth_token = 5\n")
                                << QStringLiteral("\"admin.auth_token\" must be a string");
    QTest::newRow("body-type") << QByteArray("[server]\nmax_body_mb = []\n")
                               << QStringLiteral("\"server.max_body_mb\" must be an integer, not an array");
    QTest::newRow("ca-missing") << QByteArray("[kiro]\nca_file = \"no-such-ca.pem\"\n")
                                << QStringLiteral(":2: \"kiro.ca_file\": cannot read ");
    QTest::newRow("ca-dir") << QByteArray("[kiro]\nca_file = \".\"\n")
                            << QStringLiteral("\"kiro.ca_file\": cannot read ");
    QTest::newRow("ca-type") << QByteArray("[kiro]\nca_file = 1\n")
                             << QStringLiteral("\"kiro.ca_file\" must be a string");
    QTest::newRow("proxy-scheme") << QByteArray("[kiro]\nproxy = \"https://proxy:3128\"\n")
                                  << QStringLiteral("\"kiro.proxy\" must be \"http://host:port\"");
    QTest::newRow("proxy-no-port") << QByteArray("[kiro]\nproxy = \"http://user:s3cret@proxy\"\n")
                                   << QStringLiteral("\"kiro.proxy\" must be \"http://host:port\"");
}

void TstSettingsResolver::fileErrors()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    SettingsOverrides flags;
    flags.configPath = writeFile(text);
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(expected), qPrintable(r.error()));
    QVERIFY2(r.error().startsWith(*flags.configPath), qPrintable(r.error()));
    QVERIFY(!r.error().contains(u'\n'));
    QVERIFY(!r.error().contains(QStringLiteral("s3cret")));
}

void TstSettingsResolver::unknownKeysWarn()
{
    SettingsOverrides flags;
    flags.configPath = writeFile("[server]\nprot = 1\n[bogus]\nx = 1\n");
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY(r.ok());
    QCOMPARE(r->warnings.size(), 2);
    QVERIFY(r->warnings.join(u' ').contains(QStringLiteral("server.prot")));
    QVERIFY(r->warnings.join(u' ').contains(QStringLiteral("bogus")));
}

void TstSettingsResolver::explicitMissingFileIsAnError()
{
    SettingsOverrides flags;
    flags.configPath = m_dir.filePath(QStringLiteral("nope.toml"));
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY(!r.ok());
    QVERIFY(r.error().contains(QStringLiteral("not found")));
    QVERIFY(!QFile::exists(*flags.configPath));

    QProcessEnvironment env;
    env.insert(QStringLiteral("DRAWBRIDGE_CONFIG"), m_dir.filePath(QStringLiteral("nope2.toml")));
    QVERIFY(!SettingsResolver::resolve({}, env, QString()).ok());
}

void TstSettingsResolver::badEnvPort()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("DRAWBRIDGE_PORT"), QStringLiteral("eighty"));
    const auto r = SettingsResolver::resolve({}, env, QString());
    QVERIFY(!r.ok());
    QVERIFY(r.error().startsWith(QStringLiteral("DRAWBRIDGE_PORT")));
}

void TstSettingsResolver::fullFileParses()
{
    SettingsOverrides flags;
    flags.configPath = writeFile(R"([server]
host = "0.0.0.0"
port = 0
max_body_mb = 2
cors_origins = ["http://localhost:3000"]
[admin]
auth_token = "secret"
[limits]
default_rpm = 5
queue_timeout_s = 3
[kiro]
region = "eu-central-1"
default_model = "auto"
slots_per_account = 7
api_base_url = "http://127.0.0.1:1"
models = ["auto", "x"]
[kiro.model_aliases]
"gpt-4o" = "auto"
[storage]
retention_days = 7
)");
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
    const Settings &s = r->settings;
    QCOMPARE(s.server.host, QStringLiteral("0.0.0.0"));
    QCOMPARE(s.server.port, 0);
    QCOMPARE(s.server.maxBodyMb, 2);
    QCOMPARE(s.server.corsOrigins, QStringList { QStringLiteral("http://localhost:3000") });
    QCOMPARE(s.admin.authToken, QStringLiteral("secret"));
    QCOMPARE(s.limits.defaultRpm, 5);
    QCOMPARE(s.limits.queueTimeoutS, 3);
    QCOMPARE(s.kiro.region, QStringLiteral("eu-central-1"));
    QCOMPARE(s.kiro.apiBaseUrlOverrides(), QStringList { QStringLiteral("http://127.0.0.1:1") });
    QCOMPARE(s.kiro.slotsPerAccount, 7);
    QCOMPARE(s.kiro.models, (QStringList { QStringLiteral("auto"), QStringLiteral("x") }));
    QCOMPARE(s.kiro.modelAliases.value(QStringLiteral("gpt-4o")), QStringLiteral("auto"));
    QCOMPARE(s.storage.retentionDays, 7);
}

void TstSettingsResolver::caFileAndProxy()
{
    QDir(m_dir.path()).mkpath(QStringLiteral("certs"));
    QFile ca(m_dir.filePath(QStringLiteral("certs/corp.pem")));
    QVERIFY(ca.open(QIODevice::WriteOnly));
    ca.write("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    ca.close();
    SettingsOverrides flags;
    // A relative ca_file is taken from the config file's folder and kept absolute.
    flags.configPath
        = writeFile("[kiro]\nca_file = \"certs/corp.pem\"\nproxy = \"http://proxy.corp:3128\"\n");
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
    QCOMPARE(r->settings.kiro.caFile, QFileInfo(ca).absoluteFilePath());
    QCOMPARE(r->settings.kiro.proxy, QStringLiteral("http://proxy.corp:3128"));

    QFile notPem(m_dir.filePath(QStringLiteral("certs/notes.txt")));
    QVERIFY(notPem.open(QIODevice::WriteOnly));
    notPem.write("not a certificate\n");
    notPem.close();
    flags.configPath = writeFile("[kiro]\nca_file = \"certs/notes.txt\"\n");
    const auto bad = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().contains(QStringLiteral(":2: \"kiro.ca_file\": "))
                 && bad.error().contains(u"no PEM"),
             qPrintable(bad.error()));

    const auto defaults = SettingsResolver::resolve({}, QProcessEnvironment(), QString());
    QVERIFY(defaults.ok());
    QVERIFY(defaults->settings.kiro.caFile.isEmpty());
    QVERIFY(defaults->settings.kiro.proxy.isEmpty());
}

void TstSettingsResolver::apiBaseUrlsWinOverApiBaseUrl()
{
    SettingsOverrides flags;
    flags.configPath = writeFile(R"([kiro]
api_base_url = "http://127.0.0.1:1"
api_base_urls = ["http://127.0.0.1:2/", " http://127.0.0.1:3", "http://127.0.0.1:2"]
)");
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
    QVERIFY(r->warnings.isEmpty());
    // Trimmed, without a trailing slash, each once, in the order given.
    QCOMPARE(r->settings.kiro.apiBaseUrlOverrides(),
             (QStringList { QStringLiteral("http://127.0.0.1:2"), QStringLiteral("http://127.0.0.1:3") }));

    flags.configPath = writeFile("[kiro]\napi_base_urls = \"http://127.0.0.1:2\"\n");
    QVERIFY(!SettingsResolver::resolve(flags, QProcessEnvironment(), QString()).ok());
}

void TstSettingsResolver::historyTrimmingKeys()
{
    QCOMPARE(KiroSettings {}.trimHistory, true);
    QCOMPARE(KiroSettings {}.maxRequestBytes, 600'000);
    SettingsOverrides flags;
    flags.configPath = writeFile("[kiro]\ntrim_history = false\nmax_request_bytes = 1250000\n");
    const auto r = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error()));
    QVERIFY(r->warnings.isEmpty());
    QCOMPARE(r->settings.kiro.trimHistory, false);
    QCOMPARE(r->settings.kiro.maxRequestBytes, 1'250'000);
    flags.configPath = writeFile("[kiro]\nmax_request_bytes = 5000\n");
    const auto tooSmall = SettingsResolver::resolve(flags, QProcessEnvironment(), QString());
    QVERIFY(!tooSmall.ok());
    QVERIFY2(tooSmall.error().contains(QStringLiteral("max_request_bytes")), qPrintable(tooSmall.error()));
}

QTEST_GUILESS_MAIN(TstSettingsResolver)
#include "tst_settingsresolver.moc"
