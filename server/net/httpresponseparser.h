// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "httpheaders.h"

namespace Drawbridge {

/**
 * @brief Incremental HTTP/1.x response parser that hands out body slices of the caller's buffer.
 *
 * Pull-style: the caller feeds the unconsumed bytes it holds and gets one event back, so no callback runs
 * inside the parser and a sink may tear everything down between two events. Bytes of an incomplete header
 * block or chunk-size line are left unconsumed; the caller keeps them and feeds them again with more.
 * Every buffer it asks the caller to keep is bounded (maxHeaderBytes, maxLineBytes).
 */
class HttpResponseParser
{
public:
    enum class Event {
        NeedMore, ///< everything usable was consumed; feed more bytes
        Headers, ///< status and headers of the final (non-1xx) response are available
        Data, ///< body bytes: data()/dataSize(), a slice of the input just fed
        Complete, ///< the response ended; bytes after it are not part of it
        Error, ///< malformed or oversized: errorString() says why; the connection is unusable
    };

    static constexpr qsizetype defaultMaxHeaderBytes = 64 * 1024;
    /** Bound for one chunk-size line including extensions. */
    static constexpr qsizetype maxLineBytes = 4096;

    explicit HttpResponseParser(qsizetype maxHeaderBytes = defaultMaxHeaderBytes);

    /** Prepares for the response to a new request; responses to HEAD never carry a body. */
    void reset(bool headRequest);

    /**
     * Consumes a prefix of [data, data + size) and reports the first event it reaches; @p consumed gets the
     * number of bytes used (for Data, the slice is the tail of that prefix). Call again after every
     * non-NeedMore event, with the rest, even when the rest is empty: a response without body becomes
     * Complete without further input.
     */
    Event parse(const char *data, qsizetype size, qsizetype *consumed);

    /** The peer closed the connection: Complete for a body delimited by the close, Error otherwise. */
    Event finish();

    int statusCode() const { return m_status; }
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    int minorVersion() const { return m_minorVersion; }
    const HttpHeaders &headers() const { return m_headers; }
    /** Whether the connection may carry another request once this response is complete. */
    bool keepAlive() const { return m_keepAlive; }
    /** Whether the final response's headers have been parsed (1xx responses do not count). */
    bool headersDone() const { return m_state != State::Head; }
    bool isComplete() const { return m_state == State::Done; }
    const char *data() const { return m_data; }
    qsizetype dataSize() const { return m_dataSize; }
    const QString &errorString() const { return m_error; }

private:
    enum class State {
        Head,
        FixedBody,
        UntilClose,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
        Failed
    };

    Event fail(const QString &message);
    bool parseHead(const char *data, qsizetype size);
    bool parseStatusLine(QByteArrayView line);
    bool selectBodyMode();
    bool parseChunkSizeLine(QByteArrayView line);

    qsizetype m_maxHeaderBytes;
    State m_state = State::Head;
    bool m_headRequest = false;
    // Offset of the first line of the pending header block whose end is not yet known, so a block that
    // trickles in byte by byte is scanned once rather than from the start on every feed.
    qsizetype m_scanOffset = 0;
    qsizetype m_trailerBytes = 0;
    qint64 m_remaining = 0;
    int m_status = 0;
    int m_minorVersion = 1;
    bool m_keepAlive = false;
    HttpHeaders m_headers;
    const char *m_data = nullptr;
    qsizetype m_dataSize = 0;
    QString m_error;
};

} // namespace Drawbridge
