// SPDX-License-Identifier: MIT
// Hostile local clients against the real drawbridge binary (a child process, loopback only): oversized, slow
// and pipelined bodies with the child's RSS sampled from /proc/PID/status, connection floods against
// server.max_connections with its fd count from /proc/PID/fd, and a low RLIMIT_NOFILE to prove the server
// recovers from EMFILE without spinning. Every wait is bounded and driven by the event loop.
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

/** Runs the event loop until @p pred holds (checked every @p tickMs) or @p timeoutMs passes. */
bool waitUntil(const std::function<bool()> &pred, int timeoutMs, int tickMs = 20)
{
    if (pred())
        return true;
    QEventLoop loop;
    QTimer tick;
    QTimer deadline;
    bool ok = false;
    QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
        if (pred()) {
            ok = true;
            loop.quit();
        }
    });
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] { loop.quit(); });
    tick.start(tickMs);
    deadline.setSingleShot(true);
    deadline.start(timeoutMs);
    loop.exec();
    return ok || pred();
}

qint64 rssKb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int fdCount(qint64 pid)
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(pid))
                   .entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)
                   .size());
}

/** utime + stime of @p pid in seconds. */
double cpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // Fields after the command name, which is in parentheses and may contain spaces.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return double(fields.value(11).toLongLong() + fields.value(12).toLongLong())
        / double(sysconf(_SC_CLK_TCK));
}

