// SPDX-License-Identifier: MIT
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "app/configeditor.h"
#include "app/configfile.h"
#include "server/core/settings.h"

using namespace Drawbridge;

class TstConfigEditor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void editsTheCommentedDefaultsAndKeepsTheComments()
    {
        const QByteArray before = ConfigFile::defaultText();
        const auto after = ConfigEditor::edited(
            before,
            { { QStringLiteral("server.port"), 9000 },
              { QStringLiteral("server.host"), QStringLiteral("127.0.0.1") },
              { QStringLiteral("server.cors_origins"),
                QStringList { QStringLiteral("http://localhost:3000") } },
              { QStringLiteral("limits.default_rpm"), 120 },
              { QStringLiteral("kiro.trim_history"), false },
              { QStringLiteral("kiro.proxy"), QStringLiteral("http://proxy.local:3128") },
              { QStringLiteral("storage.retention_days"), 7 } });
        QVERIFY(after.ok());
        Settings s;
        QStringList warnings;
        QVERIFY(ConfigFile::apply(*after, QStringLiteral("test.toml"), s, warnings).ok());
        QCOMPARE(s.server.port, 9000);
        QCOMPARE(s.server.corsOrigins, QStringList { QStringLiteral("http://localhost:3000") });
        QCOMPARE(s.limits.defaultRpm, 120);
        QCOMPARE(s.kiro.trimHistory, false);
        QCOMPARE(s.kiro.proxy, QStringLiteral("http://proxy.local:3128"));
        QCOMPARE(s.storage.retentionDays, 7);
        QVERIFY(warnings.isEmpty());
        // The commented defaults stay as documentation; only the new lines are added.
        QVERIFY(after->contains("# port = 8642"));
        QVERIFY(after->contains(
            "# port = 8642                 # DRAWBRIDGE_PORT / --port (0 = any free port)\nport = 9000\n"));
        QCOMPARE(after->count('\n'), before.count('\n') + 7);

        // Changing it again replaces the line instead of adding another.
        const auto again = ConfigEditor::edited(*after, { { QStringLiteral("server.port"), 9001 } });
        QVERIFY(again.ok());
        QCOMPARE(again->count("\nport = "), 1);
        QVERIFY(again->contains("\nport = 9001\n"));
    }

    void addsAMissingTable()
    {
        const auto after
            = ConfigEditor::edited("[server]\nport = 1\n", { { QStringLiteral("limits.max_queue"), 10 } });
        QVERIFY(after.ok());
        Settings s;
        QStringList warnings;
        QVERIFY(ConfigFile::apply(*after, QStringLiteral("t.toml"), s, warnings).ok());
        QCOMPARE(s.limits.maxQueue, 10);
        QCOMPARE(s.server.port, 1);
    }

    void writeRefusesWhatTheGatewayWouldRefuse()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("drawbridge.toml"));
        QVERIFY(ConfigEditor::write(path, { { QStringLiteral("server.port"), 8700 } }).ok());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray written = f.readAll();
        f.close();
        QVERIFY(written.startsWith("# Drawbridge configuration.")); // created from the commented defaults
        const Status bad = ConfigEditor::write(path, { { QStringLiteral("server.port"), 70000 } });
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().contains(QStringLiteral("port")), qPrintable(bad.error()));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), written); // untouched
    }

    void stringsAreEscaped()
    {
        const auto after = ConfigEditor::edited(
            "[kiro]\n", { { QStringLiteral("kiro.default_model"), QStringLiteral("a\"b\\c") } });
        QVERIFY(after.ok());
        Settings s;
        QStringList warnings;
        const Status applied = ConfigFile::apply(*after, QStringLiteral("t.toml"), s, warnings);
        QVERIFY2(applied.ok(), applied.ok() ? "" : qPrintable(applied.error()));
        QCOMPARE(s.kiro.defaultModel, QStringLiteral("a\"b\\c"));
    }
};

QTEST_GUILESS_MAIN(TstConfigEditor)
#include "tst_configeditor.moc"
