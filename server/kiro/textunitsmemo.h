// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <unordered_map>

namespace Drawbridge {

/**
 * @brief KiroTokenEstimator::unitsUtf8() of texts held in shared buffers, memoised under the buffer itself.
 *
 * The request parsers keep each distinct long text once per thread and hand every request that resends it the
 * same implicitly shared QByteArray (FastJsonReader's text memo, issue 18), so an agent's history arrives in
 * the same buffers request after request, and counting its units (a pass over every byte, about 3.5 % of a
 * 144 KiB request) needs doing once per text. The key is the buffer's address and size, found without
 * reading the text. That is exact because each entry holds a reference to its buffer: while it does, the
 * address cannot be given to another allocation, and a shared buffer is never written in place (Qt copies it
 * on write). A text not in an owned buffer (QByteArray::fromRawData) is counted each time.
 *
 * Bounded in entries and in the bytes of the buffers it holds; emptied when full. The Kiro builder keeps one
 * per thread.
 */
class TextUnitsMemo final
{
public:
    static constexpr size_t defaultMaxEntries = 4096;
    static constexpr qsizetype defaultMaxBytes = 4 * 1024 * 1024;

    explicit TextUnitsMemo(size_t maxEntries = defaultMaxEntries, qsizetype maxBytes = defaultMaxBytes);

    /** KiroTokenEstimator::unitsUtf8(@p utf8), from the memo when this buffer was counted before. */
    qint64 units(const QByteArray &utf8);

    size_t entries() const { return m_entries.size(); }
    /** The bytes of the buffers the entries hold (which other holders may share). */
    qsizetype bytes() const { return m_bytes; }
    quint64 hits() const { return m_hits; }

private:
    struct Entry
    {
        QByteArray text; ///< the reference that keeps the address this text's
        qint64 units = 0;
    };
    std::unordered_map<const char *, Entry> m_entries;
    size_t m_maxEntries;
    qsizetype m_maxBytes;
    qsizetype m_bytes = 0;
    quint64 m_hits = 0;
};

} // namespace Drawbridge
