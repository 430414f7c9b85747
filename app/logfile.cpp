// SPDX-License-Identifier: MIT
#include "logfile.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMutexLocker>
#include <QRegularExpression>

#include <atomic>

#include "server/core/clock.h"

namespace Drawbridge {

namespace {

// Qt's message handler is a plain function pointer; this is the LogFile it forwards to.
std::atomic<LogFile *> installedLogFile { nullptr };
std::atomic<QtMessageHandler> previousHandler { nullptr };

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (LogFile *log = installedLogFile.load())
        log->write(type, context.category, message);
    if (QtMessageHandler previous = previousHandler.load())
        previous(type, context, message);
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

} // namespace

LogFile::LogFile(QString path, const Clock &clock, qint64 maxBytes, int keep)
    : m_path(std::move(path)), m_clock(clock), m_maxBytes(qMax<qint64>(maxBytes, 1024)), m_keep(qMax(keep, 0))
{
}

LogFile::~LogFile()
{
    uninstall();
}

Status LogFile::open()
{
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error { QStringLiteral("cannot create the log folder %1")
                           .arg(QDir::toNativeSeparators(info.absolutePath())) };
    QMutexLocker lock(&m_mutex);
    m_file.setFileName(m_path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append))
        return Error { QStringLiteral("cannot write the log file %1: %2")
                           .arg(QDir::toNativeSeparators(m_path), m_file.errorString()) };
    // Account names, e-mail addresses and errors: nobody else's business.
    m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return Ok {};
}

void LogFile::install()
{
    if (m_installed)
        return;
    m_installed = true;
    // Another LogFile already installed keeps the chain; this one just takes its place.
    if (!installedLogFile.exchange(this))
        previousHandler.store(qInstallMessageHandler(handleMessage));
}

void LogFile::uninstall()
{
    if (!m_installed)
        return;
    m_installed = false;
    LogFile *self = this;
    if (installedLogFile.compare_exchange_strong(self, nullptr))
        qInstallMessageHandler(previousHandler.exchange(nullptr));
}

QString LogFile::redact(QString text)
{
    // Client keys "db-<id>-<secret>": the id stays (it is how logs name a key), the secret goes.
    static const QRegularExpression clientKey(QStringLiteral("\\b(db-[A-Za-z0-9]+)-[A-Za-z0-9]{16,}"));
    static const QRegularExpression adminToken(QStringLiteral("\\bdba-[A-Za-z0-9]{16,}"));
    // Kiro access and refresh tokens ("aoa…", "aor…") and JWTs.
    static const QRegularExpression kiroToken(QStringLiteral("\\b(ao[ar])[A-Za-z0-9+/=_.:-]{20,}"));
    static const QRegularExpression jwt(QStringLiteral("\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_.-]{8,}"));
    static const QRegularExpression bearer(QStringLiteral("(?i)\\b(bearer)\\s+[^\\s\"',;]+"));
    static const QRegularExpression jsonSecret(
        QStringLiteral("(?i)(\"(?:refresh_?token|access_?token|id_?token|client_?secret|secret|password|"
                       "api_?key|auth_?token|device_?code)\"\\s*:\\s*\")[^\"]*"));
    text.replace(clientKey, QStringLiteral("\\1-[redacted]"));
    text.replace(adminToken, QStringLiteral("dba-[redacted]"));
    text.replace(kiroToken, QStringLiteral("\\1[redacted]"));
    text.replace(jwt, QStringLiteral("[redacted JWT]"));
    text.replace(bearer, QStringLiteral("\\1 [redacted]"));
    text.replace(jsonSecret, QStringLiteral("\\1[redacted]"));
    return text;
}

void LogFile::write(QtMsgType type, const char *category, const QString &message)
{
    QString text = message;
    if (text.size() > maxLineBytes) {
        text.truncate(maxLineBytes);
        text.append(QStringLiteral(" […]"));
    }
    text = redact(std::move(text));
    // One message, one line: a newline inside it must not look like the start of another entry.
    text.replace(u'\n', QStringLiteral("\n    "));
    QByteArray line
        = QDateTime::fromMSecsSinceEpoch(m_clock.nowMs(), Qt::UTC).toString(Qt::ISODateWithMs).toUtf8();
    line.append(' ').append(levelName(type)).append(' ');
    line.append(category ? category : "default").append(": ").append(text.toUtf8()).append('\n');

    QMutexLocker lock(&m_mutex);
    if (!m_file.isOpen())
        return;
    if (m_file.size() > 0 && m_file.size() + line.size() > m_maxBytes)
        rotate();
    if (m_file.isOpen()) {
        m_file.write(line);
        // Flushed at once: the log is read after a crash, and a fatal message ends the process.
        m_file.flush();
    }
}

void LogFile::rotate()
{
    m_file.close();
    const auto numbered = [this](int n) -> QString { return m_path + u'.' + QString::number(n); };
    if (m_keep == 0) {
        QFile::remove(m_path);
    } else {
        QFile::remove(numbered(m_keep));
        for (int n = m_keep - 1; n >= 1; --n) {
            if (QFile::exists(numbered(n)))
                QFile::rename(numbered(n), numbered(n + 1));
        }
        if (!QFile::rename(m_path, numbered(1)))
            QFile::remove(m_path); // never grow past the bound, even if the old log is lost
    }
    m_file.setFileName(m_path);
    if (m_file.open(QIODevice::WriteOnly | QIODevice::Append))
        m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

} // namespace Drawbridge
