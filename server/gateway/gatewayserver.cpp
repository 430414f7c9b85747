// SPDX-License-Identifier: MIT
#include "gatewayserver.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <algorithm>
#include <vector>

#include "anthropicmessagesroute.h"
#include "chatcompletionsroute.h"
#include "chatexchange.h"
#include "fastjsonreader.h"
#include "guardedtcpserver.h"
#include "httpserverconnection.h"
#include "keysadminmodule.h"
#include "keyservice.h"
#include "resentbody.h"
#include "responsesroute.h"
#include "server/core/adminmodule.h"
#include "server/core/apikeycodec.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/core/modelcatalog.h"
#include "server/core/provider.h"
#include "server/core/ratelimiter.h"
#include "server/core/teamstatus.h"

namespace Drawbridge {

namespace {

QByteArray bearerToken(const RouteRequest &r)
{
    // Views until the token itself: no trimmed, lower-cased and cut copies of the header per request.
    const QByteArrayView auth = r.header("authorization").trimmed();
    if (auth.size() > 7 && auth.first(7).compare("bearer ", Qt::CaseInsensitive) == 0)
        return auth.sliced(7).trimmed().toByteArray();
    return r.header("x-api-key").trimmed().toByteArray();
}

} // namespace

GatewayServer::GatewayServer(GatewayServices services, QObject *parent)
    : QObject(parent)
    , m_services(std::move(services))
    , m_guard(m_services.settings.server.host, m_services.settings.server.corsOrigins)
    , m_maxBodyBytes(qint64(m_services.settings.server.maxBodyMb) * 1024 * 1024)
    , m_keysAdmin(std::make_unique<KeysAdminModule>(m_services))
{
    registerRoutes();
    // Taking a key's access away also fails its requests still waiting for the upstream (docs/api.md#keys).
    connect(&m_services.keys, &KeyService::keyRevoked, this, &GatewayServer::enforceKeyAccess);
    connect(&m_services.keys, &KeyService::keyChanged, this, &GatewayServer::enforceKeyAccess);
    m_sweep.setInterval(std::chrono::milliseconds(
        std::clamp(qint64(m_services.settings.server.idleTimeoutS) * 1000 / 4, qint64(250), qint64(1000))));
    connect(&m_sweep, &QTimer::timeout, this, &GatewayServer::sweepConnections);
    m_idleRelease.setParent(this);
    m_idleRelease.setObjectName(QStringLiteral("idleMemoryRelease"));
    m_idleRelease.setSingleShot(true);
    connect(&m_idleRelease, &QTimer::timeout, this, &GatewayServer::releaseIdleMemory);
}

GatewayServer::~GatewayServer()
{
    // Connections refer to this server as their handler: they go first.
    for (HttpServerConnection *c : m_connections) {
        disconnect(c, nullptr, this, nullptr);
        delete c;
    }
    m_connections.clear();
}

void GatewayServer::registerRoutes()
{
    m_router.add("GET", QStringLiteral("/health"),
                 [](GatewayServer &s, RouteRequest &r) { s.handleHealth(r); });
    m_router.add("GET", QStringLiteral("/metrics"),
                 [](GatewayServer &s, RouteRequest &r) { s.handleMetrics(r); });
    m_router.add("GET", QStringLiteral("/v1/models"),
                 [](GatewayServer &s, RouteRequest &r) { s.handleModels(r); });
    m_router.add("GET", QStringLiteral("/v1/models/{id}"),
                 [](GatewayServer &s, RouteRequest &r) { s.handleModel(r); });
    m_router.add("POST", QStringLiteral("/v1/chat/completions"), &handleChatCompletions);
    m_router.add("POST", QStringLiteral("/v1/messages"), &handleAnthropicMessages);
    m_router.add("POST", QStringLiteral("/v1/messages/count_tokens"), &handleAnthropicCountTokens);
    m_router.add("POST", QStringLiteral("/v1/responses"), &handleResponses);
    // Every admin route, the gateway's own and those of lower layers, goes through addAdminRoutes().
    addAdminRoutes(operationsAdminRoutes());
    addAdminRoutes(m_keysAdmin->routes());
    for (AdminModule *module : m_services.adminModules)
        addAdminRoutes(module->routes());
}

void GatewayServer::addAdminRoutes(std::vector<AdminRoute> routes)
{
    for (AdminRoute &route : routes) {
        m_router.add(route.method, QStringLiteral("/admin/") + route.pattern,
                     [handler = std::move(route.handler)](GatewayServer &s, RouteRequest &r) {
                         s.serveAdmin(handler, r);
                     });
    }
}

std::vector<AdminRoute> GatewayServer::operationsAdminRoutes()
{
    return {
        { "GET", QStringLiteral("metrics"),
          [this](const AdminRequest &, AdminResponder reply) {
              QByteArray body = m_services.metrics ? m_services.metrics->json() : QByteArrayLiteral("{}");
              // Team mode: every instance's last report and the team's sums, from the cached snapshot.
              if (const auto team = m_team ? m_team->snapshot() : nullptr) {
                  QJsonObject o = QJsonDocument::fromJson(body).object();
                  o.insert(QLatin1String("team"), team->metricsJson(m_services.clock.nowMs()));
                  body = QJsonDocument(o).toJson(QJsonDocument::Compact);
              }
              reply(AdminReply { 200, body, std::nullopt });
          } },
        { "POST", QStringLiteral("drain"),
          [this](const AdminRequest &, AdminResponder reply) {
              startDrain();
              reply(AdminReply::ok(202,
                                   QJsonObject { { QLatin1String("status"), QLatin1String("draining") } }));
          } },
        { "POST", QStringLiteral("resume"),
          [this](const AdminRequest &, AdminResponder reply) {
              resume();
              reply(
                  AdminReply::ok(200, QJsonObject { { QLatin1String("status"), QLatin1String("serving") } }));
          } },
    };
}

void GatewayServer::serveAdmin(const AdminHandler &handler, RouteRequest &request)
{
    if (!admitAdmin(request))
        return;
    const AdminRequest admin { request.method, request.params, QUrlQuery(request.http.url()),
                               request.http.body(), request.startedMs };
    // The reply may come after this request object is gone (a token refresh): keep what rendering needs.
    handler(admin, [responder = request.responder, path = request.path](AdminReply reply) {
        if (reply.error)
            sendError(*responder, path, *reply.error);
        else
            responder->sendJson(reply.status, reply.json);
    });
}

bool GatewayServer::firstSightOfModelMapping(const QString &mapping)
{
    if (m_modelMappingsLogged.contains(mapping))
        return false;
    if (m_modelMappingsLogged.size() >= 1024)
        m_modelMappingsLogged.clear();
    m_modelMappingsLogged.insert(mapping);
    return true;
}

Result<quint16> GatewayServer::start()
{
    const QString host = m_services.settings.server.host;
    QHostAddress address;
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(host))
        return Error { QStringLiteral(
                           "server.host \"%1\" is not an IP address (use 127.0.0.1, ::1 or 0.0.0.0)")
                           .arg(host) };

