// SPDX-License-Identifier: MIT
#pragma once

#include <QFile>
#include <QMutex>
#include <QString>
#include <QtGlobal>

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
 */
class LogFile final
{
    Q_DISABLE_COPY_MOVE(LogFile)

public:
    static constexpr qint64 defaultMaxBytes = 5 * 1024 * 1024;
    static constexpr int defaultKeep = 3;
    static constexpr int maxLineBytes = 16 * 1024;

    LogFile(QString path, const Clock &clock, qint64 maxBytes = defaultMaxBytes, int keep = defaultKeep);
    /** Uninstalls itself if it is the installed handler. */
    ~LogFile();

    /** Creates the folder and opens the file for appending; the error says which file and why. */
    Status open();
    const QString &path() const { return m_path; }

    /**
     * Makes this file receive Qt's messages. Qt has one process-wide message handler (a plain function), so
     * the installed LogFile is remembered in one file-static pointer; the previous handler still gets every
     * message and is put back by uninstall(). One LogFile is installed at a time.
     */
    void install();
    void uninstall();

    /** Formats, masks and appends one message (thread-safe); what the handler calls. */
    void write(QtMsgType type, const char *category, const QString &message);

    /** @p text with keys, tokens and secrets masked. */
    static QString redact(QString text);

private:
    void rotate();

    QString m_path;
    const Clock &m_clock;
    qint64 m_maxBytes;
    int m_keep;
    QFile m_file;
    QMutex m_mutex;
    bool m_installed = false;
};

} // namespace Drawbridge
