// SPDX-License-Identifier: MIT
#include "keysadminmodule.h"

#include <QDateTime>
#include <QJsonArray>

#include "gatewaycontext.h"
#include "keyservice.h"
#include "server/core/clientstringbounds.h"
#include "server/core/jsonfieldreader.h"
#include "server/core/modelcatalog.h"
#include "server/core/ratelimiter.h"

namespace Drawbridge {

namespace {

using Null = JsonFieldReader::Null;

const QLatin1String nameField("name");
const QLatin1String rpmField("rate_limit_rpm");
const QLatin1String modelsField("models");
const QLatin1String expiresField("expires_at");

// An allow-list names a handful of models; the bound keeps one request from storing megabytes in the
// database.
constexpr qsizetype maxModels = 256;
constexpr qint64 maxRpm = 1'000'000;
// Names are checked against ClientStringBounds after trimming; this only bounds what is read.
constexpr qsizetype maxNameInputChars = 64 * 1024;

QJsonValue isoOrNull(const std::optional<qint64> &ms)
{
    if (!ms)
        return QJsonValue::Null;
    return QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

AdminReply notFound(const QString &id)
{
    return AdminReply::failure(
        ApiError { ApiErrorKind::ResourceNotFound, QStringLiteral("No key with id '%1'.").arg(id) });
}

AdminReply storageError(const QString &message)
{
    return AdminReply::failure(
        ApiError { ApiErrorKind::Internal, QStringLiteral("Storage error: %1").arg(message) });
}

/** A key's name: a string within the client-string bounds, trimmed. */
std::optional<QString> readName(JsonFieldReader &fields)
{
    const auto name = fields.string(nameField, maxNameInputChars, Null::Refused);
    if (!name)
        return std::nullopt;
    const QString trimmed = name->trimmed();
    if (const auto problem = ClientStringBounds::nameProblem(trimmed)) {
        fields.fail(nameField, *problem);
        return std::nullopt;
    }
    return trimmed;
}

/** The model allow-list: ids the gateway accepts; null or [] = every model. */
QStringList readModels(JsonFieldReader &fields, const ModelCatalog &catalog)
{
    const auto models
        = fields.stringList(modelsField, maxModels, ClientStringBounds::maxModelBytes, Null::Allowed);
    if (!models)
        return {};
    for (const QString &m : *models) {
        if (!catalog.resolve(m)) {
            fields.fail(modelsField, QStringLiteral("Unknown model '%1'.").arg(m));
            return {};
        }
    }
    return *models;
}

/** An expiry in the future, or nullopt (none). */
std::optional<qint64> readExpiry(JsonFieldReader &fields, qint64 nowMs)
{
    const auto at = fields.dateTime(expiresField, Null::Allowed);
    if (at && *at <= nowMs) {
        fields.fail(expiresField, QStringLiteral("'expires_at' must be in the future."));
        return std::nullopt;
    }
    return at;
}

std::optional<int> readRpm(JsonFieldReader &fields)
{
    const auto rpm = fields.integer(rpmField, 1, maxRpm, Null::Allowed);
    return rpm ? std::optional<int>(int(*rpm)) : std::nullopt;
}

} // namespace

KeysAdminModule::KeysAdminModule(GatewayServices &services) : m_services(services) { }

std::vector<AdminRoute> KeysAdminModule::routes()
{
    return {
        { "POST", QStringLiteral("keys"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(create(r)); } },
        { "GET", QStringLiteral("keys"),
          [this](const AdminRequest &, AdminResponder reply) { reply(list()); } },
        { "GET", QStringLiteral("keys/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(get(r.params.value(0))); } },
        { "PATCH", QStringLiteral("keys/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(patch(r.params.value(0), r)); } },
        { "DELETE", QStringLiteral("keys/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(revoke(r.params.value(0))); } },
    };
}

QJsonObject KeysAdminModule::keyJson(const ApiKeyRecord &r) const
{
    const int defaultRpm = m_services.settings.limits.defaultRpm;
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
                    { QLatin1String("requests"), double(m_services.keys.requestCount(r.id)) } };
    const RateLimiter::Decision w = m_services.limiter.peek(r.id, r.rateLimitRpm.value_or(defaultRpm));
    o.insert(QLatin1String("window"),
             QJsonObject { { QLatin1String("used"), w.limit - w.remaining },
                           { QLatin1String("remaining"), w.remaining },
                           { QLatin1String("reset"), double(w.resetUnixS()) } });
    return o;
}

AdminReply KeysAdminModule::create(const AdminRequest &request)
{
    JsonFieldReader fields(request.body, JsonFieldReader::EmptyBody::IsObject);
    KeyService::NewKey nk;
    nk.name = fields.has(nameField) ? readName(fields).value_or(QString()) : QStringLiteral("key");
    nk.rateLimitRpm = readRpm(fields);
    nk.models = readModels(fields, m_services.models);
    nk.expiresAtMs = readExpiry(fields, request.receivedMs);
    if (!fields.ok())
        return AdminReply::failure(*fields.error());
    auto created = m_services.keys.create(nk);
    if (!created)
        return storageError(created.error());
    QJsonObject o = keyJson(created->record);
    o.insert(QLatin1String("key"), created->key);
    return AdminReply::ok(201, o);
}

AdminReply KeysAdminModule::list() const
{
    QJsonArray data;
    for (const ApiKeyRecord &r : m_services.keys.list())
        data.append(keyJson(r));
    return AdminReply::ok(200, QJsonObject { { QLatin1String("data"), data } });
}

AdminReply KeysAdminModule::get(const QString &id) const
{
    const auto r = m_services.keys.find(id);
    if (!r)
        return notFound(id);
    return AdminReply::ok(200, keyJson(*r));
}

AdminReply KeysAdminModule::patch(const QString &id, const AdminRequest &request)
{
    JsonFieldReader fields(request.body, JsonFieldReader::EmptyBody::IsObject);
    for (const QString &field : fields.fields()) {
        if (field != nameField && field != rpmField && field != modelsField && field != expiresField)
            fields.fail(
                field,
                QStringLiteral("'%1' cannot be changed; editable: name, rate_limit_rpm, models, expires_at.")
                    .arg(field));
    }
    KeyService::Patch patch;
    if (fields.has(nameField))
        patch.name = readName(fields);
    if (fields.has(rpmField))
        patch.rateLimitRpm = readRpm(fields); // null = back to limits.default_rpm
    if (fields.has(modelsField))
        patch.models = readModels(fields, m_services.models);
    if (fields.has(expiresField))
        patch.expiresAtMs = readExpiry(fields, request.receivedMs); // null = no expiry
    if (!fields.ok())
        return AdminReply::failure(*fields.error());
    auto updated = m_services.keys.update(id, patch);
    if (!updated)
        return storageError(updated.error());
    if (!updated->has_value())
        return notFound(id);
    return AdminReply::ok(200, keyJson(**updated));
}

AdminReply KeysAdminModule::revoke(const QString &id)
{
    auto revoked = m_services.keys.revoke(id);
    if (!revoked)
        return storageError(revoked.error());
    if (!*revoked)
        return notFound(id);
    m_services.limiter.forget(id);
    const auto r = m_services.keys.find(id);
    return AdminReply::ok(200, keyJson(*r));
}

} // namespace Drawbridge
