// SPDX-License-Identifier: MIT
#include "guardedtcpserver.h"

#include <QTcpSocket>
#include <QTimer>

#include "server/core/apierror.h"

namespace Drawbridge {

namespace {

class GuardedSocket final : public QTcpSocket
{
public:
    GuardedSocket(qint64 limit, QObject *parent) : QTcpSocket(parent), m_limit(limit)
    {
        // Connected before the HTTP server connects its own handler, so this sees new data first.
        connect(this, &QIODevice::readyRead, this, &GuardedSocket::onReadyRead);
    }

protected:
    qint64 writeData(const char *data, qint64 len) override
    {
        // A response is going out: the request it answers is complete.
        m_received = 0;
        return QTcpSocket::writeData(data, len);
    }

private:
    void onReadyRead()
    {
        if (m_rejected) {
            readAll();
            return;
        }
        // The HTTP parser drains the socket on every readyRead, so what is available now is new.
        m_received += bytesAvailable();
        if (m_received <= m_limit)
            return;
        m_rejected = true;
        readAll();
        const QByteArray body = openAiErrorBody(ApiError {
            ApiErrorKind::PayloadTooLarge, QStringLiteral("Request body too large (server.max_body_mb).") });
        const QByteArray response = "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                                    "Connection: close\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        QTcpSocket::writeData(response.constData(), response.size());
        // Closing while the client is still sending makes the kernel reset the connection, and the client
        // never reads the 413. Discard its input for a short while, then close for good.
        QTimer::singleShot(2000, this, [this] { disconnectFromHost(); });
    }

    qint64 m_limit;
    qint64 m_received = 0;
    bool m_rejected = false;
};

} // namespace

GuardedTcpServer::GuardedTcpServer(qint64 maxRequestBytes, QObject *parent)
    : QTcpServer(parent), m_maxRequestBytes(maxRequestBytes)
{
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new GuardedSocket(m_maxRequestBytes, this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    addPendingConnection(socket);
}

} // namespace Drawbridge
