// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

#include "server/kiro/eventstreamframe.h"

namespace Drawbridge {

/**
 * @brief Incremental decoder for the binary AWS event stream (`application/vnd.amazon.eventstream`).
 *
 * Feed network chunks split anywhere, then pull frames with next() until it returns nothing. Both CRCs are
 * checked. Like the official client, the first corrupt frame puts the decoder in a permanent error state:
 * a stream cannot be resynchronised reliably, and a half-trusted stream is worse than a failed one.
 *
 * Buffering is bounded by one frame (at most maxFrameBytes) plus the chunk being fed, provided the caller
 * drains next() after each feed().
 */
class EventStreamDecoder final
{
public:
    static constexpr qsizetype defaultMaxFrameBytes = 16 * 1024 * 1024;
    static constexpr qsizetype preludeBytes = 12;
    static constexpr qsizetype minFrameBytes = 16;

    explicit EventStreamDecoder(qsizetype maxFrameBytes = defaultMaxFrameBytes);

    /** Also fill EventStreamFrame::headers with every header (tests, diagnostics); off by default. */
    void setKeepAllHeaders(bool keep) { m_keepAllHeaders = keep; }

    void feed(const char *data, qsizetype size);
    /** Shares @p chunk instead of copying it when nothing is buffered (the common case). */
    void feed(const QByteArray &chunk);

    /** The next complete frame, or nothing when more bytes are needed or the stream is corrupt. */
    std::optional<EventStreamFrame> next();

    bool hasError() const { return !m_error.isEmpty(); }
    const QString &errorString() const { return m_error; }
    /** Bytes received but not yet decoded; non-zero at the end of the body means a truncated frame. */
    qsizetype bufferedBytes() const { return m_buffer.size() - m_pos; }
    void reset();

private:
    bool checkPrelude();
    bool parseHeaders(const char *p, qsizetype size, EventStreamFrame &frame);
    void fail(const QString &message);
    void compact();

    QByteArray m_buffer;
    qsizetype m_pos = 0; ///< start of the first undecoded byte in m_buffer
    qsizetype m_maxFrameBytes;
    bool m_keepAllHeaders = false;
    bool m_preludeChecked = false; ///< the prelude at m_pos has been validated already
    QString m_error;
};

} // namespace Drawbridge
