// SPDX-License-Identifier: MIT
#include "logfile.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
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
    if (m_writer.joinable()) {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_writer.join(); // after writing what is queued
    }
}

Status LogFile::open()
{
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error { QStringLiteral("cannot create the log folder %1")
                           .arg(QDir::toNativeSeparators(info.absolutePath())) };
    if (m_writer.joinable())
        return Ok {};
    m_file.setFileName(m_path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append))
        return Error { QStringLiteral("cannot write the log file %1: %2")
                           .arg(QDir::toNativeSeparators(m_path), m_file.errorString()) };
    // Account names, e-mail addresses and errors: nobody else's business.
    m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    m_writer = std::thread([this] { run(); });
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
    // The caller's share is small: the time (it is the time of the message, not of the write), the level and
    // a copy of the text, cut to the line bound. Masking, which runs six regular expressions, is the
    // writer's.
    Pending item;
    item.text = message.size() > maxLineBytes ? message.left(maxLineBytes) + QStringLiteral(" […]") : message;
    item.prefix
        = QDateTime::fromMSecsSinceEpoch(m_clock.nowMs(), Qt::UTC).toString(Qt::ISODateWithMs).toUtf8();
    item.prefix.append(' ').append(levelName(type)).append(' ');
    item.prefix.append(category ? category : "default").append(": ");
    const qint64 bytes = item.prefix.size() + item.text.size() * 2;
    {
        std::lock_guard lock(m_mutex);
        if (!m_writer.joinable() || m_stop)
            return;
        if (m_pendingBytes + bytes > maxPendingBytes && type != QtFatalMsg) {
            ++m_dropped; // reported in the file once the writer catches up
            return;
        }
        ++m_queuedSeq;
        m_pendingBytes += bytes;
        m_queue.push_back(std::move(item));
    }
    m_wake.notify_one();
    if (type == QtFatalMsg)
        flush(); // the process aborts when the handler returns
}

void LogFile::flush()
{
    std::unique_lock lock(m_mutex);
    const quint64 target = m_queuedSeq;
    m_written.wait(lock, [&] { return m_writtenSeq >= target || !m_writer.joinable(); });
}

void LogFile::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty() && m_stop)
            return;
        std::deque<Pending> batch;
        batch.swap(m_queue);
        m_pendingBytes = 0;
        const qint64 dropped = std::exchange(m_dropped, 0);
        lock.unlock();

        if (dropped > 0) {
            writeLine(
                QDateTime::fromMSecsSinceEpoch(m_clock.nowMs(), Qt::UTC).toString(Qt::ISODateWithMs).toUtf8()
                + " warning drawbridge.app: " + QByteArray::number(dropped)
                + " log line(s) dropped: they came faster than the disk took them\n");
        }
        for (Pending &item : batch) {
            QString text = redact(std::move(item.text));
            // One message, one line: a newline inside it must not look like the start of another entry.
            text.replace(u'\n', QStringLiteral("\n    "));
            writeLine(item.prefix + text.toUtf8() + '\n');
        }
        // Flushed after every batch: the log is read after a crash.
        if (m_file.isOpen())
            m_file.flush();

        lock.lock();
        m_writtenSeq += batch.size();
        m_written.notify_all();
    }
}

void LogFile::writeLine(const QByteArray &line)
{
    if (!m_file.isOpen())
        return;
    if (m_file.size() > 0 && m_file.size() + line.size() > m_maxBytes)
        rotate();
    if (m_file.isOpen())
        m_file.write(line);
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
