// SPDX-License-Identifier: MIT
#include "httpresponseparser.h"

#include <cstring>

#include "httpsyntax.h"

namespace Drawbridge {

namespace {

QByteArrayView trimmedOws(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

QByteArrayView withoutCr(QByteArrayView line)
{
    if (!line.isEmpty() && line.back() == '\r')
        line.chop(1);
    return line;
}

// Position of the next '\n' in [from, size), or -1.
qsizetype findNewline(const char *data, qsizetype from, qsizetype size)
{
    if (from >= size)
        return -1;
    const void *p = std::memchr(data + from, '\n', size_t(size - from));
    return p ? static_cast<const char *>(p) - data : -1;
}

} // namespace

HttpResponseParser::HttpResponseParser(qsizetype maxHeaderBytes) : m_maxHeaderBytes(maxHeaderBytes) { }

void HttpResponseParser::reset(bool headRequest)
{
    m_state = State::Head;
    m_headRequest = headRequest;
    m_scanOffset = 0;
    m_trailerBytes = 0;
    m_remaining = 0;
    m_status = 0;
    m_minorVersion = 1;
    m_keepAlive = false;
    m_headers = HttpHeaders();
    m_data = nullptr;
    m_dataSize = 0;
    m_error.clear();
}

HttpResponseParser::Event HttpResponseParser::fail(const QString &message)
{
    m_state = State::Failed;
    m_error = message;
    return Event::Error;
}

HttpResponseParser::Event HttpResponseParser::parse(const char *data, qsizetype size, qsizetype *consumed)
{
    qsizetype pos = 0;
    m_data = nullptr;
    m_dataSize = 0;
    for (;;) {
        const qsizetype avail = size - pos;
        switch (m_state) {
        case State::Head: {
            const char *block = data + pos;
            qsizetype lineStart = m_scanOffset;
            qsizetype blockEnd = -1;
            for (;;) {
                const qsizetype nl = findNewline(block, lineStart, avail);
                if (nl < 0)
                    break;
                const qsizetype lineSize = nl - lineStart;
                if (lineSize == 0 || (lineSize == 1 && block[lineStart] == '\r')) {
                    blockEnd = nl + 1;
                    break;
                }
                lineStart = nl + 1;
            }
            if (blockEnd < 0) {
                m_scanOffset = lineStart;
                if (avail > m_maxHeaderBytes)
                    break;
                *consumed = pos;
                return Event::NeedMore;
            }
            if (blockEnd > m_maxHeaderBytes)
                break;
            if (!parseHead(block, blockEnd)) {
                *consumed = pos;
                return Event::Error;
            }
            pos += blockEnd;
            m_scanOffset = 0;
            if (m_status < 200)
                continue; // interim response: the final one follows on the same connection
            *consumed = pos;
            return Event::Headers;
        }
        case State::FixedBody:
        case State::ChunkData: {
            if (avail == 0) {
                *consumed = pos;
                return Event::NeedMore;
            }
            const qsizetype n = qsizetype(qMin<qint64>(avail, m_remaining));
            m_data = data + pos;
            m_dataSize = n;
            pos += n;
            m_remaining -= n;
            if (m_remaining == 0)
                m_state = m_state == State::FixedBody ? State::Done : State::ChunkDataEnd;
            *consumed = pos;
            return Event::Data;
        }
        case State::UntilClose:
            *consumed = size;
            if (avail == 0)
                return Event::NeedMore;
            m_data = data + pos;
            m_dataSize = avail;
            return Event::Data;
        case State::ChunkSize: {
            const qsizetype nl = findNewline(data, pos, size);
            if (nl < 0) {
                if (avail >= maxLineBytes) {
                    *consumed = pos;
                    return fail(QStringLiteral("chunk size line exceeds %1 bytes").arg(maxLineBytes));
                }
                *consumed = pos;
                return Event::NeedMore;
            }
            if (nl - pos >= maxLineBytes) {
                *consumed = pos;
                return fail(QStringLiteral("chunk size line exceeds %1 bytes").arg(maxLineBytes));
            }
            if (!parseChunkSizeLine(withoutCr(QByteArrayView(data + pos, nl - pos)))) {
                *consumed = pos;
                return Event::Error;
            }
            pos = nl + 1;
            continue;
        }
        case State::ChunkDataEnd:
            if (avail == 0 || (avail == 1 && data[pos] == '\r')) {
                *consumed = pos;
                return Event::NeedMore;
            }
            if (data[pos] == '\n') {
                pos += 1;
            } else if (data[pos] == '\r' && data[pos + 1] == '\n') {
                pos += 2;
            } else {
                *consumed = pos;
                return fail(QStringLiteral("missing CRLF after chunk data"));
            }
            m_state = State::ChunkSize;
            continue;
        case State::Trailers: {
            const qsizetype nl = findNewline(data, pos, size);
            if (nl < 0) {
                *consumed = pos;
                if (m_trailerBytes + avail > m_maxHeaderBytes)
                    return fail(QStringLiteral("trailers exceed %1 bytes").arg(m_maxHeaderBytes));
                return Event::NeedMore;
            }
            m_trailerBytes += nl + 1 - pos;
            if (m_trailerBytes > m_maxHeaderBytes) {
                *consumed = pos;
                return fail(QStringLiteral("trailers exceed %1 bytes").arg(m_maxHeaderBytes));
            }
            const QByteArrayView line = withoutCr(QByteArrayView(data + pos, nl - pos));
            pos = nl + 1;
            if (line.isEmpty()) {
                m_state = State::Done;
                *consumed = pos;
                return Event::Complete;
            }
            // Trailer fields are read for framing only; nothing upstream of us sends ones we need.
            if (line.indexOf(':') <= 0 || line.front() == ' ' || line.front() == '\t') {
                *consumed = pos;
                return fail(QStringLiteral("malformed trailer line"));
            }
            continue;
        }
        case State::Done:
            *consumed = pos;
            return Event::Complete;
        case State::Failed:
            *consumed = pos;
            return Event::Error;
        }
        // Only the header-size checks of State::Head leave the switch by break.
        *consumed = pos;
        return fail(QStringLiteral("response headers exceed %1 bytes").arg(m_maxHeaderBytes));
    }
}

HttpResponseParser::Event HttpResponseParser::finish()
{
    switch (m_state) {
    case State::UntilClose:
    case State::Done:
        m_state = State::Done;
        return Event::Complete;
    case State::Failed:
        return Event::Error;
    default:
        return fail(QStringLiteral("connection closed before the response was complete"));
    }
}

bool HttpResponseParser::parseHead(const char *data, qsizetype size)
{
    const QByteArrayView all(data, size);
    qsizetype lineStart = 0;
    const qsizetype statusEnd = all.indexOf('\n');
    if (!parseStatusLine(withoutCr(all.first(statusEnd))))
        return false;
    lineStart = statusEnd + 1;
    if (m_status == 101) {
        fail(QStringLiteral("unexpected 101 Switching Protocols"));
        return false;
    }
    if (m_status < 200)
        return true; // interim response fields are of no use to us

    HttpHeaders headers;
    headers.m_block.reserve(size);
    headers.m_spans.reserve(16);
    for (;;) {
        const qsizetype nl = all.indexOf('\n', lineStart);
        const QByteArrayView line = withoutCr(all.sliced(lineStart, nl - lineStart));
        lineStart = nl + 1;
        if (line.isEmpty())
            break;
        if (line.front() == ' ' || line.front() == '\t') {
            fail(QStringLiteral("obsolete header line folding"));
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            fail(QStringLiteral("malformed header line"));
            return false;
        }
        const QByteArrayView name = line.first(colon);
        for (const char c : name) {
            if (!HttpSyntax::isTokenChar(c)) {
                fail(QStringLiteral("invalid character in header name"));
                return false;
            }
        }
        const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
        for (const char c : value) {
            if (c == '\r' || c == '\0') {
                fail(QStringLiteral("invalid character in header value"));
                return false;
            }
        }
        headers.append(name, value);
    }
    m_headers = std::move(headers);
    return selectBodyMode();
}

bool HttpResponseParser::parseStatusLine(QByteArrayView line)
{
    // HTTP-version SP status-code SP reason-phrase; the reason is optional in practice.
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || !HttpSyntax::isDigit(line[7]) || line[8] != ' '
        || !HttpSyntax::isDigit(line[9]) || !HttpSyntax::isDigit(line[10]) || !HttpSyntax::isDigit(line[11])
        || (line.size() > 12 && line[12] != ' ')) {
        fail(QStringLiteral("malformed status line"));
        return false;
    }
    m_minorVersion = line[7] == '0' ? 0 : 1;
    m_status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (m_status < 100) {
        fail(QStringLiteral("invalid status code"));
        return false;
    }
    return true;
}

bool HttpResponseParser::selectBodyMode()
{
    if (m_minorVersion >= 1)
        m_keepAlive = !m_headers.hasToken("connection", "close");
    else
        m_keepAlive = m_headers.hasToken("connection", "keep-alive");

    if (m_headRequest || m_status == 204 || m_status == 304) {
        m_state = State::Done;
        return true;
    }

    const bool hasContentLength = m_headers.contains("content-length");
    if (m_headers.contains("transfer-encoding")) {
        // The final coding decides the framing; "chunked" anywhere else is invalid (RFC 9112 6.1).
        QByteArrayView last;
        bool chunkedEarlier = false;
        for (qsizetype i = 0; i < m_headers.size(); ++i) {
            const HttpHeaders::Field f = m_headers.at(i);
            if (!HttpHeaders::nameEquals(f.name, "transfer-encoding"))
                continue;
            QByteArrayView rest = f.value;
            for (;;) {
                const qsizetype comma = rest.indexOf(',');
                const QByteArrayView coding = trimmedOws(comma < 0 ? rest : rest.first(comma));
                if (!coding.isEmpty()) {
                    if (HttpHeaders::nameEquals(last, "chunked"))
                        chunkedEarlier = true;
                    last = coding;
                }
                if (comma < 0)
                    break;
                rest = rest.sliced(comma + 1);
            }
        }
        if (chunkedEarlier) {
            fail(QStringLiteral("chunked is not the final transfer coding"));
            return false;
        }
        if (hasContentLength)
            m_keepAlive = false; // both framings present: never trust the rest of this connection
        if (HttpHeaders::nameEquals(last, "chunked")) {
            m_state = State::ChunkSize;
        } else {
            m_state = State::UntilClose;
            m_keepAlive = false;
        }
        return true;
    }

    if (hasContentLength) {
        // Repeated or list values are allowed only when they all agree (RFC 9110 8.6).
        qint64 length = -1;
        for (qsizetype i = 0; i < m_headers.size(); ++i) {
            const HttpHeaders::Field f = m_headers.at(i);
            if (!HttpHeaders::nameEquals(f.name, "content-length"))
                continue;
            QByteArrayView rest = f.value;
            for (;;) {
                const qsizetype comma = rest.indexOf(',');
                const QByteArrayView item = trimmedOws(comma < 0 ? rest : rest.first(comma));
                if (item.isEmpty() || item.size() > 18) {
                    fail(QStringLiteral("invalid Content-Length"));
                    return false;
                }
                qint64 v = 0;
                for (const char c : item) {
                    if (!HttpSyntax::isDigit(c)) {
                        fail(QStringLiteral("invalid Content-Length"));
                        return false;
                    }
                    v = v * 10 + (c - '0');
                }
                if (length >= 0 && v != length) {
                    fail(QStringLiteral("conflicting Content-Length values"));
                    return false;
                }
                length = v;
                if (comma < 0)
                    break;
                rest = rest.sliced(comma + 1);
            }
        }
        m_remaining = length;
        m_state = length > 0 ? State::FixedBody : State::Done;
        return true;
    }

    m_state = State::UntilClose;
    m_keepAlive = false;
    return true;
}

bool HttpResponseParser::parseChunkSizeLine(QByteArrayView line)
{
    qint64 size = 0;
    qsizetype i = 0;
    for (; i < line.size(); ++i) {
        const int v = HttpSyntax::hexValue(line[i]);
        if (v < 0)
            break;
        if (i >= 15) {
            fail(QStringLiteral("chunk size too large"));
            return false;
        }
        size = size * 16 + v;
    }
    if (i == 0) {
        fail(QStringLiteral("malformed chunk size"));
        return false;
    }
    // Optional whitespace, then chunk extensions, which carry nothing we use.
    QByteArrayView rest = line.sliced(i);
    while (!rest.isEmpty() && (rest.front() == ' ' || rest.front() == '\t'))
        rest = rest.sliced(1);
    if (!rest.isEmpty() && rest.front() != ';') {
        fail(QStringLiteral("malformed chunk size"));
        return false;
    }
    for (const char c : rest) {
        if (c == '\r' || c == '\0') {
            fail(QStringLiteral("malformed chunk extension"));
            return false;
        }
    }
    m_remaining = size;
    m_state = size > 0 ? State::ChunkData : State::Trailers;
    return true;
}

} // namespace Drawbridge
