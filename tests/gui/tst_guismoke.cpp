// SPDX-License-Identifier: MIT
#include <QCoreApplication>
#include <QProcess>
#include <QRegularExpression>
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
};

QTEST_MAIN(TestGuiSmoke)
#include "tst_guismoke.moc"
