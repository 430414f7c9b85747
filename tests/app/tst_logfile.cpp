// SPDX-License-Identifier: MIT
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "app/application.h"
#include "app/logfile.h"
#include "server/core/apikeycodec.h"
#include "server/core/logging.h"
#include "tests/support/fakeclock.h"

using namespace Drawbridge;
using namespace Drawbridge::Test;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList logFiles(const QString &dir)
{
    return QDir(dir).entryList({ QStringLiteral("drawbridge.log*") }, QDir::Files, QDir::Name);
}

} // namespace

class TstLogFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void linesCarryTimeLevelAndCategory()
    {
        QTemporaryDir dir;
        FakeClock clock;
        const QString path = dir.filePath(QStringLiteral("logs/drawbridge.log"));
        LogFile log(path, clock);
        QVERIFY(log.open().ok());
        log.write(QtWarningMsg, "drawbridge.kiro", QStringLiteral("account acc_1 needs login"));
        clock.advanceMs(1500);
        log.write(QtInfoMsg, nullptr, QStringLiteral("two\nlines"));
        log.flush();
        QCOMPARE(readAll(path),
                 QByteArray("2026-05-28T20:26:40.000Z warning drawbridge.kiro: account acc_1 needs login\n"
                            "2026-05-28T20:26:41.500Z info default: two\n    lines\n"));
        QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
    }

    void rotationKeepsItBounded()
    {
        QTemporaryDir dir;
        FakeClock clock;
        const QString path = dir.filePath(QStringLiteral("drawbridge.log"));
        const qint64 maxBytes = 4096;
        LogFile log(path, clock, maxBytes, 2);
        QVERIFY(log.open().ok());
        for (int i = 0; i < 1000; ++i)
            log.write(QtInfoMsg, "drawbridge.app", QStringLiteral("message %1 ").arg(i) + QString(50, u'x'));
        log.flush();
        QCOMPARE(logFiles(dir.path()),
                 (QStringList { QStringLiteral("drawbridge.log"), QStringLiteral("drawbridge.log.1"),
                                QStringLiteral("drawbridge.log.2") }));
        for (const QString &f : logFiles(dir.path()))
            QVERIFY2(QFileInfo(dir.filePath(f)).size() <= maxBytes, qPrintable(f));
        // Newest in the file itself, the one before in .1, in order and with nothing lost between them.
        const QByteArray current = readAll(path);
        QVERIFY(current.trimmed().endsWith(QByteArray("message 999 ").append(QByteArray(50, 'x'))));
        const QByteArray previous = readAll(path + QStringLiteral(".1"));
        const auto lastNumber = [](const QByteArray &text) {
            const auto m
                = QRegularExpression(QStringLiteral("message (\\d+) x+\\n$")).match(QString::fromUtf8(text));
            return m.hasMatch() ? m.captured(1).toInt() : -1;
        };
        const auto firstNumber = [](const QByteArray &text) {
            const auto m
                = QRegularExpression(QStringLiteral("message (\\d+) ")).match(QString::fromUtf8(text));
            return m.hasMatch() ? m.captured(1).toInt() : -1;
        };
        QCOMPARE(firstNumber(current), lastNumber(previous) + 1);
        QCOMPARE(firstNumber(previous), lastNumber(readAll(path + QStringLiteral(".2"))) + 1);
    }

    void oversizedMessagesAreCut()
    {
        QTemporaryDir dir;
        FakeClock clock;
        const QString path = dir.filePath(QStringLiteral("drawbridge.log"));
        LogFile log(path, clock);
        QVERIFY(log.open().ok());
        log.write(QtInfoMsg, "drawbridge.gateway", QString(1024 * 1024, u'y'));
        log.flush();
        const QByteArray text = readAll(path);
        QVERIFY(text.size() < LogFile::maxLineBytes + 200);
        QVERIFY(text.endsWith(" […]\n"));
    }

    void aStalledDiskNeverBlocksTheCaller()
    {
        // The "disk" is a pipe nobody reads yet: the writer thread blocks once the pipe's 64 KiB are full, as
        // it would on a stalled disk. The callers must not: every write() returns, the queue stays within its
        // bound, what does not fit is dropped and counted in the file, and nothing queued is lost or
        // reordered.
        QTemporaryDir dir;
        FakeClock clock;
        const QString path = dir.filePath(QStringLiteral("drawbridge.log"));
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
        const int reader = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NONBLOCK);
        QVERIFY(reader >= 0);
        QByteArray text;
        std::thread drain;
        const QString big(LogFile::maxLineBytes / 2, u'z');
        const int n = int(3 * LogFile::maxPendingBytes / LogFile::maxLineBytes); // 3x the bound
        {
            LogFile log(path, clock);
            QVERIFY(log.open().ok());
            for (int i = 0; i < n; ++i)
                log.write(QtInfoMsg, "drawbridge.app", QStringLiteral("flood %1 ").arg(i) + big);
            // Every call returned. Now the disk comes back: read until the writer closes the file.
            drain = std::thread([&text, reader] {
                ::fcntl(reader, F_SETFL, 0);
                char buffer[65536];
                for (ssize_t got; (got = ::read(reader, buffer, sizeof buffer)) != 0;) {
                    if (got > 0)
                        text.append(buffer, got);
                    else if (errno != EINTR)
                        break;
                }
            });
            log.flush();
            log.write(QtWarningMsg, "drawbridge.app", QStringLiteral("after the flood"));
        } // ~LogFile writes what is queued, then closes the pipe's write end
        drain.join();
        ::close(reader);
        QVERIFY(text.endsWith("warning drawbridge.app: after the flood\n"));
        const qsizetype lines = text.count("info drawbridge.app: flood ");
        QVERIFY2(lines > 0 && lines < n, qPrintable(QString::number(lines)));
        // Each batch the writer takes reports the lines dropped since the one before.
        qsizetype dropped = 0;
        for (const auto &m : QRegularExpression(QStringLiteral("(\\d+) log line\\(s\\) dropped"))
                                 .globalMatch(QString::fromUtf8(text)))
            dropped += m.captured(1).toInt();
        QVERIFY2(dropped > 0, "the drop is reported");
        QCOMPARE(dropped + lines, qsizetype(n));
        int last = -1;
        for (const auto &m :
             QRegularExpression(QStringLiteral("flood (\\d+) ")).globalMatch(QString::fromUtf8(text))) {
            QVERIFY(m.captured(1).toInt() > last);
            last = m.captured(1).toInt();
        }
    }

    void writesFromManyThreadsAllArrive()
    {
        QTemporaryDir dir;
        FakeClock clock;
        const QString path = dir.filePath(QStringLiteral("drawbridge.log"));
        {
            LogFile log(path, clock);
            QVERIFY(log.open().ok());
            std::vector<std::thread> threads;
            for (int t = 0; t < 4; ++t) {
                threads.emplace_back([&log, t] {
                    for (int i = 0; i < 500; ++i)
                        log.write(QtInfoMsg, "drawbridge.app",
                                  QStringLiteral("thread %1 line %2").arg(t).arg(i));
                });
            }
            for (std::thread &thread : threads)
                thread.join();
        } // the destructor writes what is still queued
        const QByteArray text = readAll(path);
        QCOMPARE(text.count('\n'), qsizetype(2000));
        for (int t = 0; t < 4; ++t)
            QVERIFY(text.contains(QStringLiteral("thread %1 line 499\n").arg(t).toUtf8()));
    }

    void secretsAreMasked_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("kept");
        const auto key = ApiKeyCodec::generate();
        QTest::newRow("client key, as the gateway makes them")
            << QStringLiteral("rejected %1 for model x").arg(key.key) << key.key.section(u'-', 2)
            << QStringLiteral("rejected db-%1-[redacted] for model x").arg(key.id);
        const QString admin = ApiKeyCodec::generateAdminToken();
        QTest::newRow("admin token") << QStringLiteral("token is %1.").arg(admin) << admin.mid(4)
                                     << QStringLiteral("token is dba-[redacted].");
        QTest::newRow("kiro refresh token")
            << QStringLiteral("refresh with aorAAAAAGng9uc8xYzAbCdEfGhIjKlMnOp:MGUCMQD+/x= failed")
            << QStringLiteral("Gng9uc8xYzAbCdEf") << QStringLiteral("refresh with aor[redacted] failed");
        QTest::newRow("bearer header")
            << QStringLiteral("authorization: Bearer abc.def-123_456 sent")
            << QStringLiteral("abc.def-123_456") << QStringLiteral("authorization: Bearer [redacted] sent");
        QTest::newRow("json fields")
            << QStringLiteral(
                   "body {\"refreshToken\":\"r-123\",\"client_secret\":\"s-456\",\"name\":\"alice\"}")
            << QStringLiteral("s-456")
            << QStringLiteral(
                   "body "
                   "{\"refreshToken\":\"[redacted]\",\"client_secret\":\"[redacted]\",\"name\":\"alice\"}");
        QTest::newRow("jwt") << QStringLiteral("id eyJraWQiOiJrZXktMTU2.eyJzdWIiOiJ4In0.c2lnbmF0dXJl end")
                             << QStringLiteral("eyJzdWIiOiJ4In0") << QStringLiteral("id [redacted JWT] end");
        QTest::newRow("ordinary text stays")
            << QStringLiteral("account acc_12 (alice) cooling down 30 s") << QString()
            << QStringLiteral("account acc_12 (alice) cooling down 30 s");
    }

    void secretsAreMasked()
    {
        QFETCH(QString, message);
        QFETCH(QString, secret);
        QFETCH(QString, kept);
        const QString masked = LogFile::redact(message);
        if (!secret.isEmpty())
            QVERIFY2(!masked.contains(secret), qPrintable(masked));
        QCOMPARE(masked, kept);
    }

    void installedHandlerReceivesQtLogging()
    {
        QTemporaryDir dir;
        FakeClock clock;
        const QString path = dir.filePath(QStringLiteral("drawbridge.log"));
        const QString key = ApiKeyCodec::generate().key;
        {
            LogFile log(path, clock);
            QVERIFY(log.open().ok());
            log.install();
            qCInfo(lcApp) << "through Qt logging with" << key;
            qCDebug(lcApp) << "debug is off by default"; // categories start at info
        }
        qCInfo(lcApp) << "after the file is gone";
        const QByteArray text = readAll(path);
        QVERIFY2(text.contains("info drawbridge.app: through Qt logging with"), text.constData());
        QVERIFY(!text.contains(key.toUtf8()));
        QVERIFY(!text.contains("debug is off"));
        QVERIFY(!text.contains("after the file is gone"));
    }

    void unwritableFolderIsAClearError()
    {
        QTemporaryDir dir;
        FakeClock clock;
        QFile blocker(dir.filePath(QStringLiteral("logs")));
        QVERIFY(blocker.open(QIODevice::WriteOnly)); // a file where the folder should be
        blocker.close();
        LogFile log(dir.filePath(QStringLiteral("logs/drawbridge.log")), clock);
        const Status opened = log.open();
        QVERIFY(!opened.ok());
        QVERIFY2(opened.error().startsWith(QStringLiteral("cannot create the log folder")),
                 qPrintable(opened.error()));
    }

    void applicationLogsToItsDataFolder()
    {
        QTemporaryDir dir;
        CommandLine commandLine;
        ResolvedSettings resolved;
        resolved.settings.server.port = 0;
        resolved.settings.storage.dataDir = dir.path();
        resolved.settings.admin.authToken = QStringLiteral("test-admin-token-0123456789abcdef");
        bool done = false;
        {
            Application app(commandLine, resolved);
            app.start([&](const Status &status) {
                done = true;
                QVERIFY2(status.ok(), qPrintable(status.ok() ? QString() : status.error()));
            });
            QTRY_VERIFY_WITH_TIMEOUT(done, 20'000);
            QCOMPARE(app.logFilePath(), dir.filePath(QStringLiteral("logs/drawbridge.log")));
            QTRY_VERIFY(readAll(app.logFilePath()).contains("info drawbridge.app: listening on"));
        }
        // Ephemeral runs write nothing to disk, the log included.
        commandLine.ephemeral = true;
        Application ephemeral(commandLine, resolved);
        done = false;
        ephemeral.start([&](const Status &) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 20'000);
        QVERIFY(ephemeral.logFilePath().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstLogFile)
#include "tst_logfile.moc"
