// SPDX-License-Identifier: MIT
#include "rawhttpclient.h"

#include <QHostAddress>
#include <QTest>

namespace Drawbridge::Test {

RawHttpClient::RawHttpClient(quint16 port) : m_port(port) { }

bool RawHttpClient::ensureConnected()
{
    if (m_socket.state() == QAbstractSocket::ConnectedState)
        return true;
    m_socket.abort();
    m_buffer.clear();
    m_socket.connectToHost(QHostAddress::LocalHost, m_port);
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 5000);
}

bool RawHttpClient::isConnected() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void RawHttpClient::close()
{
    m_socket.abort();
    m_buffer.clear();
}

QByteArray RawHttpClient::build(const QByteArray &method, const QByteArray &path, quint16 port,
                                const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QByteArray raw = method + ' ' + path + " HTTP/1.1\r\n";
    bool hasHost = false;
    for (const auto &h : headers) {
        if (h.first.toLower() == "host")
            hasHost = true;
    }
    if (!hasHost)
        raw += "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    for (const auto &h : headers)
        raw += h.first + ": " + h.second + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PATCH")
        raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    raw += "\r\n";
    raw += body;
    return raw;
}

bool RawHttpClient::parse(const QByteArray &data, RawResponse &out)
{
    out = RawResponse();
    const qsizetype headEnd = data.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return false;
    const QList<QByteArray> lines = data.left(headEnd).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    out.status = statusLine.value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            out.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    const QByteArray rest = data.mid(headEnd + 4);
    out.chunked = out.header("transfer-encoding").toLower() == "chunked";
    if (out.chunked) {
        qsizetype pos = 0;
        while (true) {
            const qsizetype eol = rest.indexOf("\r\n", pos);
            if (eol < 0)
                return false;
            bool ok = false;
            const qsizetype len = rest.mid(pos, eol - pos).trimmed().toLongLong(&ok, 16);
            if (!ok)
                return false;
            if (len == 0) {
                out.complete = rest.indexOf("\r\n", eol + 2) >= 0;
                return out.complete;
            }
            if (rest.size() < eol + 2 + len + 2)
                return false;
            out.body += rest.mid(eol + 2, len);
            pos = eol + 2 + len + 2;
        }
    }
    const qsizetype length = out.header("content-length").toLongLong();
    out.body = rest.left(length);
    out.complete = rest.size() >= length;
    return out.complete;
}

RawResponse RawHttpClient::send(const QByteArray &raw, int timeoutMs)
{
    return startAndWait(
        raw, [](const RawResponse &r) { return r.complete; }, timeoutMs);
}

RawResponse RawHttpClient::startAndWait(const QByteArray &raw,
                                        const std::function<bool(const RawResponse &)> &until, int timeoutMs)
{
    if (!ensureConnected())
        return {};
    m_buffer.clear();
    m_socket.write(raw);
    return waitFor(until, timeoutMs);
}

RawResponse RawHttpClient::waitFor(const std::function<bool(const RawResponse &)> &until, int timeoutMs)
{
    RawResponse r;
    (void)QTest::qWaitFor(
        [&] {
            m_buffer += m_socket.readAll();
            parse(m_buffer, r);
            return until(r)
                || (m_socket.state() != QAbstractSocket::ConnectedState && m_socket.bytesAvailable() == 0);
        },
        timeoutMs);
    m_buffer += m_socket.readAll();
    parse(m_buffer, r);
    if (r.complete) {
        // Keep any bytes of a following response for the next call.
        m_buffer.clear();
    }
    return r;
}

RawResponse RawHttpClient::request(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                                   const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    return send(build(method, path, m_port, body, headers), timeoutMs);
}

} // namespace Drawbridge::Test
