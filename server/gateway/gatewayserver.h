// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <functional>
#include <set>

#include "gatewaycontext.h"
#include "httprequesthandler.h"
#include "requestguard.h"
#include "router.h"
#include "server/core/adminmodule.h"
#include "server/core/result.h"

class QTcpSocket;

namespace Drawbridge {

class GuardedTcpServer;
class HttpServerConnection;
class KeysAdminModule;
class TeamStatus;

/**
 * @brief The HTTP front door: routing, local-server hardening, client and admin authentication, drain.
 *
 * Drawbridge's own HTTP/1.1 server (HttpServerConnection, HttpRequestParser; see docs/architecture.md for why
 * not QHttpServer): bounded request parsing, in-order answers, connection cap and idle deadlines.
 */
class GatewayServer final : public QObject, public HttpRequestHandler
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
    /** Ends a drain: /health is ok again and new requests are served (POST /admin/resume, the tray). */
    void resume();
    /** Browser origins allowed from now on (server.cors_origins, changed while running). */
    void setCorsOrigins(const QStringList &origins) { m_guard.setCorsOrigins(origins); }
    bool isDraining() const { return m_draining; }
    /**
     * Team mode: where `/health` and `/admin/metrics` find the team's figures (their `team` objects); null
     * (SQLite) leaves both answering for this instance alone.
     */
    void setTeamStatus(const TeamStatus *team) { m_team = team; }
    /** Draining, nothing in flight and every answer flushed: the process may exit without losing bytes. */
    bool isDrained() const;
    int inFlight() const { return m_inFlight; }
    /** Responses handed to a connection that are not complete and flushed yet (for a drain to wait on). */
    int responsesInFlight() const;
    int openConnections() const { return int(m_connections.size()); }

    /**
     * What only load needs is given back once the gateway has been idle for @p after (on the Clock): no
     * exchange in flight since then and every answer flushed. The gateway frees its own per-thread buffers
     * (FastJsonReader's parser), then calls @p release (the composition root trims the allocator), on this
     * thread from a timer, never on the request path. It runs once per idle period and again only after new
     * requests; @p release returns how long to wait before one more run if the gateway stays idle (0: none),
     * for memory let go later by others, such as the upstream's idle keep-alive connections.
     * docs/architecture.md, "Memory after load".
     */
    using IdleRelease = std::function<std::chrono::milliseconds()>;
    void setIdleRelease(IdleRelease release, std::chrono::milliseconds after);

    using Handler = std::function<void(GatewayServer &, RouteRequest &)>;

    // Shared by the route implementations.
    GatewayServices &services() { return m_services; }
    /** Auth + rate limit for /v1; null when a response was already sent. */
    const ApiKeyRecord *admitClient(RouteRequest &request);
    /** Admin-token check; false when a 401 was sent. */
    bool admitAdmin(RouteRequest &request);
    /** Anthropic error shape and statuses on /v1/messages paths, the OpenAI shape elsewhere. */
    void sendError(RouteRequest &request, const ApiError &error);
    static void sendError(HttpResponder &responder, const QString &path, const ApiError &error);
    static bool isAnthropicPath(const QString &path);
    /** The ledger's endpoint label of a /v1 path: chat, messages, responses or models. */
    static QString endpointLabel(const QString &path);
    void reportFinished(const RequestRecord &record);
    void exchangeStarted();
    /**
     * True the first time @p mapping (a requested model and what serves it) is seen: a family fallback is
     * logged once, not on every request of a Claude Code session. Bounded: past 1,024 distinct mappings it
     * starts over.
     */
    bool firstSightOfModelMapping(const QString &mapping);
    void exchangeEnded();

    // HttpRequestHandler
    void handleRequest(const HttpServerRequest &request,
                       const std::shared_ptr<HttpResponder> &responder) override;
    std::optional<Refusal> refuseHead(const HttpServerRequest &head) const override;
    QByteArray protocolErrorBody(const QString &path, int status, const QString &message) const override;

Q_SIGNALS:
    void drainingChanged(bool draining);
    void drained();
    void requestFinished(const Drawbridge::RequestRecord &record);
    /** A connection finished writing a response (or went away with one unfinished). */
    void responseFlushed();
    /** A client connection was accepted or closed; @p open is how many are open now. */
    void connectionCountChanged(int open);

private:
    void onConnectionAccepted(QTcpSocket *socket);
    void onConnectionClosed(HttpServerConnection *connection);
    void sweepConnections();
    void armIdleRelease(qint64 dueNs, qint64 nowNs);
    void releaseIdleMemory();
    void registerRoutes();
    void handleHealth(RouteRequest &request);
    void handleModels(RouteRequest &request);
    void handleModel(RouteRequest &request);
    void handleMetrics(RouteRequest &request);
    using AdminHandler = std::function<void(const AdminRequest &, AdminResponder)>;
    /** Registers @p routes below /admin/: routed like every route, then the admin token, then the handler. */
    void addAdminRoutes(std::vector<AdminRoute> routes);
    /** /admin/metrics, /admin/drain, /admin/resume. */
    std::vector<AdminRoute> operationsAdminRoutes();
    void serveAdmin(const AdminHandler &handler, RouteRequest &request);
    void checkDrained();
    /** Refuses waiting requests of @p keyId (every key when empty) whose key lost its access. */
    void enforceKeyAccess(const QString &keyId);
    void recordRejected(RouteRequest &request, const QString &keyId, int status, const QString &statusLabel);

    GatewayServices m_services;
    RequestGuard m_guard;
    Router<Handler> m_router;
    QPointer<GuardedTcpServer> m_tcp;
    QByteArray m_adminTokenHash;
    quint16 m_port = 0;
    bool m_draining = false;
    const TeamStatus *m_team = nullptr;
    bool m_drainedEmitted = false;
    int m_inFlight = 0;
    qint64 m_maxBodyBytes;
    std::unique_ptr<KeysAdminModule> m_keysAdmin;
    std::set<HttpServerConnection *> m_connections;
    QTimer m_sweep;
    QTimer m_idleRelease; ///< single shot, a child named "idleMemoryRelease" (tests watch it)
    IdleRelease m_release;
    qint64 m_releaseAfterNs = 0;
    qint64 m_releaseDueNs = 0; ///< when the next release may run
    qint64 m_releaseTimerDueNs = 0; ///< what m_idleRelease was started for
    QSet<QString> m_modelMappingsLogged;
};

} // namespace Drawbridge
