// SPDX-License-Identifier: MIT
// ToolConnector on temporary HOMEs. The written files are read back by parsers someone else wrote (Python's
// json, tomllib and PyYAML), not by the code that wrote them.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "app/toolconnector.h"
#include "app/unifieddiff.h"

using namespace Drawbridge;

namespace {

const QString key = QStringLiteral("db-abcdefgh-0123456789abcdefghijklmnopqrstuvwxyzABCD");

ToolConnector::Target target()
{
    return { QStringLiteral("http://127.0.0.1:8642"),
             key,
             QStringLiteral("claude-sonnet-4.5"),
             { QStringLiteral("claude-sonnet-4.5"), QStringLiteral("claude-haiku-4.5") } };
}

QString readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll());
}

void writeAll(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(data);
}

/** The file parsed by Python's own parser for its format, as JSON; a null document when it does not parse. */
QJsonDocument parsedByPython(const QString &path)
{
    const QString script = QStringLiteral("import sys, json, tomllib, yaml\n"
                                          "p = sys.argv[1]\n"
                                          "if p.endswith('.toml'):\n"
                                          "    d = tomllib.load(open(p, 'rb'))\n"
                                          "elif p.endswith('.yaml'):\n"
                                          "    d = yaml.safe_load(open(p))\n"
                                          "else:\n"
                                          "    d = json.load(open(p))\n"
                                          "print(json.dumps(d, default=str))\n");
    QProcess python;
    python.start(QStringLiteral("python3"), { QStringLiteral("-c"), script, path });
    if (!python.waitForFinished(20000) || python.exitCode() != 0) {
        qWarning("python could not parse %s: %s", qPrintable(path),
                 python.readAllStandardError().constData());
        return {};
    }
    return QJsonDocument::fromJson(python.readAllStandardOutput());
}

/** Checks the keys the tool's documentation names, in the parsed file. */
void checkDocumentedKeys(const QString &tool, const QJsonObject &root)
{
    if (tool == QLatin1String("claude-code")) {
        const QJsonObject env = root.value(QStringLiteral("env")).toObject();
        QCOMPARE(env.value(QStringLiteral("ANTHROPIC_BASE_URL")).toString(),
                 QStringLiteral("http://127.0.0.1:8642"));
        QCOMPARE(env.value(QStringLiteral("ANTHROPIC_AUTH_TOKEN")).toString(), key);
        QCOMPARE(env.value(QStringLiteral("ANTHROPIC_MODEL")).toString(),
                 QStringLiteral("claude-sonnet-4.5"));
        QVERIFY(!env.contains(QStringLiteral("ANTHROPIC_API_KEY")));
    } else if (tool == QLatin1String("codex")) {
        QCOMPARE(root.value(QStringLiteral("model_provider")).toString(), QStringLiteral("drawbridge"));
        QCOMPARE(root.value(QStringLiteral("model")).toString(), QStringLiteral("claude-sonnet-4.5"));
        const QJsonObject p = root.value(QStringLiteral("model_providers"))
                                  .toObject()
                                  .value(QStringLiteral("drawbridge"))
                                  .toObject();
        QCOMPARE(p.value(QStringLiteral("base_url")).toString(), QStringLiteral("http://127.0.0.1:8642/v1"));
        QCOMPARE(p.value(QStringLiteral("wire_api")).toString(), QStringLiteral("responses"));
        QCOMPARE(p.value(QStringLiteral("experimental_bearer_token")).toString(), key);
    } else if (tool == QLatin1String("opencode")) {
        QCOMPARE(root.value(QStringLiteral("model")).toString(),
                 QStringLiteral("drawbridge/claude-sonnet-4.5"));
        const QJsonObject p = root.value(QStringLiteral("provider"))
                                  .toObject()
                                  .value(QStringLiteral("drawbridge"))
                                  .toObject();
        QCOMPARE(p.value(QStringLiteral("npm")).toString(), QStringLiteral("@ai-sdk/openai-compatible"));
        const QJsonObject options = p.value(QStringLiteral("options")).toObject();
        QCOMPARE(options.value(QStringLiteral("baseURL")).toString(),
                 QStringLiteral("http://127.0.0.1:8642/v1"));
        QCOMPARE(options.value(QStringLiteral("apiKey")).toString(), key);
        QVERIFY(p.value(QStringLiteral("models")).toObject().contains(QStringLiteral("claude-haiku-4.5")));
    } else {
        QCOMPARE(root.value(QStringLiteral("schema")).toString(), QStringLiteral("v1"));
        const QJsonArray models = root.value(QStringLiteral("models")).toArray();
        QJsonObject ours;
        int count = 0;
        for (const QJsonValue &m : models) {
            if (m.toObject().value(QStringLiteral("name")).toString() == QLatin1String("Drawbridge")) {
                ours = m.toObject();
                ++count;
            }
        }
        QCOMPARE(count, 1);
        QCOMPARE(ours.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
        QCOMPARE(ours.value(QStringLiteral("apiBase")).toString(),
                 QStringLiteral("http://127.0.0.1:8642/v1"));
        QCOMPARE(ours.value(QStringLiteral("apiKey")).toString(), key);
        QCOMPARE(ours.value(QStringLiteral("model")).toString(), QStringLiteral("claude-sonnet-4.5"));
        QVERIFY(ours.value(QStringLiteral("roles")).toArray().contains(QStringLiteral("chat")));
    }
}

} // namespace

