// SPDX-License-Identifier: MIT
// `drawbridge connect` end to end: the real binary on temporary HOMEs, with and without a running gateway.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include "app/application.h"
#include "app/commandline.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"

using namespace Drawbridge;

namespace {

const QString adminToken = QStringLiteral("test-admin-token-0123456789abcdef");
const QString someKey = QStringLiteral("db-abcdefgh-0123456789abcdefghijklmnopqrstuvwxyzABCD");

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QString binary()
{
    // The GUI build has a headless twin; a DRAWBRIDGE_BUILD_GUI=OFF build has only `drawbridge`.
    const QString dir = qEnvironmentVariable("DRAWBRIDGE_BINARY_DIR") + QStringLiteral("/app/");
    return QFile::exists(dir + QStringLiteral("drawbridge-headless"))
        ? dir + QStringLiteral("drawbridge-headless")
        : dir + QStringLiteral("drawbridge");
}

/** A port nothing listens on (bound and released at once). */
quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class TstConnectCli : public QObject
{
    Q_OBJECT

private:
    /** Runs `drawbridge-headless ARGS` with HOME and the XDG folders inside @p home; the event loop keeps
     * running. */
    Run run(const QTemporaryDir &home, QStringList args)
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), home.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral(".config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral(".local/share")));
        env.insert(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN"), adminToken);
        env.remove(QStringLiteral("CODEX_HOME"));
        env.remove(QStringLiteral("CLAUDE_CONFIG_DIR"));
        process.setProcessEnvironment(env);
        QSignalSpy finished(&process, &QProcess::finished);
        process.start(binary(), args);
        Run r;
        if (!process.waitForStarted(10000) || !finished.wait(60000))
            return r;
        r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        r.out = QString::fromUtf8(process.readAllStandardOutput());
        r.err = QString::fromUtf8(process.readAllStandardError());
        return r;
    }

private Q_SLOTS:
    void dryRunPrintsTheDiffAndWritesNothing()
    {
        QTemporaryDir home;
        const Run r = run(home,
                          { QStringLiteral("connect"), QStringLiteral("claude-code"), QStringLiteral("--key"),
                            someKey, QStringLiteral("--dry-run") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(
            r.out.contains(QStringLiteral("+++ ") + home.filePath(QStringLiteral(".claude/settings.json"))),
            qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("ANTHROPIC_BASE_URL")));
        QVERIFY(!r.out.contains(someKey)); // the secret part of the key is not printed
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral(".claude/settings.json"))));
    }

    void connectsWithAGivenKeyAndUndoes()
    {
        QTemporaryDir home;
        const Run r = run(home,
                          { QStringLiteral("connect"), QStringLiteral("opencode"), QStringLiteral("--key"),
                            someKey, QStringLiteral("--port"), QStringLiteral("9911") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString path = home.filePath(QStringLiteral(".config/opencode/opencode.json"));
        const QJsonObject options = readJson(path)
                                        .value(QStringLiteral("provider"))
                                        .toObject()
                                        .value(QStringLiteral("drawbridge"))
                                        .toObject()
                                        .value(QStringLiteral("options"))
                                        .toObject();
        QCOMPARE(options.value(QStringLiteral("baseURL")).toString(),
                 QStringLiteral("http://127.0.0.1:9911/v1"));
        QCOMPARE(options.value(QStringLiteral("apiKey")).toString(), someKey);
        QVERIFY(r.out.contains(QStringLiteral("drawbridge connect opencode --undo")));

        const Run undone
            = run(home, { QStringLiteral("connect"), QStringLiteral("opencode"), QStringLiteral("--undo") });
        QCOMPARE(undone.exitCode, 0);
        QVERIFY(!QFile::exists(path));
        const Run again
            = run(home, { QStringLiteral("connect"), QStringLiteral("opencode"), QStringLiteral("--undo") });
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.startsWith(QStringLiteral("drawbridge: nothing to undo")));
    }

    void errorsAreOneLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown-tool") << QStringList { QStringLiteral("connect"), QStringLiteral("vim") }
                                      << "drawbridge: unknown tool 'vim'";
        QTest::newRow("no-tool") << QStringList { QStringLiteral("connect") }
                                 << "drawbridge: connect needs one tool";
        QTest::newRow("bad-key") << QStringList { QStringLiteral("connect"), QStringLiteral("codex"),
                                                  QStringLiteral("--key"), QStringLiteral("sk-123") }
                                 << "drawbridge: --key: not a Drawbridge client key";
        QTest::newRow("port-0") << QStringList { QStringLiteral("connect"), QStringLiteral("codex"),
                                                 QStringLiteral("--key"),   someKey,
                                                 QStringLiteral("--port"),  QStringLiteral("0") }
                                << "drawbridge: server.port is 0";
        QTest::newRow("key-without-connect")
            << QStringList { QStringLiteral("--key"), someKey } << "drawbridge: --key, --dry-run";
    }

    void errorsAreOneLine()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QTemporaryDir home;
        const Run r = run(home, args);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.startsWith(message), qPrintable(r.err));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    }

    void aBrokenConfigIsLeftAloneAndNoKeyIsMade()
    {
        QTemporaryDir home;
        const QString path = home.filePath(QStringLiteral(".codex/config.toml"));
        QDir().mkpath(home.filePath(QStringLiteral(".codex")));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("model = [\n");
        f.close();
        const Run r = run(home,
                          { QStringLiteral("connect"), QStringLiteral("codex"), QStringLiteral("--port"),
                            QString::number(freePort()) });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not valid TOML")), qPrintable(r.err));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(!QFile::exists(home.filePath(QStringLiteral(".local/share/drawbridge/drawbridge.sqlite"))));
    }

    void withoutAGatewayTheKeyIsMadeInTheDataDirectory()
    {
        QTemporaryDir home;
        const QString dataDir = home.filePath(QStringLiteral("data"));
        const Run r
            = run(home,
                  { QStringLiteral("connect"), QStringLiteral("claude-code"), QStringLiteral("--port"),
                    QString::number(freePort()), QStringLiteral("--data-dir"), dataDir });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString key = readJson(home.filePath(QStringLiteral(".claude/settings.json")))
                                .value(QStringLiteral("env"))
                                .toObject()
                                .value(QStringLiteral("ANTHROPIC_AUTH_TOKEN"))
                                .toString();
        QVERIFY(key.startsWith(QStringLiteral("db-")));
        QVERIFY(!r.out.contains(key));
        {
            auto db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
            db.setDatabaseName(dataDir + QStringLiteral("/drawbridge.sqlite"));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM api_keys WHERE name = 'claude-code'")));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toInt(), 1);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
    }

    void aRunningGatewayMakesTheKeyAndKnowsItAtOnce()
    {
        CommandLine commandLine;
        commandLine.ephemeral = true;
        ResolvedSettings resolved;
        resolved.settings.server.port = 0;
        resolved.settings.admin.authToken = adminToken;
        Application app(commandLine, resolved);
        bool started = false;
        app.start([&](const Status &s) { started = s.ok(); });
        QTRY_VERIFY(started);
        const QString port = app.gateway().baseUrl().section(QLatin1Char(':'), -1);

        QTemporaryDir home;
        const Run r = run(home,
                          { QStringLiteral("connect"), QStringLiteral("continue"), QStringLiteral("--port"),
                            port, QStringLiteral("--ephemeral") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile yaml(home.filePath(QStringLiteral(".continue/config.yaml")));
        QVERIFY(yaml.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(yaml.readAll());
        const qsizetype at = text.indexOf(QStringLiteral("apiKey: \""));
        QVERIFY(at > 0);
        const QString key = text.mid(at + 9, text.indexOf(QLatin1Char('"'), at + 9) - at - 9);
        QVERIFY(std::holds_alternative<const ApiKeyRecord *>(app.keys().authenticate(key)));
        QCOMPARE(std::get<const ApiKeyRecord *>(app.keys().authenticate(key))->name,
                 QStringLiteral("continue"));
        QVERIFY(
            text.contains(QStringLiteral("apiBase: \"") + app.gateway().baseUrl() + QStringLiteral("/v1\"")));
    }
};

QTEST_GUILESS_MAIN(TstConnectCli)
#include "tst_connectcli.moc"
