// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include "httpserverrequest.h"

namespace Drawbridge {

/**
 * @brief Incremental, bounded HTTP/1.1 request parser (RFC 9112), strict where leniency enables smuggling.
 *
 * Bytes go in with append(); parse() advances as far as they allow and reports the head once (so the caller
 * can answer `Expect: 100-continue`), then the complete message. Every field is bounded: the request line,
 * the head's size and field count, each chunk-size line, the trailer and the body (Limits::maxBodyBytes,
 * checked against Content-Length before any body byte is read and against each chunk before it is stored).
 * The caller feeds bytes only while parse() says NeedMore, so what is buffered is bounded too.
 *
 * Rejected: bare CR or LF, obs-fold, whitespace before a field's colon, control characters in values, missing
 * or repeated Host, a Host that is not host[:port], duplicate or list-valued Content-Length, Content-Length
 * together with Transfer-Encoding, transfer codings other than one `chunked` (501), malformed chunk sizes,
 * unknown expectations (417), versions other than HTTP/1.x (505). After Error the connection must close.
 */
class HttpRequestParser final
{
public:
    struct Limits
    {
        qint64 maxBodyBytes = 16 * 1024 * 1024;
        qsizetype maxRequestLineBytes = 8 * 1024;
        qsizetype maxHeaderBytes = 32 * 1024; ///< all field lines of the head; the trailer has its own budget
        int maxHeaderCount = 100;
        qsizetype maxChunkLineBytes = 1024;
    };

    enum class Status {
        NeedMore, ///< append more bytes, then parse() again
        HeadComplete, ///< request() holds the head; parse() again for the body
        MessageComplete, ///< takeRequest() returns it; leftover bytes belong to the next request
        Error, ///< errorStatus()/errorMessage(); nothing more is parsed
    };

    explicit HttpRequestParser(const Limits &limits);

    void append(QByteArrayView bytes);
    /**
     * Appends bytes the caller no longer needs (a read from the socket): with nothing unconsumed
     * buffered, the parser takes @p bytes over instead of copying them, so a read of a head and the first
     * body bytes is copied once, into the body.
     */
    void adopt(QByteArray &&bytes);
    Status parse();

    const HttpServerRequest &request() const { return m_request; }
    /** After MessageComplete: the request; the parser is ready for the next one. */
    HttpServerRequest takeRequest();

    int errorStatus() const { return m_errorStatus; }
    const QString &errorMessage() const { return m_errorMessage; }

    /** Input received but not consumed yet. */
    qsizetype bufferedBytes() const { return m_buffer.size() - m_pos; }
    /** True once any byte of the current message was seen (empty lines before a request line do not count).
     */
    bool messageStarted() const { return m_state != State::RequestLine || bufferedBytes() > 0; }
    bool readingBody() const;
    const Limits &limits() const { return m_limits; }

    /**
     * A body of known length (Content-Length) with nothing buffered: the rest of it can be read straight
     * into the request's body, without the parse buffer and a chunk in between (two copies of every byte
     * fewer). Returns where to write and how much at most (@p room), or nullptr when not in that state;
     * then bodyWritten() with what was written (0 and negative: nothing) before anything else.
     */
    char *bodySpace(qsizetype &room);
    void bodyWritten(qint64 written);

private:
    enum class State {
        RequestLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Complete,
        Failed
    };
    enum class Line { Ok, NeedMore, Error };

    Line nextLine(qsizetype limit, int tooLongStatus, const char *what, QByteArrayView &line);
    Status fail(int status, const QString &message);
    bool parseRequestLine(QByteArrayView line);
    bool parseFieldLine(QByteArrayView line, bool trailer);
    Status finishHead();
    void compact();

    Limits m_limits;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    State m_state = State::RequestLine;
    HttpServerRequest m_request;
    qsizetype m_fieldBytes = 0;
    int m_fieldCount = 0;
    int m_emptyLines = 0;
    qint64 m_remaining = 0; ///< body bytes left (Content-Length) or chunk bytes left
    int m_errorStatus = 0;
    QString m_errorMessage;
};

} // namespace Drawbridge