/** The drawbridge binary, started headless with a config and an optional RLIMIT_NOFILE. */
class Child
{
public:
    bool start(const QByteArray &config, int nofile = 0)
    {
        const QString bin = qEnvironmentVariable("DRAWBRIDGE_BIN");
        if (bin.isEmpty() || !QFile::exists(bin)) {
            m_error = QStringLiteral("DRAWBRIDGE_BIN not set or missing: ") + bin;
            return false;
        }
        const QString configPath = m_dir.filePath(QStringLiteral("drawbridge.toml"));
        QFile cfg(configPath);
        if (!cfg.open(QIODevice::WriteOnly) || cfg.write(config) != config.size())
            return false;
        cfg.close();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *v :
             { "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR" }) {
            const QString d = m_dir.filePath(QLatin1String(v));
            QDir().mkpath(d);
            QFile::setPermissions(d,
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
            env.insert(QLatin1String(v), d);
        }
        env.insert(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN"),
                   QStringLiteral("hostile-admin-token-0123456789"));
        env.remove(QStringLiteral("DRAWBRIDGE_PORT"));
        env.remove(QStringLiteral("DRAWBRIDGE_HOST"));
        m_process.setProcessEnvironment(env);
        const QStringList args { QStringLiteral("--headless"), QStringLiteral("--ephemeral"),
                                 QStringLiteral("--config"), configPath };
        if (nofile > 0) {
            // ulimit in a shell that then becomes drawbridge: the pid is the server's.
            m_process.start(QStringLiteral("/bin/sh"),
                            QStringList { QStringLiteral("-c"),
                                          QStringLiteral("ulimit -n %1 && exec \"$@\"").arg(nofile),
                                          QStringLiteral("sh"), bin }
                                + args);
        } else {
            m_process.start(bin, args);
        }
        static const QRegularExpression listening(
            QStringLiteral("drawbridge listening on http://127\\.0\\.0\\.1:(\\d+)"));
        const bool ok = waitUntil(
            [&] {
                m_out += m_process.readAllStandardOutput();
                m_err += m_process.readAllStandardError();
                const auto m = listening.match(QString::fromLatin1(m_out));
                if (m.hasMatch())
                    m_port = quint16(m.captured(1).toUInt());
                return m_port != 0 || m_process.state() == QProcess::NotRunning;
            },
            15'000);
        if (!ok || m_port == 0) {
            m_error = QStringLiteral("no listening line; stderr: ") + QString::fromLocal8Bit(m_err);
            return false;
        }
        return true;
    }

    ~Child()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    qint64 pid() const { return m_process.processId(); }
    quint16 port() const { return m_port; }
    QString error() const { return m_error; }
    bool running() const { return m_process.state() == QProcess::Running; }
    QByteArray stderrText()
    {
        m_err += m_process.readAllStandardError();
        return m_err;
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
    quint16 m_port = 0;
    QString m_error;
};

/**
 * One client that sends a head and then body pieces, as fast as the socket drains (at most 1 MiB pending in
 * this process) or one piece per @p intervalMs, until @p maxBodyBytes or the server closes. Collects the
 * answer.
 */
class Uploader : public QObject
{
public:
    Uploader(quint16 port, QByteArray head, QByteArray piece, qint64 maxBodyBytes, int intervalMs = 0)
        : m_head(std::move(head)), m_piece(std::move(piece)), m_max(maxBodyBytes)
    {
        connect(&socket, &QAbstractSocket::connected, this, [this, intervalMs] {
            socket.write(m_head);
            if (intervalMs > 0) {
                connect(&m_timer, &QTimer::timeout, this, &Uploader::sendOne);
                m_timer.start(intervalMs);
            } else {
                pump();
            }
        });
        connect(&socket, &QIODevice::bytesWritten, this, [this] {
            if (!m_timer.isActive())
                pump();
        });
        connect(&socket, &QIODevice::readyRead, this, [this] { response += socket.readAll(); });
        connect(&socket, &QAbstractSocket::disconnected, this, [this] { finish(); });
        connect(&socket, &QAbstractSocket::errorOccurred, this, [this] { finish(); });
        socket.connectToHost(QHostAddress::LocalHost, port);
    }

    ~Uploader() override
    {
        // The socket outlives m_timer (declared after it) and may still emit disconnected() from its
        // destructor: finish() must not reach the destroyed timer (UBSan saw it under load).
        disconnect(&socket, nullptr, this, nullptr);
    }

    bool done() const { return closed || (m_sent >= m_max && response.contains("\r\n\r\n")); }
    int status() const { return response.startsWith("HTTP/1.1 ") ? response.mid(9, 3).toInt() : 0; }

    QTcpSocket socket;
    QByteArray response;
    bool closed = false;

private:
    void finish()
    {
        response += socket.readAll();
        closed = true;
        m_timer.stop();
    }
    void sendOne()
    {
        if (m_sent >= m_max || socket.state() != QAbstractSocket::ConnectedState) {
            m_timer.stop();
            return;
        }
        const QByteArray p = m_piece.left(m_max - m_sent);
        socket.write(p);
        m_sent += p.size();
    }
    void pump()
    {
        while (socket.state() == QAbstractSocket::ConnectedState && m_sent < m_max
               && socket.bytesToWrite() < 1024 * 1024)
            sendOne();
    }

    QByteArray m_head;
    QByteArray m_piece;
    qint64 m_max;
    qint64 m_sent = 0;
    QTimer m_timer;
};

QByteArray config(int maxConnections, int idleTimeoutS = 60)
{
    return "[server]\nport = 0\nmax_body_mb = 1\nmax_connections = " + QByteArray::number(maxConnections)
        + "\nidle_timeout_s = " + QByteArray::number(idleTimeoutS) + "\n";
}

int healthStatus(quint16 port, int timeoutMs = 5000)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    QByteArray got;
    QObject::connect(&s, &QIODevice::readyRead, &s, [&] { got += s.readAll(); });
    QObject::connect(&s, &QAbstractSocket::connected, &s, [&] {
        s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    });
    waitUntil([&] { return got.contains("\r\n\r\n") || s.state() == QAbstractSocket::UnconnectedState; },
              timeoutMs);
    return got.startsWith("HTTP/1.1 ") ? got.mid(9, 3).toInt() : 0;
}

} // namespace

class TstHostileClients : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void memoryBoundedUnderHostileBodies();
    void connectionFloodIsCappedAndFdsReturn();
    void idleAndSlowlorisConnectionsAreClosed();
    void recoversFromFileDescriptorExhaustion();
};

