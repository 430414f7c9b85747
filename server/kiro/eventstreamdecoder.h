// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
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

    /** Copies @p data; it may be freed or reused as soon as this returns. */
    void feed(const char *data, qsizetype size);
    /**
     * Borrows @p chunk instead of copying it when nothing is buffered (the common case), so whole frames
     * are decoded straight out of the network buffer. The chunk may be a QByteArray::fromRawData() view of
     * memory its owner reuses: the caller must drain next() until it returns nothing before that memory
     * changes. At that point the decoder copies the undecoded tail (a frame split across reads) into a
     * buffer of its own, so only the partial frame is ever copied.
     */
    void feed(const QByteArray &chunk);

    /** The next complete frame, or nothing when more bytes are needed or the stream is corrupt. */
    std::optional<EventStreamFrame> next();
    /**
     * The same into @p frame, which is overwritten; false when there is no frame. A caller that passes the
     * same frame every time and keeps no copy of its payload decodes without an allocation per frame.
     */
    bool next(EventStreamFrame &frame);

    bool hasError() const { return !m_error.isEmpty(); }
    const QString &errorString() const { return m_error; }
    /** Bytes received but not yet decoded; non-zero at the end of the body means a truncated frame. */
    qsizetype bufferedBytes() const { return m_buffer.size() - m_pos; }
    void reset();

private:
    bool checkPrelude();
    /** The values of the headers lifted into EventStreamFrame; null when absent. */
    struct KnownHeaders
    {
        QByteArrayView messageType;
        QByteArrayView eventType;
        QByteArrayView exceptionType;
        QByteArrayView contentType;
        QByteArrayView errorCode;
        QByteArrayView errorMessage;
    };

    bool parseHeaders(const char *p, qsizetype size, KnownHeaders &known, EventStreamFrame &frame);
    void fail(const QString &message);
    void compact();
    void adoptBorrowedTail();

    QByteArray m_buffer;
    qsizetype m_pos = 0; ///< start of the first undecoded byte in m_buffer
    qsizetype m_maxFrameBytes;
    bool m_keepAllHeaders = false;
    bool m_preludeChecked = false; ///< the prelude at m_pos has been validated already
    bool m_borrowed = false; ///< m_buffer refers to the caller's memory, valid only until next() runs dry
    QString m_error;
};

} // namespace Drawbridge