    auto *tcp = new GuardedTcpServer(m_services.settings.server.maxConnections, this);
    // Bursts of IDE tools and agents open many connections at once; the default backlog of 50 drops them.
    tcp->setListenBacklogSize(1024);
    if (!tcp->start(address, quint16(m_services.settings.server.port))) {
        const QString reason = tcp->serverError() == QAbstractSocket::AddressInUseError
            ? QStringLiteral("port %1 is already in use (another Drawbridge?); choose another with --port")
                  .arg(m_services.settings.server.port)
            : tcp->errorString();
        delete tcp;
        return Error { QStringLiteral("cannot listen on %1:%2: %3")
                           .arg(host)
                           .arg(m_services.settings.server.port)
                           .arg(reason) };
    }
    m_tcp = tcp;
    connect(tcp, &GuardedTcpServer::connectionAccepted, this, &GatewayServer::onConnectionAccepted);
    m_port = tcp->serverPort();
    m_guard.setPort(m_port);
    if (!address.isLoopback())
        qCWarning(lcGateway).noquote()
            << "listening on" << host << "- reachable from other machines; only client keys protect the API";
    return m_port;
}

void GatewayServer::stop()
{
    if (m_tcp)
        m_tcp->stop();
}

QString GatewayServer::baseUrl() const
{
    QString host = m_services.settings.server.host;
    if (host == QLatin1String("0.0.0.0"))
        host = QStringLiteral("127.0.0.1");
    if (host.contains(u':'))
        host = u'[' + host + u']';
    return QStringLiteral("http://%1:%2").arg(host).arg(m_port);
}