void TstHostileClients::memoryBoundedUnderHostileBodies()
{
    Child child;
    QVERIFY2(child.start(config(1024)), qPrintable(child.error()));
    const qint64 pid = child.pid();
    QCOMPARE(healthStatus(child.port()), 503); // warm up: the first request allocates lazily-created state
    const qint64 baseKb = rssKb(pid);
    QVERIFY(baseKb > 0);

    const QByteArray chatHead
        = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const QByteArray mib(1024 * 1024, 'x');
    std::vector<std::unique_ptr<Uploader>> clients;
    // 1000 MiB announced: 413 before the body is read, then close.
    for (int i = 0; i < 4; ++i)
        clients.push_back(std::make_unique<Uploader>(
            child.port(), chatHead + "Content-Length: 1048576000\r\n\r\n", mib, qint64(48) * 1024 * 1024));
    // Chunked past the limit.
    for (int i = 0; i < 4; ++i)
        clients.push_back(std::make_unique<Uploader>(child.port(),
                                                     chatHead + "Transfer-Encoding: chunked\r\n\r\n",
                                                     "100000\r\n" + mib + "\r\n", qint64(48) * 1024 * 1024));
    // A 4 GB body pipelined behind an answered request on a keep-alive connection.
    for (int i = 0; i < 2; ++i)
        clients.push_back(std::make_unique<Uploader>(child.port(),
                                                     "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                                         + chatHead + "Content-Length: 4294967296\r\n\r\n",
                                                     mib, qint64(48) * 1024 * 1024));
    // Slow bodies within the limit: 900 KiB, 30 KiB every 100 ms.
    const int slow = 8;
    for (int i = 0; i < slow; ++i)
        clients.push_back(std::make_unique<Uploader>(child.port(),
                                                     chatHead + "Content-Length: 921600\r\n\r\n",
                                                     QByteArray(30 * 1024, 'y'), 921600, 100));
    qint64 peakKb = baseKb;
    QElapsedTimer t;
    t.start();
    const bool finished = waitUntil(
        [&] {
            peakKb = std::max(peakKb, rssKb(pid));
            return std::all_of(clients.begin(), clients.end(), [](const auto &c) { return c->done(); });
        },
        45'000, 10);
    QVERIFY2(finished, "hostile uploads did not finish in 45 s");
    const qint64 connections = qint64(clients.size());
    // base + connections x max body + a constant (Qt, allocator slack, read chunks).
    const qint64 boundKb = baseKb + connections * 1024 + 32 * 1024;
    qInfo("RSS base %lld KiB, peak %lld KiB, bound %lld KiB (%lld connections x 1 MiB + 32 MiB), %lld ms",
          baseKb, peakKb, boundKb, connections, t.elapsed());
    QVERIFY2(peakKb <= boundKb,
             qPrintable(QStringLiteral("peak RSS %1 KiB > %2 KiB").arg(peakKb).arg(boundKb)));
    for (size_t i = 0; i < clients.size(); ++i) {
        const Uploader &c = *clients[i];
        if (i < 8) {
            QVERIFY2(c.status() == 413, c.response.left(200).constData());
        } else if (i < 10) {
            QVERIFY2(c.response.startsWith("HTTP/1.1 503 "), c.response.left(200).constData());
            QVERIFY2(c.response.contains("HTTP/1.1 413 "), c.response.left(600).constData());
        } else {
            QVERIFY2(c.status() == 401, c.response.left(200).constData()); // no key: read whole, then refused
        }
    }
    QVERIFY(child.running());
    QCOMPARE(healthStatus(child.port()), 503);
}

void TstHostileClients::connectionFloodIsCappedAndFdsReturn()
{
    const int cap = 40;
    Child child;
    QVERIFY2(child.start(config(cap)), qPrintable(child.error()));
    const qint64 pid = child.pid();
    QCOMPARE(healthStatus(child.port()), 503);
    waitUntil([] { return false; }, 500, 100); // let that connection close
    const int baseFds = fdCount(pid);
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < cap; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, child.port());
    }
    QVERIFY2(waitUntil([&] { return fdCount(pid) >= baseFds + cap; }, 10'000),
             qPrintable(QStringLiteral("fds %1, base %2").arg(fdCount(pid)).arg(baseFds)));
    // Past the cap: 503 and closed, and no fd kept for them.
    std::vector<std::unique_ptr<Uploader>> extra;
    for (int i = 0; i < 10; ++i)
        extra.push_back(std::make_unique<Uploader>(
            child.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", QByteArray(), 0));
    QVERIFY(waitUntil(
        [&] { return std::all_of(extra.begin(), extra.end(), [](const auto &c) { return c->closed; }); },
        10'000));
    for (const auto &c : extra)
        QVERIFY2(c->status() == 503 || c->response.isEmpty(), c->response.constData());
    QVERIFY(std::any_of(extra.begin(), extra.end(),
                        [](const auto &c) { return c->response.contains("too_many_connections"); }));
    const int peakFds = fdCount(pid);
    qInfo("fds: base %d, with %d idle connections %d", baseFds, cap, peakFds);
    QVERIFY(peakFds <= baseFds + cap + 2);
    idle.clear();
    QVERIFY2(
        waitUntil([&] { return fdCount(pid) <= baseFds; }, 10'000),
        qPrintable(QStringLiteral("fds %1 after the clients left, base %2").arg(fdCount(pid)).arg(baseFds)));
    QCOMPARE(healthStatus(child.port()), 503);
}

void TstHostileClients::idleAndSlowlorisConnectionsAreClosed()
{
    // idle_timeout_s = 2: idle keep-alive connections close after 2 s, a request head must be complete 2 s
    // after its first byte however slowly it trickles.
    Child child;
    QVERIFY2(child.start(config(1024, 2)), qPrintable(child.error()));
    const qint64 pid = child.pid();
    QCOMPARE(healthStatus(child.port()), 503);
    waitUntil([] { return false; }, 500, 100);
    const int baseFds = fdCount(pid);
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < 200; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, child.port());
    }
    // One header byte every 200 ms, forever.
    std::vector<std::unique_ptr<Uploader>> slowloris;
    for (int i = 0; i < 100; ++i)
        slowloris.push_back(std::make_unique<Uploader>(
            child.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ", QByteArray("a"), 1'000'000,
            200));
    QVERIFY(waitUntil([&] { return fdCount(pid) >= baseFds + 250; }, 5000));
    QElapsedTimer t;
    t.start();
    const bool allClosed = waitUntil(
        [&] {
            return std::all_of(idle.begin(), idle.end(),
                               [](const auto &s) { return s->state() == QAbstractSocket::UnconnectedState; })
                && std::all_of(slowloris.begin(), slowloris.end(), [](const auto &c) { return c->closed; });
        },
        15'000, 50);
    QVERIFY2(allClosed, "connections still open 15 s after a 2 s idle timeout");
    qInfo("300 idle and slowloris connections closed by the server after %lld ms", t.elapsed());
    for (const auto &c : slowloris)
        QVERIFY2(c->status() == 408, c->response.left(200).constData());
    QVERIFY(waitUntil([&] { return fdCount(pid) <= baseFds; }, 5000));
    QCOMPARE(healthStatus(child.port()), 503);
}

void TstHostileClients::recoversFromFileDescriptorExhaustion()
{
    Child child;
    QVERIFY2(child.start(config(1024), 32), qPrintable(child.error()));
    const qint64 pid = child.pid();
    QCOMPARE(healthStatus(child.port()), 503);
    std::vector<std::unique_ptr<QTcpSocket>> flood;
    for (int i = 0; i < 60; ++i) {
        flood.push_back(std::make_unique<QTcpSocket>());
        flood.back()->connectToHost(QHostAddress::LocalHost, child.port());
    }
    // The server runs out of descriptors and says so once.
    QVERIFY2(waitUntil([&] { return child.stderrText().contains("cannot accept connections"); }, 10'000),
             child.stderrText().constData());
    const int fdsAtLimit = fdCount(pid);
    // No busy loop while it cannot accept: well under a tenth of a CPU over a second.
    const double cpuBefore = cpuSeconds(pid);
    QElapsedTimer t;
    t.start();
    waitUntil([] { return false; }, 1000, 100);
    const double cpu = cpuSeconds(pid) - cpuBefore;
    qInfo("at the fd limit (%d open): %.3f s CPU in %lld ms", fdsAtLimit, cpu, t.elapsed());
    QVERIFY2(cpu < 0.1, qPrintable(QStringLiteral("%1 s CPU in 1 s at EMFILE").arg(cpu)));
    QCOMPARE(child.stderrText().count("cannot accept connections"), 1);
    // Once the clients are gone it serves again.
    flood.clear();
    int status = 0;
    QVERIFY(waitUntil(
        [&] {
            status = healthStatus(child.port(), 1000);
            return status == 503;
        },
        15'000, 200));
    QVERIFY(child.running());
}

QTEST_GUILESS_MAIN(TstHostileClients)
#include "tst_hostileclients.moc"
