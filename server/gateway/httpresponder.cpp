// SPDX-License-Identifier: MIT
#include "httpresponder.h"

#include <charconv>
#include <cstring>

#include "httpserverconnection.h"
#include "jsonnumber.h"

namespace Drawbridge {

namespace {

// A client this far behind on a stream is not reading; keep memory bounded and cut it off.
constexpr qint64 maxPendingBytes = 8 * 1024 * 1024;

// Lower-case hex without leading zeros, written from the right (snprintf was ≈ 700 instructions per chunk).
char *writeHexBackwards(char *end, unsigned long long value)
{
    do {
        *--end = "0123456789abcdef"[value & 0xf];
        value >>= 4;
    } while (value != 0);
    return end;
}

void appendHex(QByteArray &out, qsizetype value)
{
    char digits[16];
    char *end = digits + sizeof digits;
    const char *begin = writeHexBackwards(end, static_cast<unsigned long long>(value));
    out.append(begin, end - begin);
}

} // namespace

HttpResponder::HttpResponder(HttpServerConnection *connection, QTcpSocket *socket, Mode mode)
    : m_connection(connection), m_socket(socket), m_mode(mode)
{
}

HttpResponder::~HttpResponder()
{
    if (!m_connection || m_state == State::Done)
        return;
    // Nobody answered (or a stream was dropped half-way): the connection must not wait forever.
    m_connection->responseAbandoned(m_state == State::Streaming);
}

void HttpResponder::addHeader(const QByteArray &name, const QByteArray &value)
{
    if (m_extraHeaders.isEmpty())
        m_extraHeaders.reserve(4); // the three rate-limit fields of every admitted request, and one more
    m_extraHeaders.append({ name, value });
}

QByteArray HttpResponder::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    case 529:
        return QByteArrayLiteral("Overloaded");
    default:
        return QByteArrayLiteral("Status");
    }
}

void HttpResponder::appendHead(QByteArray &out, int status, const QByteArray &contentType,
                               const ResponseHeaders &headers, bool keepAlive) const
{
    // Sized once and filled with plain copies: the head, the first bytes of every stream, was some forty
    // separate appends (≈ 3 k instructions per response).
    char statusText[16];
    const qsizetype statusLength
        = std::to_chars(statusText, statusText + sizeof statusText, status).ptr - statusText;
    const QByteArray reason = reasonPhrase(status);
    const QByteArrayView connection = !keepAlive ? QByteArrayView("Connection: close\r\n")
        : m_mode.http10                          ? QByteArrayView("Connection: keep-alive\r\n")
                                                 : QByteArrayView();
    qsizetype size = 9 + statusLength + 1 + reason.size() + 2 + connection.size();
    if (!contentType.isEmpty())
        size += 14 + contentType.size() + 2;
    for (const ResponseHeaders *list : { &m_extraHeaders, &headers }) {
        for (const auto &h : *list)
            size += h.first.size() + 2 + h.second.size() + 2;
    }
    const qsizetype start = out.size();
    out.resize(start + size);
    char *p = out.data() + start;
    const auto put = [&p](QByteArrayView bytes) {
        if (!bytes.isEmpty())
            memcpy(p, bytes.data(), size_t(bytes.size()));
        p += bytes.size();
    };
    put("HTTP/1.1 ");
    put(QByteArrayView(statusText, statusLength));
    put(" ");
    put(reason);
    put("\r\n");
    if (!contentType.isEmpty()) {
        put("Content-Type: ");
        put(contentType);
        put("\r\n");
    }
    for (const ResponseHeaders *list : { &m_extraHeaders, &headers }) {
        for (const auto &h : *list) {
            put(h.first);
            put(": ");
            put(h.second);
            put("\r\n");
        }
    }
    put(connection);
    Q_ASSERT(p == out.data() + out.size());
}

void HttpResponder::write(const QByteArray &bytes)
{
    if (m_connection)
        m_connection->writeResponseBytes(bytes);
}

void HttpResponder::finish(bool keepAlive)
{
    if (m_connection)
        m_connection->responseComplete(keepAlive);
}

void HttpResponder::send(int status, const QByteArray &contentType, const QByteArray &body,
                         const ResponseHeaders &headers)
{
    if (m_state != State::Idle)
        return;
    m_state = State::Done;
    m_status = status;
    if (!m_connection)
        return;
    QByteArray out;
    out.reserve(256 + (m_mode.headOnly ? 0 : body.size()));
    appendHead(out, status, contentType, headers, m_mode.keepAlive);
    out += "Content-Length: ";
    appendDecimal(out, body.size());
    out += "\r\n\r\n";
    if (!m_mode.headOnly)
        out += body;
    write(out);
    finish(m_mode.keepAlive);
}

void HttpResponder::sendJson(int status, const QByteArray &json, const ResponseHeaders &headers)
{
    send(status, QByteArrayLiteral("application/json"), json, headers);
}

void HttpResponder::beginStream(int status, const QByteArray &contentType, const ResponseHeaders &headers,
                                QByteArrayView firstChunk)
{
    if (m_state != State::Idle)
        return;
    m_state = State::Streaming;
    m_status = status;
    // HTTP/1.0 has no chunked coding: the end of the body is the end of the connection.
    m_streamKeepAlive = m_mode.keepAlive && !m_mode.http10;
    if (!m_connection)
        return;
    if (m_mode.headOnly)
        firstChunk = {};
    QByteArray out;
    out.reserve(512 + firstChunk.size());
    appendHead(out, status, contentType, headers, m_streamKeepAlive);
    out += "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
    if (!m_mode.http10)
        out += "Transfer-Encoding: chunked\r\n";
    out += "\r\n";
    if (!firstChunk.isEmpty()) {
        if (!m_mode.http10) {
            appendHex(out, firstChunk.size());
            out += "\r\n";
        }
        out += firstChunk;
        if (!m_mode.http10)
            out += "\r\n";
    }
    write(out);
}

bool HttpResponder::writeChunk(QByteArrayView data)
{
    if (m_state != State::Streaming || !m_connection || !m_socket)
        return false;
    if (data.isEmpty() || m_mode.headOnly)
        return true;
    return writeChunkParts(data, QByteArrayView("\r\n", 2));
}

bool HttpResponder::writeChunkParts(QByteArrayView data, QByteArrayView trailer)
{
    if (m_socket->bytesToWrite() > maxPendingBytes) {
        m_socket->abort();
        return false;
    }
    if (m_mode.http10) {
        m_connection->writeResponseParts(data, {}, {});
        return true;
    }
    // Size line, data and trailer leave in one sendmsg() without being copied together first.
    char sizeLine[24];
    char *end = sizeLine + sizeof sizeLine;
    char *p = end;
    *--p = '\n';
    *--p = '\r';
    p = writeHexBackwards(p, static_cast<unsigned long long>(data.size()));
    m_connection->writeResponseParts(QByteArrayView(p, end - p), data, trailer);
    return true;
}

void HttpResponder::endStream(QByteArrayView lastChunk)
{
    if (m_state != State::Streaming)
        return;
    m_state = State::Done;
    if (!m_connection)
        return;
    if (!m_mode.headOnly) {
        if (lastChunk.isEmpty() || !m_socket) {
            if (!m_mode.http10)
                write(QByteArrayLiteral("0\r\n\r\n"));
        } else {
            writeChunkParts(lastChunk, m_mode.http10 ? QByteArrayView() : QByteArrayView("\r\n0\r\n\r\n", 7));
        }
    }
    finish(m_streamKeepAlive);
}

bool HttpResponder::isConnected() const
{
    return m_connection && m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

} // namespace Drawbridge
