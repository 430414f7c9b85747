// SPDX-License-Identifier: MIT
#include "singleinstance.h"

#include <QCryptographicHash>
#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QStandardPaths>

#include <algorithm>

#include "server/core/settings.h"

namespace Drawbridge {

namespace {

const QByteArray raiseMessage = QByteArrayLiteral("raise\n");
// How long a connected second launch waits for the running instance's answer, at least (see raiseRunning).
constexpr int answerTimeoutFloorMs = 15'000;

} // namespace

SingleInstance::SingleInstance(QString serverName, QObject *parent)
    : QObject(parent), m_name(std::move(serverName)), m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server->nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
                if (socket->canReadLine() && socket->readLine() == raiseMessage) {
                    socket->write("ok\n");
                    Q_EMIT raiseRequested();
                }
            });
        }
    });
}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::serverNameFor(const Settings &settings, bool ephemeral)
{
    if (ephemeral)
        return {};
    QString dataDir = settings.storage.dataDir;
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    const QByteArray identity = (user + QLatin1Char('\n') + QDir::cleanPath(dataDir) + QLatin1Char('\n')
                                 + QString::number(settings.server.port))
                                    .toUtf8();
    return QStringLiteral("drawbridge-")
        + QString::fromLatin1(
               QCryptographicHash::hash(identity, QCryptographicHash::Sha256).toHex().left(16));
}

bool SingleInstance::raiseRunning(const QString &serverName, int timeoutMs)
{
    if (serverName.isEmpty())
        return false;
    QLocalSocket socket;
    socket.connectToServer(serverName);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    // Connected means a live instance listens (a stale socket file refuses the connection). One that is still
    // starting, or on a loaded machine, may take longer than the connect timeout to answer; giving up then
    // would start a second instance of the same profile. So the answer gets more time than the connection.
    const int answerTimeoutMs = std::max(timeoutMs, answerTimeoutFloorMs);
    socket.write(raiseMessage);
    if (!socket.waitForBytesWritten(answerTimeoutMs))
        return false;
    // The answer proves a live instance took the request (not a socket that just accepted it).
    while (!socket.canReadLine()) {
        if (!socket.waitForReadyRead(answerTimeoutMs))
            return false;
    }
    return socket.readLine() == QByteArrayLiteral("ok\n");
}

bool SingleInstance::listen()
{
    if (m_name.isEmpty())
        return false;
    if (m_server->listen(m_name))
        return true;
    if (m_server->serverError() == QAbstractSocket::AddressInUseError) {
        QLocalServer::removeServer(m_name);
        return m_server->listen(m_name);
    }
    return false;
}

} // namespace Drawbridge
