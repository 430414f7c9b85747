// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QPointer>

#include <functional>

#include "gatewaycontext.h"
#include "requestguard.h"
#include "router.h"
#include "server/core/result.h"

namespace Drawbridge {

class GuardedTcpServer;

/**
 * @brief The HTTP front door: routing, local-server hardening, client and admin authentication, drain.
 *
 * Built on QAbstractHttpServer for request parsing; responses are written by HttpResponder.
 */
class GatewayServer final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayServer)

public:
    explicit GatewayServer(GatewayServices services, QObject *parent = nullptr);
    ~GatewayServer() override;

    /** Binds to server.host:server.port; the error says why not (e.g. port in use). */
    Result<quint16> start();
    void stop();
    quint16 port() const { return m_port; }
    QString baseUrl() const;

    /** The admin token; only its hash is kept. */
    void setAdminToken(const QString &token);

    /** Health turns 503, new /v1 requests get 503, in-flight ones finish; drained() once none is left. */
    void startDrain();
    bool isDraining() const { return m_draining; }
    int inFlight() const { return m_inFlight; }

    using Handler = std::function<void(GatewayServer &, RouteRequest &)>;

    // Shared by the route implementations.
    GatewayServices &services() { return m_services; }
    /** Auth + rate limit for /v1; null when a response was already sent. */
    const ApiKeyRecord *admitClient(RouteRequest &request);
    /** Admin-token check; false when a 401 was sent. */
    bool admitAdmin(RouteRequest &request);
    /** Anthropic error shape and statuses on /v1/messages paths, the OpenAI shape elsewhere. */
    void sendError(RouteRequest &request, const ApiError &error);
    static bool isAnthropicPath(const QString &path);
    void reportFinished(const RequestRecord &record);
    void exchangeStarted();
    void exchangeEnded();

Q_SIGNALS:
    void drainingChanged(bool draining);
    void drained();
    void requestFinished(const Drawbridge::RequestRecord &record);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    void registerRoutes();
    void handleHealth(RouteRequest &request);
    void handleModels(RouteRequest &request);
    void handleModel(RouteRequest &request);
    void handleMetrics(RouteRequest &request);
    void handleAdminMetrics(RouteRequest &request);
    void handleDrain(RouteRequest &request);
    void handleAdminModule(RouteRequest &request);
    void recordRejected(RouteRequest &request, const QString &keyId, int status, const QString &statusLabel);

    GatewayServices m_services;
    RequestGuard m_guard;
    Router<Handler> m_router;
    QPointer<GuardedTcpServer> m_tcp;
    QByteArray m_adminTokenHash;
    quint16 m_port = 0;
    bool m_draining = false;
    int m_inFlight = 0;
    qint64 m_maxBodyBytes;
};

} // namespace Drawbridge
