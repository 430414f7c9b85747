// SPDX-License-Identifier: MIT
#include "postgresserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVersionNumber>

#include <pwd.h>
#include <unistd.h>

namespace Drawbridge::Test {

namespace {

constexpr int toolTimeoutMs = 60'000;

// Debian installs each major version's server binaries outside PATH; the newest one wins.
QString findBinDir()
{
    const QString forced = qEnvironmentVariable("DRAWBRIDGE_PG_BINDIR");
    if (!forced.isEmpty())
        return QFileInfo::exists(forced + QStringLiteral("/initdb")) ? forced : QString();
    QString best;
    QVersionNumber bestVersion;
    const QDir root(QStringLiteral("/usr/lib/postgresql"));
    for (const QString &entry : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString bin = root.filePath(entry + QStringLiteral("/bin"));
        const QVersionNumber version = QVersionNumber::fromString(entry);
        if (QFileInfo::exists(bin + QStringLiteral("/initdb")) && (best.isEmpty() || version > bestVersion)) {
            best = bin;
            bestVersion = version;
        }
    }
    return best;
}

std::unique_ptr<PostgresServer> &sharedServer()
{
    static std::unique_ptr<PostgresServer> server;
    return server;
}

void stopSharedServer()
{
    sharedServer().reset();
}

QString lastLines(const QByteArray &output, int count)
{
    QStringList lines = QString::fromLocal8Bit(output).trimmed().split(QLatin1Char('\n'));
    return lines.mid(std::max<qsizetype>(0, lines.size() - count)).join(QStringLiteral(" | "));
}

} // namespace

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer()
{
    stop();
}

Result<PostgresServer *> PostgresServer::shared()
{
    auto &server = sharedServer();
    if (!server) {
        auto fresh = std::make_unique<PostgresServer>();
        if (auto started = fresh->start(); !started)
            return Error { started.error() };
        server = std::move(fresh);
        qAddPostRoutine(stopSharedServer);
    }
    return server.get();
}

Result<QByteArray> PostgresServer::run(const QString &program, const QStringList &arguments,
                                       int timeoutMs) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (m_asPostgresUser) {
        process.setProgram(QStringLiteral("runuser"));
        process.setArguments(
            QStringList { QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program }
            + arguments);
    } else {
        process.setProgram(program);
        process.setArguments(arguments);
    }
    process.start();
    if (!process.waitForStarted(toolTimeoutMs))
        return Error { QStringLiteral("cannot run %1: %2").arg(program, process.errorString()) };
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return Error { QStringLiteral("%1 did not finish within %2 ms").arg(program).arg(timeoutMs) };
    }
    const QByteArray output = process.readAll();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return Error { QStringLiteral("%1 failed (exit %2): %3")
                           .arg(QFileInfo(program).fileName())
                           .arg(process.exitCode())
                           .arg(lastLines(output, 6)) };
    return output;
}

