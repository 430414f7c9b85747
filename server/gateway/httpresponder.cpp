// SPDX-License-Identifier: MIT
#include "httpresponder.h"

namespace Drawbridge {

namespace {

// A client this far behind on a stream is not reading; keep memory bounded and cut it off.
constexpr qint64 maxPendingBytes = 8 * 1024 * 1024;

} // namespace

HttpResponder::HttpResponder(QTcpSocket *socket, bool keepAlive)
    : m_socket(socket), m_keepAlive(keepAlive) { }

void HttpResponder::addHeader(const QByteArray &name, const QByteArray &value)
{
    m_extraHeaders.append({ name, value });
}

QByteArray HttpResponder::reasonPhrase(int status)
{
    switch (status) {
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
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 529:
        return QByteArrayLiteral("Overloaded");
    default:
        return QByteArrayLiteral("Status");
    }
}

void HttpResponder::appendHead(QByteArray &out, int status, const QByteArray &contentType,
                               const ResponseHeaders &headers) const
{
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    if (!contentType.isEmpty()) {
        out += "Content-Type: ";
        out += contentType;
        out += "\r\n";
    }
    for (const auto &h : m_extraHeaders) {
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
    for (const auto &h : headers) {
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
    if (!m_keepAlive)
        out += "Connection: close\r\n";
}

void HttpResponder::send(int status, const QByteArray &contentType, const QByteArray &body,
                         const ResponseHeaders &headers)
{
    if (m_state != State::Idle)
        return;
    m_state = State::Done;
    m_status = status;
    if (!m_socket)
        return;
    QByteArray out;
    out.reserve(256 + body.size());
    appendHead(out, status, contentType, headers);
    out += "Content-Length: ";
    out += QByteArray::number(body.size());
    out += "\r\n\r\n";
    out += body;
    m_socket->write(out);
    finishConnection();
}

void HttpResponder::sendJson(int status, const QByteArray &json, const ResponseHeaders &headers)
{
    send(status, QByteArrayLiteral("application/json"), json, headers);
}

void HttpResponder::beginStream(int status, const QByteArray &contentType, const ResponseHeaders &headers)
{
    if (m_state != State::Idle)
        return;
    m_state = State::Streaming;
    m_status = status;
    if (!m_socket)
        return;
    QByteArray out;
    out.reserve(512);
    appendHead(out, status, contentType, headers);
    out += "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n";
    m_socket->write(out);
}

bool HttpResponder::writeChunk(const QByteArray &data)
{
    if (m_state != State::Streaming || !m_socket)
        return false;
    if (data.isEmpty())
        return true;
    if (m_socket->bytesToWrite() > maxPendingBytes) {
        m_socket->abort();
        return false;
    }
    QByteArray out;
    out.reserve(data.size() + 12);
    out += QByteArray::number(data.size(), 16);
    out += "\r\n";
    out += data;
    out += "\r\n";
    m_socket->write(out);
    return true;
}

void HttpResponder::endStream()
{
    if (m_state != State::Streaming)
        return;
    m_state = State::Done;
    if (!m_socket)
        return;
    m_socket->write("0\r\n\r\n", 5);
    finishConnection();
}

bool HttpResponder::isConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpResponder::finishConnection()
{
    if (!m_keepAlive && m_socket)
        m_socket->disconnectFromHost();
}

} // namespace Drawbridge