class TstToolConnector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QProcess probe;
        probe.start(QStringLiteral("python3"),
                    { QStringLiteral("-c"), QStringLiteral("import tomllib, yaml") });
        if (!probe.waitForFinished(20000) || probe.exitCode() != 0)
            QFAIL("python3 with tomllib and PyYAML is needed to check the written files (scripts/setup "
                  "installs python3-yaml)");
    }

    void connectsOnAnEmptyHome_data()
    {
        QTest::addColumn<QString>("tool");
        QTest::addColumn<QString>("relativePath");
        QTest::newRow("claude-code") << "claude-code"
                                     << ".claude/settings.json";
        QTest::newRow("codex") << "codex"
                               << ".codex/config.toml";
        QTest::newRow("opencode") << "opencode"
                                  << ".config/opencode/opencode.json";
        QTest::newRow("continue") << "continue"
                                  << ".continue/config.yaml";
    }

    void connectsOnAnEmptyHome()
    {
        QFETCH(QString, tool);
        QFETCH(QString, relativePath);
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        const ToolConnector connector(env);
        QCOMPARE(connector.configPath(tool), home.filePath(relativePath));
        QVERIFY(!connector.canUndo(tool));

        const auto plan = connector.plan(tool, target());
        QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error()));
        QVERIFY(!plan->exists);
        QVERIFY(plan->diff.startsWith(QStringLiteral("--- /dev/null\n+++ ") + plan->filePath));
        QVERIFY(!QFile::exists(plan->filePath)); // planning writes nothing
        QVERIFY(connector.apply(*plan).ok());
        const QJsonDocument parsed = parsedByPython(plan->filePath);
        QVERIFY(parsed.isObject());
        checkDocumentedKeys(tool, parsed.object());
        // It holds a key: only its owner may read it.
        QCOMPARE(QFile::permissions(plan->filePath) & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());

        // Connecting again with the same key changes nothing.
        const auto again = connector.plan(tool, target());
        QVERIFY(again.ok());
        QCOMPARE(again->diff, QString());

        QVERIFY(connector.canUndo(tool));
        QVERIFY(connector.undo(tool).ok());
        QVERIFY(!QFile::exists(plan->filePath));
        QVERIFY(!connector.canUndo(tool));
        QVERIFY(!connector.undo(tool).ok());
    }

    void keepsTheUsersSettingsAndUndoRestoresThem_data()
    {
        QTest::addColumn<QString>("tool");
        QTest::addColumn<QByteArray>("original");
        QTest::addColumn<QString>("keptKey"); // a dotted path that must survive
        QTest::newRow("claude-code")
            << "claude-code"
            << QByteArray("{\n  \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n"
                          "  \"env\": {\"ANTHROPIC_API_KEY\": \"sk-old\", \"FOO\": \"bar\"}\n}\n")
            << "env.FOO";
        QTest::newRow("codex") << "codex"
                               << QByteArray(
                                      "# my settings\nmodel = \"gpt-5\"\napproval_policy = \"on-request\"\n\n"
                                      "[model_providers.other]\nname = \"Other\"\nbase_url = "
                                      "\"http://other/v1\"\nenv_key = \"OTHER_KEY\"\n")
                               << "model_providers.other.base_url";
        QTest::newRow("opencode") << "opencode"
                                  << QByteArray(
                                         "{\"theme\": \"opencode\", \"provider\": {\"anthropic\": {}}}")
                                  << "provider.anthropic";
        QTest::newRow("continue") << "continue"
                                  << QByteArray(
                                         "name: Mine\nversion: 0.0.1\nschema: v1\n# my models\nmodels:\n- "
                                         "name: Local\n  provider: ollama\n  model: llama3\n"
                                         "context:\n  - provider: code\n")
                                  << "context";
    }

    void keepsTheUsersSettingsAndUndoRestoresThem()
    {
        QFETCH(QString, tool);
        QFETCH(QByteArray, original);
        QFETCH(QString, keptKey);
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        const ToolConnector connector(env);
        const QString path = connector.configPath(tool);
        writeAll(path, original);

        auto plan = connector.plan(tool, target());
        QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error()));
        QVERIFY(plan->exists);
        QVERIFY(plan->diff.contains(QStringLiteral("\n+")));
        QVERIFY(connector.apply(*plan).ok());
        const QJsonDocument parsed = parsedByPython(path);
        QVERIFY(parsed.isObject());
        checkDocumentedKeys(tool, parsed.object());
        QJsonValue kept = parsed.object();
        for (const QString &part : keptKey.split(QLatin1Char('.')))
            kept = kept.toObject().value(part);
        QVERIFY2(!kept.isUndefined(), qPrintable(keptKey));
        if (tool == QLatin1String("continue")) // the user's own model is still there, after ours
            QCOMPARE(parsed.object().value(QStringLiteral("models")).toArray().size(), 2);

        // A second connect with another key: the backup still holds the file from before the first one.
        ToolConnector::Target other = target();
        other.key = QStringLiteral("db-zzzzzzzz-0123456789abcdefghijklmnopqrstuvwxyzABCD");
        plan = connector.plan(tool, other);
        QVERIFY(plan.ok());
        QVERIFY(connector.apply(*plan).ok());
        QVERIFY(readAll(path).contains(other.key));
        QVERIFY(!readAll(path).contains(key));
        QVERIFY(parsedByPython(path).isObject());

        QVERIFY(connector.undo(tool).ok());
        QCOMPARE(readAll(path).toUtf8(), original);
        QVERIFY(!connector.canUndo(tool));
    }

    void refusesWhatItCannotEdit_data()
    {
        QTest::addColumn<QString>("tool");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("claude-code-bad-json")
            << "claude-code" << QByteArray("{ \"env\": ") << "not valid JSON";
        QTest::newRow("claude-code-array") << "claude-code" << QByteArray("[1, 2]") << "JSON object";
        QTest::newRow("claude-code-env-string")
            << "claude-code" << QByteArray("{\"env\": \"x\"}") << "\"env\"";
        QTest::newRow("codex-bad-toml") << "codex" << QByteArray("model = \n[") << "not valid TOML";
        QTest::newRow("codex-providers-string")
            << "codex" << QByteArray("model_providers = \"x\"\n") << "model_providers";
        QTest::newRow("opencode-bad-json") << "opencode" << QByteArray("{,}") << "not valid JSON";
        QTest::newRow("continue-flow-list")
            << "continue" << QByteArray("models: [{name: a}]\n") << "block list";
    }

    void refusesWhatItCannotEdit()
    {
        QFETCH(QString, tool);
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        const ToolConnector connector(env);
        const QString path = connector.configPath(tool);
        writeAll(path, content);
        const auto plan = connector.plan(tool, target());
        QVERIFY(!plan.ok());
        QVERIFY2(plan.error().contains(message), qPrintable(plan.error()));
        QVERIFY(!plan.error().contains(QLatin1Char('\n')));
        QCOMPARE(readAll(path).toUtf8(), content);
    }

    void applyRefusesAFileChangedSinceThePlan()
    {
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        const ToolConnector connector(env);
        const auto plan = connector.plan(QStringLiteral("claude-code"), target());
        QVERIFY(plan.ok());
        writeAll(plan->filePath, "{\"model\": \"opus\"}");
        const Status applied = connector.apply(*plan);
        QVERIFY(!applied.ok());
        QVERIFY(applied.error().contains(QStringLiteral("changed")));
        QCOMPARE(readAll(plan->filePath), QStringLiteral("{\"model\": \"opus\"}"));
    }

    void followsTheToolsOwnEnvironmentVariables()
    {
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home.path());
        env.insert(QStringLiteral("CODEX_HOME"), home.filePath(QStringLiteral("codexhome")));
        env.insert(QStringLiteral("CLAUDE_CONFIG_DIR"), home.filePath(QStringLiteral("claudedir")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("xdg")));
        const ToolConnector connector(env);
        QCOMPARE(connector.configPath(QStringLiteral("codex")),
                 home.filePath(QStringLiteral("codexhome/config.toml")));
        QCOMPARE(connector.configPath(QStringLiteral("claude-code")),
                 home.filePath(QStringLiteral("claudedir/settings.json")));
        QCOMPARE(connector.configPath(QStringLiteral("opencode")),
                 home.filePath(QStringLiteral("xdg/opencode/opencode.json")));
        QVERIFY(!connector.plan(QStringLiteral("vim"), target()).ok());
    }

    void unifiedDiff_data()
    {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("after");
        QTest::addColumn<QString>("expected");
        QTest::newRow("equal") << "a\nb\n"
                               << "a\nb\n"
                               << "";
        QTest::newRow("new-file") << ""
                                  << "x\ny\n"
                                  << "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n";
        QTest::newRow("one-line-changed")
            << "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
            << "1\n2\n3\n4\nfive\n6\n7\n8\n9\n"
            << "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n";
        QTest::newRow("two-hunks") << "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
                                   << "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n"
                                   << "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n"
                                      "@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n";
    }

    void unifiedDiff()
    {
        QFETCH(QString, before);
        QFETCH(QString, after);
        QFETCH(QString, expected);
        QCOMPARE(UnifiedDiff::make(before, after, QStringLiteral("a"), QStringLiteral("b"), 3), expected);
    }
};

QTEST_GUILESS_MAIN(TstToolConnector)
#include "tst_toolconnector.moc"
