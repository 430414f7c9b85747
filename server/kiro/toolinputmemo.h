// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

namespace Drawbridge {

/**
 * @brief The Kiro body's tool input for OpenAI tool-call arguments, memoised under the arguments' exact text.
 *
 * Coding agents resend the whole conversation with every request, so every tool call but the newest one has
 * been converted before: the arguments (JSON text) are read with simdjson and written as Qt writes the object
 * (sorted keys, Qt's number forms), about 7 k instructions per call, 53 calls in a 144 KiB agent request
 * (issue 18). Equal text gives equal output, so a hit is exact whichever path (simdjson or Qt) made it. The
 * key is the QString the request already holds (implicitly shared, not copied), so a hit needs neither the
 * UTF-8 form nor a parse. Bounded in entries and bytes; emptied when full, as the sanitised-schema memo is.
 * The builder keeps one per thread (it runs on the event-loop thread).
 *
 * A benchmark that repeats one body hits for every call; a real agent hits for all but its newest turn's
 * calls. Measured with callgrind on the ci build: a hit costs about 0.33 k instructions per call, a miss
 * about 4.8 k (the conversion and the insertion; the conversion alone cost 7.2 k before this round).
 */
class ToolInputMemo final
{
public:
    static constexpr qsizetype defaultMaxEntries = 1024;
    static constexpr qsizetype defaultMaxBytes = 1024 * 1024;

    explicit ToolInputMemo(qsizetype maxEntries = defaultMaxEntries, qsizetype maxBytes = defaultMaxBytes);

    /** convert(@p arguments), from the memo when these exact arguments were converted before. */
    QByteArray input(const QString &arguments);

    /**
     * The arguments as a compact JSON object the way QJsonDocument writes it, without a top-level "" key
     * (AIClient saw Kiro reject inputs with one); "{}" for anything that is not an object.
     */
    static QByteArray convert(const QString &arguments);

    qsizetype entries() const { return m_inputs.size(); }
    /** What the entries are counted as against the byte bound (keys as UTF-16, values, per-entry overhead).
     */
    qsizetype bytes() const { return m_bytes; }
    quint64 hits() const { return m_hits; }

private:
    QHash<QString, QByteArray> m_inputs;
    qsizetype m_maxEntries;
    qsizetype m_maxBytes;
    qsizetype m_bytes = 0;
    quint64 m_hits = 0;
};

} // namespace Drawbridge