void GatewayServer::setAdminToken(const QString &token)
{
    m_adminTokenHash = QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

void GatewayServer::startDrain()
{
    if (m_draining)
        return;
    m_draining = true;
    m_drainedEmitted = false;
    qCInfo(lcGateway) << "draining:" << m_inFlight << "request(s) in flight";
    Q_EMIT drainingChanged(true);
    checkDrained();
}

void GatewayServer::resume()
{
    if (!m_draining)
        return;
    m_draining = false;
    m_drainedEmitted = false;
    qCInfo(lcGateway) << "drain ended: serving again";
    Q_EMIT drainingChanged(false);
}

bool GatewayServer::isDrained() const
{
    // Finished is not enough: the last bytes of every answer must have reached the kernel, or an exit now
    // would cut them off.
    return m_draining && m_inFlight == 0 && responsesInFlight() == 0;
}

void GatewayServer::checkDrained()
{
    if (m_drainedEmitted || !isDrained())
        return;
    m_drainedEmitted = true;
    qCInfo(lcGateway) << "drained: every answer is flushed";
    Q_EMIT drained();
}

void GatewayServer::exchangeStarted()
{
    ++m_inFlight;
}

void GatewayServer::exchangeEnded()
{
    --m_inFlight;
    if (m_inFlight == 0 && m_release) {
        // The only place that arms the release, so it runs again only after new requests. Per request: a
        // clock read, and nothing else while the timer runs for an earlier due time (it finds the due time
        // moved and waits on).
        const qint64 now = m_services.clock.monotonicNs();
        armIdleRelease(now + m_releaseAfterNs, now);
    }
    checkDrained();
}

void GatewayServer::setIdleRelease(IdleRelease release, std::chrono::milliseconds after)
{
    m_release = std::move(release);
    m_releaseAfterNs = qint64(std::chrono::nanoseconds(after).count());
    if (!m_release)
        m_idleRelease.stop();
}

void GatewayServer::armIdleRelease(qint64 dueNs, qint64 nowNs)
{
    m_releaseDueNs = dueNs;
    // A timer due no later fires in time (and re-arms for the rest); only a later one (a follow-up's) moves.
    if (m_idleRelease.isActive() && m_releaseTimerDueNs <= dueNs)
        return;
    m_releaseTimerDueNs = dueNs;
    m_idleRelease.start(
        std::chrono::milliseconds(std::max<qint64>(0, (dueNs - nowNs + 999'999) / 1'000'000)));
}

void GatewayServer::releaseIdleMemory()
{
    if (!m_release || m_inFlight > 0) // the last exchange to end arms it again
        return;
    const qint64 now = m_services.clock.monotonicNs();
    if (now < m_releaseDueNs) {
        armIdleRelease(m_releaseDueNs, now);
        return;
    }
    if (responsesInFlight() > 0) { // an answer still on its way to a slow reader
        armIdleRelease(now + m_releaseAfterNs, now);
        return;
    }
    FastJsonReader::releaseThreadBuffers();
    ResentBody::releaseThreadBuffers();
    const std::chrono::milliseconds again = m_release();
    const qint64 done = m_services.clock.monotonicNs();
    qCDebug(lcGateway) << "idle: memory given back in" << (done - now) / 1000 << "us";
    if (again.count() > 0)
        armIdleRelease(done + qint64(std::chrono::nanoseconds(again).count()), done);
}

void GatewayServer::enforceKeyAccess(const QString &keyId)
{
    // Requests admitted earlier may still wait for a slot; a revoked, expired or narrowed key must not
    // reach the upstream (or bill) through them. Answers that have begun run to their end.
    const auto exchanges = findChildren<ChatExchange *>(Qt::FindDirectChildrenOnly);
    for (ChatExchange *e : exchanges) {
        if (!e->isWaiting() || (!keyId.isEmpty() && e->keyId() != keyId))
            continue;
        if (const auto refused = m_services.keys.accessError(e->keyId(), e->requestedModel())) {
            qCInfo(lcGateway) << "key" << e->keyId() << "lost its access; refusing a waiting request";
            e->refuseWaiting(*refused);
        }
    }
}

void GatewayServer::onConnectionAccepted(QTcpSocket *socket)
{
    HttpServerConnection::Options options;
    options.limits.maxBodyBytes = m_maxBodyBytes;
    options.idleTimeoutMs = qint64(m_services.settings.server.idleTimeoutS) * 1000;
    options.headerTimeoutMs = std::min<qint64>(options.idleTimeoutMs, 10'000);
    auto *connection = new HttpServerConnection(socket, options, m_services.clock, *this, this);
    m_connections.insert(connection);
    connect(connection, &HttpServerConnection::responseFlushed, this, &GatewayServer::responseFlushed);
    connect(connection, &HttpServerConnection::responseFlushed, this, &GatewayServer::checkDrained);
    connect(connection, &HttpServerConnection::closed, this,
            [this, connection] { onConnectionClosed(connection); });
    if (!m_sweep.isActive())
        m_sweep.start();
    Q_EMIT connectionCountChanged(int(m_connections.size()));
}

void GatewayServer::onConnectionClosed(HttpServerConnection *connection)
{
    if (m_connections.erase(connection) == 0)
        return;
    if (m_tcp)
        m_tcp->connectionClosed();
    if (m_connections.empty())
        m_sweep.stop();
    Q_EMIT connectionCountChanged(int(m_connections.size()));
    checkDrained(); // a connection that closed mid-answer has nothing left to flush
}

void GatewayServer::sweepConnections()
{
    const qint64 now = m_services.clock.monotonicNs();
    // checkTimeouts() may close a connection, which changes the set.
    const std::vector<HttpServerConnection *> all(m_connections.begin(), m_connections.end());
    for (HttpServerConnection *c : all) {
        if (m_connections.count(c))
            c->checkTimeouts(now);
    }
    // Keys expire with time, not with an event: waiting requests are checked on the same beat.
    if (m_inFlight > 0)
        enforceKeyAccess({});
}

int GatewayServer::responsesInFlight() const
{
    int n = 0;
    for (const HttpServerConnection *c : m_connections)
        n += c->hasResponseInFlight() ? 1 : 0;
    return n;
}

std::optional<HttpRequestHandler::Refusal> GatewayServer::refuseHead(const HttpServerRequest &head) const
{
    ResponseHeaders cors;
    const auto refused = m_guard.check(head.authority, head.value("origin").toByteArray(), cors);
    if (!refused)
        return std::nullopt;
    const bool anthropic = isAnthropicPath(head.path);
    return Refusal { anthropic ? anthropicErrorInfo(refused->kind).status
                               : apiErrorInfo(refused->kind).status,
                     anthropic ? anthropicErrorBody(*refused) : openAiErrorBody(*refused) };
}

QByteArray GatewayServer::protocolErrorBody(const QString &path, int status, const QString &message) const
{
    ApiError error { status == 413 ? ApiErrorKind::PayloadTooLarge
                                   : (status >= 500 ? ApiErrorKind::Internal : ApiErrorKind::InvalidRequest),
                     message };
    return isAnthropicPath(path) ? anthropicErrorBody(error) : openAiErrorBody(error);
}

void GatewayServer::handleRequest(const HttpServerRequest &request,
                                  const std::shared_ptr<HttpResponder> &responder)
{
    RouteRequest r { request,
                     request.method,
                     request.path,
                     {},
                     responder,
                     m_services.clock.monotonicNs(),
                     m_services.clock.nowMs() };

    if (r.method == "OPTIONS") {
        const auto pf = m_guard.preflight(request.authority, r.header("origin").toByteArray(),
                                          r.header("access-control-request-headers").toByteArray());
        if (pf.status != 204) {
            sendError(r,
                      ApiError { ApiErrorKind::OriginNotAllowed,
                                 QStringLiteral("Origin not allowed; add it to server.cors_origins to let a "
                                                "web page call Drawbridge") });
        } else {
            r.responder->send(204, {}, {}, pf.headers);
        }
        return;
    }

    ResponseHeaders cors;
    // The authority is the absolute-form target's when there is one, else Host (RFC 9112 §3.2.2).
    if (const auto refused = m_guard.check(request.authority, r.header("origin").toByteArray(), cors)) {
        qCInfo(lcGateway) << "refused" << r.method << r.path << refused->message;
        sendError(r, *refused);
        return;
    }
    for (const auto &h : cors)
        r.responder->addHeader(h.first, h.second);

    // HEAD is GET without the body (HttpResponder leaves it out).
    const QByteArray routeMethod = r.method == "HEAD" ? QByteArrayLiteral("GET") : r.method;
    const auto match = m_router.match(routeMethod, r.path);
    if (!match.handler) {
        if (!match.allowed.isEmpty()) {
            QByteArrayList allowed = match.allowed;
            if (allowed.contains("GET"))
                allowed.append("HEAD");
            r.responder->addHeader("Allow", allowed.join(", "));
            sendError(r,
                      ApiError { ApiErrorKind::MethodNotAllowed,
                                 QStringLiteral("Method %1 is not allowed on %2.")
                                     .arg(QString::fromLatin1(r.method), r.path) });
        } else {
            sendError(r,
                      ApiError { ApiErrorKind::RouteNotFound,
                                 QStringLiteral("Unknown request URL: %1 %2.")
                                     .arg(QString::fromLatin1(r.method), r.path) });
        }
        return;
    }
    r.params = match.params;
    (*match.handler)(*this, r);
}

bool GatewayServer::isAnthropicPath(const QString &path)
{
    return path == QLatin1String("/v1/messages") || path.startsWith(QLatin1String("/v1/messages/"));
}

QString GatewayServer::endpointLabel(const QString &path)
{
    if (isAnthropicPath(path))
        return QStringLiteral("messages");
    if (path == QLatin1String("/v1/responses"))
        return QStringLiteral("responses");
    if (path == QLatin1String("/v1/models") || path.startsWith(QLatin1String("/v1/models/")))
        return QStringLiteral("models");
    return QStringLiteral("chat");
}

void GatewayServer::sendError(RouteRequest &request, const ApiError &error)
{
    sendError(*request.responder, request.path, error);
}

void GatewayServer::sendError(HttpResponder &responder, const QString &path, const ApiError &error)
{
    ResponseHeaders h;
    if (error.retryAfterS > 0)
        h.append({ QByteArrayLiteral("Retry-After"), QByteArray::number(error.retryAfterS) });
    if (isAnthropicPath(path)) {
        responder.sendJson(anthropicErrorInfo(error.kind).status, anthropicErrorBody(error), h);
        return;
    }
    responder.sendJson(apiErrorInfo(error.kind).status, openAiErrorBody(error), h);
}

void GatewayServer::reportFinished(const RequestRecord &record)
{
    for (RequestObserver *o : m_services.observers)
        o->requestFinished(record);
    Q_EMIT requestFinished(record);
}

void GatewayServer::recordRejected(RouteRequest &request, const QString &keyId, int status,
                                   const QString &statusLabel)
{
    RequestRecord rec;
    rec.startedMs = request.startedMs;
    rec.keyId = keyId;
    rec.endpoint = endpointLabel(request.path);
    rec.httpStatus = status;
    rec.status = statusLabel;
    rec.latencyMs = (m_services.clock.monotonicNs() - request.startedNs) / 1'000'000;
    rec.overheadSeconds = double(m_services.clock.monotonicNs() - request.startedNs) / 1e9;
    reportFinished(rec);
}

const ApiKeyRecord *GatewayServer::admitClient(RouteRequest &request)
{
    if (m_draining) {
        sendError(request,
                  ApiError { ApiErrorKind::Draining,
                             QStringLiteral("Drawbridge is shutting down; retry shortly."),
                             {},
                             5 });
        return nullptr;
    }
    const QByteArray token = bearerToken(request);
    if (token.isEmpty()) {
        sendError(request,
                  ApiError { ApiErrorKind::InvalidApiKey,
                             QStringLiteral("You didn't provide an API key. Send a Drawbridge key (db-…) as "
                                            "'Authorization: Bearer <key>'.") });
        recordRejected(request, {}, 401, QStringLiteral("unauthorized"));
        return nullptr;
    }
    const auto auth = m_services.keys.authenticate(QString::fromLatin1(token));
    if (const ApiError *err = std::get_if<ApiError>(&auth)) {
        sendError(request, *err);
        recordRejected(request, {}, 401, QStringLiteral("unauthorized"));
        return nullptr;
    }
    const ApiKeyRecord *key = std::get<const ApiKeyRecord *>(auth);
    const int limit = key->rateLimitRpm.value_or(m_services.settings.limits.defaultRpm);
    const RateLimiter::Decision d = m_services.limiter.acquire(key->id, limit);
    // Names as literals: on every admitted request, a name from a C string was an allocation of its own.
    request.responder->addHeader(QByteArrayLiteral("X-RateLimit-Limit"), QByteArray::number(d.limit));
    request.responder->addHeader(QByteArrayLiteral("X-RateLimit-Remaining"), QByteArray::number(d.remaining));
    request.responder->addHeader(QByteArrayLiteral("X-RateLimit-Reset"), QByteArray::number(d.resetUnixS()));
    if (!d.admitted) {
        sendError(request,
                  ApiError { ApiErrorKind::RateLimited,
                             QStringLiteral(
                                 "Rate limit reached for key %1: %2 requests per minute. Retry after %3 s.")
                                 .arg(key->id)
                                 .arg(d.limit)
                                 .arg(d.retryAfterS),
                             {},
                             d.retryAfterS });
        recordRejected(request, key->id, 429, QStringLiteral("rate_limited"));
        return nullptr;
    }
    m_services.keys.noteUsed(key->id, request.startedMs);
    return key;
}

bool GatewayServer::admitAdmin(RouteRequest &request)
{
    const QByteArray token = bearerToken(request);
    const QByteArray presented = QCryptographicHash::hash(token, QCryptographicHash::Sha256);
    if (token.isEmpty() || m_adminTokenHash.isEmpty()
        || !ApiKeyCodec::constantTimeEquals(presented, m_adminTokenHash)) {
        sendError(request,
                  ApiError { ApiErrorKind::InvalidAdminToken,
                             QStringLiteral("Admin routes need the admin token (drawbridge "
                                            "--print-admin-token); client keys are not accepted.") });
        return false;
    }
    return true;
}

void GatewayServer::handleHealth(RouteRequest &request)
{
    const PoolStatus pool = m_services.provider.poolStatus();
    QString status;
    int http = 200;
    if (m_draining) {
        status = QStringLiteral("draining");
        http = 503;
    } else if (pool.usableAccounts == 0) {
        status = QStringLiteral("unavailable");
        http = 503;
    } else if (pool.usableAccounts < pool.enabledAccounts) {
        status = QStringLiteral("degraded");
    } else {
        status = QStringLiteral("healthy");
    }
    QJsonObject o { { QLatin1String("status"), status },
                    { QLatin1String("accounts"), pool.enabledAccounts },
                    { QLatin1String("total_slots"), pool.totalSlots },
                    { QLatin1String("available_slots"), pool.availableSlots },
                    { QLatin1String("in_flight"), pool.inFlight },
                    { QLatin1String("queued"), pool.queued } };
    // Team mode: the team's figures from the snapshot the heartbeat cached; never a database call here.
    if (const auto team = m_team ? m_team->snapshot() : nullptr)
        o.insert(QLatin1String("team"), team->healthJson(pool, m_services.clock.nowMs()));
    request.responder->sendJson(http, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void GatewayServer::handleModels(RouteRequest &request)
{
    if (!admitClient(request))
        return;
    QJsonArray data;
    for (const QString &id : m_services.models.listed()) {
        data.append(QJsonObject { { QLatin1String("id"), id },
                                  { QLatin1String("object"), QLatin1String("model") },
                                  { QLatin1String("created"), 1735689600 },
                                  { QLatin1String("owned_by"), QLatin1String("drawbridge") } });
    }
    request.responder->sendJson(
        200,
        QJsonDocument(QJsonObject { { QLatin1String("object"), QLatin1String("list") },
                                    { QLatin1String("data"), data } })
            .toJson(QJsonDocument::Compact));
}

void GatewayServer::handleModel(RouteRequest &request)
{
    if (!admitClient(request))
        return;
    const QString id = request.params.value(0);
    if (!m_services.models.resolve(id)) {
        sendError(request,
                  ApiError { ApiErrorKind::ModelNotFound,
                             QStringLiteral("The model '%1' does not exist.").arg(id),
                             QStringLiteral("model") });
        return;
    }
    request.responder->sendJson(
        200,
        QJsonDocument(QJsonObject { { QLatin1String("id"), id },
                                    { QLatin1String("object"), QLatin1String("model") },
                                    { QLatin1String("created"), 1735689600 },
                                    { QLatin1String("owned_by"), QLatin1String("drawbridge") } })
            .toJson(QJsonDocument::Compact));
}

void GatewayServer::handleMetrics(RouteRequest &request)
{
    const QByteArray text = m_services.metrics ? m_services.metrics->prometheusText() : QByteArray();
    request.responder->send(200, QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"), text);
}

} // namespace Drawbridge
