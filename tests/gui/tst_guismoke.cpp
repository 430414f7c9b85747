// SPDX-License-Identifier: MIT
#include <QCoreApplication>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class TestGuiSmoke : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsOffscreenAndQuitsOnSigterm()
    {
        const QString binary
            = qEnvironmentVariable("DRAWBRIDGE_BINARY_DIR") + QStringLiteral("/app/drawbridge");
        QVERIFY2(QFile::exists(binary), qPrintable(binary));
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN"),
                   QStringLiteral("smoke-admin-token-0123456789abcdef"));
        process.setProcessEnvironment(env);
        process.start(binary,
                      { QStringLiteral("--ephemeral"), QStringLiteral("--port"), QStringLiteral("0") });
        QVERIFY(process.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains("listening on"), 20'000);
        QVERIFY2(
            QRegularExpression(QStringLiteral("drawbridge listening on http://127\\.0\\.0\\.1:[1-9][0-9]*"))
                .match(QString::fromUtf8(out))
                .hasMatch(),
            out.constData());
        // Up for a moment with the window shown: no crash from the GUI.
        QTest::qWait(500);
        QCOMPARE(process.state(), QProcess::Running);
        ::kill(pid_t(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(20'000));
        const QByteArray err = process.readAllStandardError();
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QVERIFY2(process.exitCode() == 0, err.constData());
    }

    void secondLaunchRaisesTheFirstAndExits()
    {
        // A real profile (not --ephemeral) in a scratch home: the single-instance guard is per profile.
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const QString binary
            = qEnvironmentVariable("DRAWBRIDGE_BINARY_DIR") + QStringLiteral("/app/drawbridge");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN"),
                   QStringLiteral("smoke-admin-token-0123456789abcdef"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home.path());
        QProcess first;
        first.setProcessEnvironment(env);
        first.start(binary, { QStringLiteral("--port"), QStringLiteral("0") });
        QVERIFY(first.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += first.readAllStandardOutput()).contains("listening on"), 20'000);

        QProcess second;
        second.setProcessEnvironment(env);
        second.start(binary, { QStringLiteral("--port"), QStringLiteral("0") });
        QVERIFY(second.waitForFinished(20'000));
        QCOMPARE(second.exitCode(), 0);
        QVERIFY2(second.readAllStandardOutput().contains("already running"),
                 second.readAllStandardError().constData());
        QCOMPARE(first.state(), QProcess::Running);

        ::kill(pid_t(first.processId()), SIGTERM);
        QVERIFY(first.waitForFinished(20'000));
        QCOMPARE(first.exitCode(), 0);
    }
};

QTEST_MAIN(TestGuiSmoke)
#include "tst_guismoke.moc"
