// SPDX-License-Identifier: MIT
#pragma once

#include <QFile>
#include <QString>
#include <QtGlobal>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "server/core/result.h"

namespace Drawbridge {

class Clock;

/**
 * @brief Drawbridge's log on disk: every message Qt's logging lets through (QT_LOGGING_RULES), one line each,
 * appended to `<data dir>/logs/drawbridge.log` and still passed on to the previous handler (stderr).
 *
 * Bounded: a line is cut at maxLineBytes, and when the file would pass maxBytes it becomes `drawbridge.log.1`
 * (`.1` becomes `.2`, …, the oldest beyond `keep` is deleted), so the logs never take more than
 * (keep + 1) × maxBytes. The files are readable by their owner only. Secrets are never logged on purpose;
 * as a second line of defence, anything shaped like a client key, the admin token, a Kiro token, a bearer
 * credential or a JSON token/secret field is masked before it is written.
 *
 * Off the caller's thread: a message is queued (bounded by maxPendingBytes; beyond it lines are dropped and
 * the count is written when the disk catches up) and one writer thread masks, writes and flushes it, so a
 * slow or full disk never stalls the event loop that serves requests. A fatal message is written before the
 * handler returns, because the process ends right after it.
 */
class LogFile final
{
    Q_DISABLE_COPY_MOVE(LogFile)

public:
    static constexpr qint64 defaultMaxBytes = 5 * 1024 * 1024;
    static constexpr int defaultKeep = 3;
    static constexpr int maxLineBytes = 16 * 1024;
    static constexpr qint64 maxPendingBytes = 4 * 1024 * 1024;

    LogFile(QString path, const Clock &clock, qint64 maxBytes = defaultMaxBytes, int keep = defaultKeep);
    /** Uninstalls itself if it is the installed handler. */
    ~LogFile();

    /**
     * Creates the folder, opens the file for appending and starts the writer thread; the error says which
     * file and why.
     */
    Status open();
    const QString &path() const { return m_path; }

    /**
     * Makes this file receive Qt's messages. Qt has one process-wide message handler (a plain function), so
     * the installed LogFile is remembered in one file-static pointer; the previous handler still gets every
     * message and is put back by uninstall(). One LogFile is installed at a time.
     */
    void install();
    void uninstall();

    /** Queues one message for the writer thread (thread-safe, never blocks on the disk); what the handler
     * calls. */
    void write(QtMsgType type, const char *category, const QString &message);

    /** Returns once every message queued before the call is on disk (a fatal message, tests, shutdown). */
    void flush();

    /** @p text with keys, tokens and secrets masked. */
    static QString redact(QString text);

private:
    struct Pending
    {
        QByteArray prefix; ///< time, level and category
        QString text;
    };

    void run();
    void writeLine(const QByteArray &line);
    void rotate();

    QString m_path;
    const Clock &m_clock;
    qint64 m_maxBytes;
    int m_keep;
    QFile m_file; ///< the writer thread's alone once it runs
    bool m_installed = false;

    std::mutex m_mutex;
    std::condition_variable m_wake; ///< the writer: something queued, or stop
    std::condition_variable m_written; ///< flush(): m_writtenSeq moved
    std::deque<Pending> m_queue;
    qint64 m_pendingBytes = 0;
    qint64 m_dropped = 0;
    quint64 m_queuedSeq = 0; ///< messages queued so far
    quint64 m_writtenSeq = 0; ///< messages the writer has finished with
    bool m_stop = false;
    std::thread m_writer;
};

} // namespace Drawbridge