Status PostgresServer::start()
{
    if (m_running)
        return Ok {};
    m_binDir = findBinDir();
    if (m_binDir.isEmpty())
        return Error { QStringLiteral(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run "
            "scripts/setup, which installs the Debian package postgresql") };
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return Error { QStringLiteral(
            "the Qt PostgreSQL driver is missing: run scripts/setup (libqt6sql6-psql)") };

    // Short path: the socket path (dir + "/.s.PGSQL.5432") must fit in sun_path's 107 bytes.
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/dbpg-XXXXXX"));
    if (!m_dir->isValid())
        return Error { QStringLiteral("cannot create a temporary directory: %1").arg(m_dir->errorString()) };
    m_asPostgresUser = geteuid() == 0;
    if (m_asPostgresUser) {
        const passwd *pw = getpwnam("postgres");
        if (!pw)
            return Error { QStringLiteral(
                "running as root, but there is no postgres user to run PostgreSQL as "
                "(install the Debian package postgresql)") };
        if (chown(QFile::encodeName(m_dir->path()).constData(), pw->pw_uid, pw->pw_gid) != 0)
            return Error { QStringLiteral("cannot hand %1 to the postgres user").arg(m_dir->path()) };
    }
    const QString data = m_dir->filePath(QStringLiteral("data"));
    // No fsync anywhere: a test database that dies with the machine loses nothing anyone needs.
    auto initialised = run(m_binDir + QStringLiteral("/initdb"),
                           { QStringLiteral("-D"), data, QStringLiteral("-U"), user(), QStringLiteral("-A"),
                             QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"),
                             QStringLiteral("--no-locale"), QStringLiteral("--no-sync") },
                           toolTimeoutMs);
    if (!initialised)
        return Error { initialised.error() };
    const QString options = QStringLiteral("-k %1 -p %2 -c listen_addresses= -F -c max_connections=200")
                                .arg(m_dir->path())
                                .arg(m_port);
    auto started = run(m_binDir + QStringLiteral("/pg_ctl"),
                       { QStringLiteral("start"), QStringLiteral("-w"), QStringLiteral("-t"),
                         QStringLiteral("60"), QStringLiteral("-D"), data, QStringLiteral("-l"),
                         m_dir->filePath(QStringLiteral("log")), QStringLiteral("-o"), options },
                       toolTimeoutMs + 5000);
    if (!started) {
        QFile log(m_dir->filePath(QStringLiteral("log")));
        QString tail;
        if (log.open(QIODevice::ReadOnly))
            tail = lastLines(log.readAll(), 4);
        return Error { started.error() + QStringLiteral(" | log: ") + tail };
    }
    m_running = true;
    return Ok {};
}

void PostgresServer::stop()
{
    if (m_running) {
        auto stopped = run(m_binDir + QStringLiteral("/pg_ctl"),
                           { QStringLiteral("stop"), QStringLiteral("-w"), QStringLiteral("-m"),
                             QStringLiteral("immediate"), QStringLiteral("-D"),
                             m_dir->filePath(QStringLiteral("data")) },
                           toolTimeoutMs);
        if (!stopped)
            qWarning("PostgresServer: %s", qPrintable(stopped.error()));
        m_running = false;
    }
    m_dir.reset();
}

QString PostgresServer::url(const QString &database) const
{
    return QStringLiteral("postgresql:///%1?host=%2&port=%3&user=%4")
        .arg(database, socketDir())
        .arg(m_port)
        .arg(user());
}

Status PostgresServer::exec(const QString &sql)
{
    const QString name = QStringLiteral("drawbridge.pgadmin.") + QUuid::createUuid().toString(QUuid::Id128);
    Status result = Ok {};
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(socketDir());
        db.setPort(m_port);
        db.setUserName(user());
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            result = Error {
                QStringLiteral("cannot connect to the test PostgreSQL: %1").arg(db.lastError().text())
            };
        } else {
            QSqlQuery query(db);
            if (!query.exec(sql))
                result = Error { QStringLiteral("%1: %2").arg(sql, query.lastError().text()) };
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

Status PostgresServer::createDatabase(const QString &name)
{
    // Names are generated by tests (letters, digits, underscores); quoting keeps them case-exact.
    return exec(QStringLiteral("CREATE DATABASE \"%1\"").arg(name));
}

Status PostgresServer::dropDatabase(const QString &name)
{
    return exec(QStringLiteral("DROP DATABASE IF EXISTS \"%1\" WITH (FORCE)").arg(name));
}

Result<QByteArray> PostgresServer::runTool(const QString &tool, const QStringList &arguments) const
{
    QProcess process;
    process.start(m_binDir + QLatin1Char('/') + tool,
                  QStringList { QStringLiteral("-h"), socketDir(), QStringLiteral("-p"),
                                QString::number(m_port), QStringLiteral("-U"), user() }
                      + arguments);
    if (!process.waitForFinished(toolTimeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return Error { QStringLiteral("%1 did not finish").arg(tool) };
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return Error {
            QStringLiteral("%1 failed: %2").arg(tool, lastLines(process.readAllStandardError(), 4))
        };
    return process.readAllStandardOutput();
}

} // namespace Drawbridge::Test
