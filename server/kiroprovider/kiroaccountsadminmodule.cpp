// SPDX-License-Identifier: MIT
#include "kiroaccountsadminmodule.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <optional>

#include "server/core/accountpool.h"
#include "server/core/apierror.h"

namespace Drawbridge {

namespace {

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonValue isoOrNull(const std::optional<qint64> &ms)
{
    if (!ms)
        return QJsonValue::Null;
    return QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonValue numberOrNull(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

QJsonValue textOrNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

AdminReply apiError(ApiErrorKind kind, const QString &message, const QString &param = {})
{
    ApiError e;
    e.kind = kind;
    e.message = message;
    e.param = param;
    return AdminReply { apiErrorInfo(kind).status, openAiErrorBody(e) };
}

/** The OpenAI error shape with a code the shared ApiErrorKind table does not have. */
AdminReply customError(int status, const char *type, const char *code, const QString &message,
                       const QString &param = {})
{
    const QJsonObject e { { QStringLiteral("message"), message },
                          { QStringLiteral("type"), QLatin1String(type) },
                          { QStringLiteral("param"), textOrNull(param) },
                          { QStringLiteral("code"), QLatin1String(code) } };
    return AdminReply { status, compact(QJsonObject { { QStringLiteral("error"), e } }) };
}

struct Invalid
{
    QString param;
    QString message;
};

/** The request body as an object; an empty body counts as {} where @p emptyAllowed. */
std::optional<QJsonObject> parseObject(const QByteArray &body, bool emptyAllowed)
{
    if (body.trimmed().isEmpty())
        return emptyAllowed ? std::optional<QJsonObject>(QJsonObject()) : std::nullopt;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

AdminReply notAnObject()
{
    return apiError(ApiErrorKind::InvalidJson, QStringLiteral("The request body must be a JSON object."));
}

/** An optional string field: absent or null = nullopt; any other non-string is an error. */
std::optional<QString> optionalString(const QJsonObject &o, const char *name, std::optional<Invalid> &error)
{
    const QJsonValue v = o.value(QLatin1String(name));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString()) {
        error = Invalid { QLatin1String(name),
                          QStringLiteral("'%1' must be a string.").arg(QLatin1String(name)) };
        return std::nullopt;
    }
    return v.toString();
}

/** An integer field; @p present tells whether it was given (null counts as given, value nullopt). */
std::optional<int> optionalInt(const QJsonObject &o, const char *name, bool &present,
                               std::optional<Invalid> &error)
{
    const QJsonValue v = o.value(QLatin1String(name));
    present = !v.isUndefined();
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || d != std::floor(d) || std::abs(d) > 1e9) {
        error = Invalid { QLatin1String(name),
                          QStringLiteral("'%1' must be an integer.").arg(QLatin1String(name)) };
        return std::nullopt;
    }
    return int(d);
}

} // namespace

KiroAccountsAdminModule::KiroAccountsAdminModule(KiroAccountManager &manager, const AccountPool &pool,
                                                 QObject *parent)
    : QObject(parent), m_manager(manager), m_pool(pool)
{
}

KiroAccountsAdminModule::~KiroAccountsAdminModule() = default;

QString KiroAccountsAdminModule::collection() const
{
    return QStringLiteral("accounts");
}

QStringList KiroAccountsAdminModule::allowedMethods(const QStringList &segments) const
{
    if (segments.isEmpty() || segments.first() != collection())
        return {};
    if (segments.size() == 1)
        return { QStringLiteral("GET"), QStringLiteral("POST") };
    if (segments.size() == 2 && segments.at(1) == QStringLiteral("import"))
        return { QStringLiteral("POST") };
    if (segments.size() == 2)
        return { QStringLiteral("GET"), QStringLiteral("PATCH"), QStringLiteral("DELETE") };
    return {};
}

void KiroAccountsAdminModule::handle(const AdminRequest &request, std::function<void(AdminReply)> reply)
{
    const QStringList &s = request.segments;
    const QByteArray &m = request.method;
    if (allowedMethods(s).isEmpty()) {
        reply(apiError(ApiErrorKind::RouteNotFound,
                       QStringLiteral("Unknown request URL: /admin/%1.").arg(s.join(u'/'))));
        return;
    }
    if (s.size() == 1 && m == "GET")
        return reply(list());
    if (s.size() == 1 && m == "POST")
        return create(request.body, std::move(reply));
    if (s.size() == 2 && s.at(1) == QStringLiteral("import") && m == "POST")
        return import(request.body, std::move(reply));
    if (s.size() == 2 && s.at(1) != QStringLiteral("import")) {
        if (m == "GET")
            return reply(get(s.at(1)));
        if (m == "PATCH")
            return reply(patch(s.at(1), request.body));
        if (m == "DELETE")
            return reply(remove(s.at(1)));
    }
    reply(apiError(
        ApiErrorKind::MethodNotAllowed,
        QStringLiteral("Method %1 is not allowed on /admin/%2.").arg(QString::fromLatin1(m), s.join(u'/'))));
}

QJsonObject KiroAccountsAdminModule::accountJson(const KiroAccountManager::AccountInfo &a, int queued)
{
    const AccountStatus status = a.status;
    return QJsonObject {
        { QStringLiteral("id"), a.record.id },
        { QStringLiteral("name"), a.record.name },
        { QStringLiteral("type"), QStringLiteral("kiro") },
        { QStringLiteral("auth_method"), a.record.authMethod },
        { QStringLiteral("status"), accountStatusName(status) },
        { QStringLiteral("slots_total"), a.slotsTotal },
        { QStringLiteral("slots_in_use"), a.slotsInUse },
        // The pool has one FIFO queue; a waiting request may take a slot of any usable account.
        { QStringLiteral("queued"), status == AccountStatus::Active ? queued : 0 },
        { QStringLiteral("cooldown_until"), isoOrNull(a.cooldownUntilMs) },
        { QStringLiteral("credits_used"), a.creditsUsed },
        { QStringLiteral("credits_remaining"), numberOrNull(a.creditsRemaining) },
        { QStringLiteral("usage_limit"), numberOrNull(a.record.usageLimit) },
        { QStringLiteral("next_reset"), isoOrNull(a.record.nextResetMs) },
        { QStringLiteral("last_error"), textOrNull(a.lastError) },
        { QStringLiteral("requests"), double(a.requests) },
    };
}

AdminReply KiroAccountsAdminModule::accountReply(int status,
                                                 const KiroAccountManager::AccountInfo &account) const
{
    return AdminReply { status, compact(accountJson(account, m_pool.queued())) };
}

AdminReply KiroAccountsAdminModule::failureReply(const KiroAccountManager::Failure &f)
{
    using Kind = KiroAccountManager::ErrorKind;
    switch (f.kind) {
    case Kind::InvalidRequest:
        return apiError(ApiErrorKind::InvalidRequest, f.message, f.param);
    case Kind::InvalidRefreshToken:
        return customError(400, "invalid_request_error", "invalid_refresh_token", f.message, f.param);
    case Kind::ImportFailed:
        return customError(400, "invalid_request_error", "import_failed", f.message, f.param);
    case Kind::NotFound:
        return apiError(ApiErrorKind::ResourceNotFound, f.message);
    case Kind::SecretStore:
        return customError(503, "server_error", "secret_store_unavailable", f.message);
    case Kind::Storage:
        break;
    }
    return apiError(ApiErrorKind::Internal, f.message);
}

AdminReply KiroAccountsAdminModule::list() const
{
    const int queued = m_pool.queued();
    QJsonArray data;
    for (const auto &account : m_manager.accounts())
        data.append(accountJson(account, queued));
    const PoolStatus pool = m_pool.status();
    const QJsonObject poolJson { { QStringLiteral("total_slots"), pool.totalSlots },
                                 { QStringLiteral("available_slots"), pool.availableSlots },
                                 { QStringLiteral("in_flight"), pool.inFlight },
                                 { QStringLiteral("queued"), pool.queued } };
    return AdminReply {
        200, compact(QJsonObject { { QStringLiteral("data"), data }, { QStringLiteral("pool"), poolJson } })
    };
}

AdminReply KiroAccountsAdminModule::get(const QString &id) const
{
    const auto account = m_manager.account(id);
    if (!account)
        return apiError(ApiErrorKind::ResourceNotFound, QStringLiteral("No account with id '%1'.").arg(id));
    return accountReply(200, *account);
}

void KiroAccountsAdminModule::create(const QByteArray &body, std::function<void(AdminReply)> reply)
{
    const auto o = parseObject(body, false);
    if (!o)
        return reply(notAnObject());
    std::optional<Invalid> invalid;
    KiroAccountManager::NewAccount n;
    if (const auto type = optionalString(*o, "type", invalid); type && *type != QStringLiteral("kiro"))
        invalid = Invalid { QStringLiteral("type"), QStringLiteral("'type' must be \"kiro\".") };
    n.name = optionalString(*o, "name", invalid).value_or(QString());
    n.authMethod = optionalString(*o, "auth_method", invalid).value_or(QString());
    n.refreshToken = optionalString(*o, "refresh_token", invalid).value_or(QString());
    n.clientId = optionalString(*o, "client_id", invalid).value_or(QString());
    n.clientSecret = optionalString(*o, "client_secret", invalid).value_or(QString());
    n.region = optionalString(*o, "region", invalid).value_or(QString());
    n.profileArn = optionalString(*o, "profile_arn", invalid).value_or(QString());
    bool present = false;
    n.slots = optionalInt(*o, "slots", present, invalid);
    n.priority = optionalInt(*o, "priority", present, invalid).value_or(0);
    if (const QJsonValue enabled = o->value(QStringLiteral("enabled"));
        !enabled.isUndefined() && !enabled.isNull()) {
        if (!enabled.isBool())
            invalid
                = Invalid { QStringLiteral("enabled"), QStringLiteral("'enabled' must be true or false.") };
        n.enabled = enabled.toBool(true);
    }
    if (invalid)
        return reply(apiError(ApiErrorKind::InvalidRequest, invalid->message, invalid->param));
    m_manager.addAccount(
        n, this, [this, reply = std::move(reply)](const KiroAccountManager::Outcome &outcome) {
            reply(outcome.ok() ? accountReply(201, *outcome.account) : failureReply(outcome.failure));
        });
}

void KiroAccountsAdminModule::import(const QByteArray &body, std::function<void(AdminReply)> reply)
{
    const auto o = parseObject(body, true);
    if (!o)
        return reply(notAnObject());
    std::optional<Invalid> invalid;
    const QString path = optionalString(*o, "path", invalid).value_or(QString());
    const QString name = optionalString(*o, "name", invalid).value_or(QString());
    bool present = false;
    const std::optional<int> slots = optionalInt(*o, "slots", present, invalid);
    if (invalid)
        return reply(apiError(ApiErrorKind::InvalidRequest, invalid->message, invalid->param));
    m_manager.importFromIdeFile(path, name, slots, this,
                                [this, reply = std::move(reply)](const KiroAccountManager::Outcome &outcome) {
                                    reply(outcome.ok() ? accountReply(201, *outcome.account)
                                                       : failureReply(outcome.failure));
                                });
}

AdminReply KiroAccountsAdminModule::patch(const QString &id, const QByteArray &body)
{
    if (!m_manager.account(id))
        return apiError(ApiErrorKind::ResourceNotFound, QStringLiteral("No account with id '%1'.").arg(id));
    const auto o = parseObject(body, false);
    if (!o)
        return notAnObject();
    std::optional<Invalid> invalid;
    KiroAccountManager::Changes changes;
    if (o->contains(QStringLiteral("name"))) {
        changes.name = optionalString(*o, "name", invalid);
        if (!changes.name && !invalid)
            invalid = Invalid { QStringLiteral("name"), QStringLiteral("'name' must be a string.") };
    }
    bool present = false;
    const std::optional<int> slots = optionalInt(*o, "slots", present, invalid);
    if (present)
        changes.slots = slots; // null = back to kiro.slots_per_account
    const std::optional<int> priority = optionalInt(*o, "priority", present, invalid);
    if (present) {
        if (!priority && !invalid)
            invalid
                = Invalid { QStringLiteral("priority"), QStringLiteral("'priority' must be an integer.") };
        changes.priority = priority;
    }
    if (const QJsonValue enabled = o->value(QStringLiteral("enabled")); !enabled.isUndefined()) {
        if (!enabled.isBool())
            invalid
                = Invalid { QStringLiteral("enabled"), QStringLiteral("'enabled' must be true or false.") };
        changes.enabled = enabled.toBool();
    }
    if (invalid)
        return apiError(ApiErrorKind::InvalidRequest, invalid->message, invalid->param);
    const auto outcome = m_manager.update(id, changes);
    return outcome.ok() ? accountReply(200, *outcome.account) : failureReply(outcome.failure);
}

AdminReply KiroAccountsAdminModule::remove(const QString &id)
{
    const auto outcome = m_manager.remove(id);
    if (!outcome.ok())
        return failureReply(outcome.failure);
    return AdminReply { 200,
                        compact(QJsonObject { { QStringLiteral("id"), id },
                                              { QStringLiteral("object"), QStringLiteral("account") },
                                              { QStringLiteral("deleted"), true } }) };
}

} // namespace Drawbridge
