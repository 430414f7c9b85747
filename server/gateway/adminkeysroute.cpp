// SPDX-License-Identifier: MIT
#include "adminkeysroute.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "gatewayserver.h"
#include "keyservice.h"
#include "server/core/clientstringbounds.h"
#include "server/core/modelcatalog.h"
#include "server/core/ratelimiter.h"

namespace Drawbridge {

namespace {

QJsonValue isoOrNull(const std::optional<qint64> &ms)
{
    if (!ms)
        return QJsonValue::Null;
    return QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject keyJson(GatewayServer &server, const ApiKeyRecord &r)
{
    const int defaultRpm = server.services().settings.limits.defaultRpm;
    QJsonObject o { { QLatin1String("id"), r.id },
                    { QLatin1String("name"), r.name },
                    { QLatin1String("prefix"), QString(QStringLiteral("db-") + r.id) },
                    { QLatin1String("rate_limit_rpm"), r.rateLimitRpm.value_or(defaultRpm) },
                    { QLatin1String("rate_limit_is_default"), !r.rateLimitRpm.has_value() },
                    { QLatin1String("models"), QJsonArray::fromStringList(r.models) },
                    { QLatin1String("created_at"), isoOrNull(r.createdAtMs) },
                    { QLatin1String("expires_at"), isoOrNull(r.expiresAtMs) },
                    { QLatin1String("revoked_at"), isoOrNull(r.revokedAtMs) },
                    { QLatin1String("last_used_at"), isoOrNull(r.lastUsedAtMs) },
                    { QLatin1String("requests"), double(server.services().keys.requestCount(r.id)) } };
    const RateLimiter::Decision w = server.services().limiter.peek(r.id, r.rateLimitRpm.value_or(defaultRpm));
    o.insert(QLatin1String("window"),
             QJsonObject { { QLatin1String("used"), w.limit - w.remaining },
                           { QLatin1String("remaining"), w.remaining },
                           { QLatin1String("reset"), double(w.resetUnixS()) } });
    return o;
}

struct Invalid
{
    QString param;
    QString message;
};

QJsonObject parseBody(const QByteArray &body)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body.isEmpty() ? QByteArrayLiteral("{}") : body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        throw Invalid { {}, QStringLiteral("The request body must be a JSON object.") };
    return doc.object();
}

std::optional<int> parseRpm(const QJsonValue &v)
{
    if (v.isNull())
        return std::nullopt;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d != double(qint64(d)) || d < 1 || d > 1'000'000)
        throw Invalid {
            QStringLiteral("rate_limit_rpm"),
            QStringLiteral(
                "'rate_limit_rpm' must be an integer between 1 and 1000000, or null for the default.")
        };
    return int(d);
}

QStringList parseModels(GatewayServer &server, const QJsonValue &v)
{
    if (v.isNull())
        return {};
    if (!v.isArray())
        throw Invalid { QStringLiteral("models"),
                        QStringLiteral("'models' must be an array of model ids ([] = every model).") };
    QStringList out;
    for (const QJsonValue &m : v.toArray()) {
        if (!m.isString())
            throw Invalid { QStringLiteral("models"),
                            QStringLiteral("'models' must be an array of model ids.") };
        if (!server.services().models.resolve(m.toString()))
            throw Invalid { QStringLiteral("models"),
                            QStringLiteral("Unknown model '%1'.").arg(m.toString()) };
        out.append(m.toString());
    }
    return out;
}

std::optional<qint64> parseExpiry(const QJsonValue &v, qint64 nowMs)
{
    if (v.isNull())
        return std::nullopt;
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    if (!v.isString() || !t.isValid())
        throw Invalid { QStringLiteral("expires_at"),
                        QStringLiteral(
                            "'expires_at' must be an ISO-8601 date-time, e.g. 2027-01-31T00:00:00Z.") };
    if (t.toMSecsSinceEpoch() <= nowMs)
        throw Invalid { QStringLiteral("expires_at"), QStringLiteral("'expires_at' must be in the future.") };
    return t.toMSecsSinceEpoch();
}

QString parseName(const QJsonValue &v)
{
    if (!v.isString())
        throw Invalid { QStringLiteral("name"), QStringLiteral("'name' must be a string.") };
    const QString name = v.toString().trimmed();
    if (const auto problem = ClientStringBounds::nameProblem(name))
        throw Invalid { QStringLiteral("name"), *problem };
    return name;
}

void badRequest(GatewayServer &server, RouteRequest &request, const Invalid &e)
{
    server.sendError(request, ApiError { ApiErrorKind::InvalidRequest, e.message, e.param });
}

void storageError(GatewayServer &server, RouteRequest &request, const QString &message)
{
    server.sendError(request,
                     ApiError { ApiErrorKind::Internal, QStringLiteral("Storage error: %1").arg(message) });
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

void handleCreateKey(GatewayServer &server, RouteRequest &request)
{
    if (!server.admitAdmin(request))
        return;
    KeyService::NewKey nk;
    try {
        const QJsonObject o = parseBody(request.http.body());
        nk.name = o.contains(QLatin1String("name")) ? parseName(o.value(QLatin1String("name")))
                                                    : QStringLiteral("key");
        if (o.contains(QLatin1String("rate_limit_rpm")))
            nk.rateLimitRpm = parseRpm(o.value(QLatin1String("rate_limit_rpm")));
        if (o.contains(QLatin1String("models")))
            nk.models = parseModels(server, o.value(QLatin1String("models")));
        if (o.contains(QLatin1String("expires_at")))
            nk.expiresAtMs = parseExpiry(o.value(QLatin1String("expires_at")), request.startedMs);
    } catch (const Invalid &e) {
        badRequest(server, request, e);
        return;
    }
    auto created = server.services().keys.create(nk);
    if (!created) {
        storageError(server, request, created.error());
        return;
    }
    QJsonObject o = keyJson(server, created->record);
    o.insert(QLatin1String("key"), created->key);
    request.responder->sendJson(201, compact(o));
}

void handleListKeys(GatewayServer &server, RouteRequest &request)
{
    if (!server.admitAdmin(request))
        return;
    QJsonArray data;
    for (const ApiKeyRecord &r : server.services().keys.list())
        data.append(keyJson(server, r));
    request.responder->sendJson(200, compact(QJsonObject { { QLatin1String("data"), data } }));
}

void handleGetKey(GatewayServer &server, RouteRequest &request)
{
    if (!server.admitAdmin(request))
        return;
    const auto r = server.services().keys.find(request.params.value(0));
    if (!r) {
        server.sendError(request,
                         ApiError { ApiErrorKind::ResourceNotFound,
                                    QStringLiteral("No key with id '%1'.").arg(request.params.value(0)) });
        return;
    }
    request.responder->sendJson(200, compact(keyJson(server, *r)));
}

void handlePatchKey(GatewayServer &server, RouteRequest &request)
{
    if (!server.admitAdmin(request))
        return;
    KeyService::Patch patch;
    try {
        const QJsonObject o = parseBody(request.http.body());
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QString k = it.key();
            if (k == QLatin1String("name"))
                patch.name = parseName(it.value());
            else if (k == QLatin1String("rate_limit_rpm"))
                patch.rateLimitRpm = parseRpm(it.value());
            else if (k == QLatin1String("models"))
                patch.models = parseModels(server, it.value());
            else if (k == QLatin1String("expires_at"))
                patch.expiresAtMs = parseExpiry(it.value(), request.startedMs);
            else
                throw Invalid {
                    k,
                    QStringLiteral(
                        "'%1' cannot be changed; editable: name, rate_limit_rpm, models, expires_at.")
                        .arg(k)
                };
        }
    } catch (const Invalid &e) {
        badRequest(server, request, e);
        return;
    }
    auto updated = server.services().keys.update(request.params.value(0), patch);
    if (!updated) {
        storageError(server, request, updated.error());
        return;
    }
    if (!updated->has_value()) {
        server.sendError(request,
                         ApiError { ApiErrorKind::ResourceNotFound,
                                    QStringLiteral("No key with id '%1'.").arg(request.params.value(0)) });
        return;
    }
    request.responder->sendJson(200, compact(keyJson(server, **updated)));
}

void handleRevokeKey(GatewayServer &server, RouteRequest &request)
{
    if (!server.admitAdmin(request))
        return;
    const QString id = request.params.value(0);
    auto revoked = server.services().keys.revoke(id);
    if (!revoked) {
        storageError(server, request, revoked.error());
        return;
    }
    if (!*revoked) {
        server.sendError(
            request,
            ApiError { ApiErrorKind::ResourceNotFound, QStringLiteral("No key with id '%1'.").arg(id) });
        return;
    }
    server.services().limiter.forget(id);
    const auto r = server.services().keys.find(id);
    request.responder->sendJson(200, compact(keyJson(server, *r)));
}

} // namespace Drawbridge
