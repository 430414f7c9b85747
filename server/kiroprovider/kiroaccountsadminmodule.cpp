// SPDX-License-Identifier: MIT
#include "kiroaccountsadminmodule.h"

#include <QDateTime>
#include <QJsonArray>

#include <optional>

#include "server/core/accountpool.h"
#include "server/core/apierror.h"
#include "server/core/jsonfieldreader.h"

namespace Drawbridge {

namespace {

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
    return AdminReply::failure(ApiError { kind, message, param });
}

// Account fields are passed on to the manager, which checks their meaning; this only bounds their size
// (refresh tokens and IdC client secrets are a few KiB).
constexpr qsizetype maxFieldChars = 64 * 1024;
// Slots and priority are checked by the manager; this only keeps them integers.
constexpr qint64 maxInteger = 1'000'000'000;

std::optional<int> integerField(JsonFieldReader &fields, QLatin1String name, JsonFieldReader::Null null)
{
    const auto v = fields.integer(name, -maxInteger, maxInteger, null);
    return v ? std::optional<int>(int(*v)) : std::nullopt;
}

} // namespace

KiroAccountsAdminModule::KiroAccountsAdminModule(KiroAccountManager &manager, const AccountPool &pool,
                                                 QObject *parent)
    : QObject(parent), m_manager(manager), m_pool(pool)
{
}

KiroAccountsAdminModule::~KiroAccountsAdminModule() = default;

std::vector<AdminRoute> KiroAccountsAdminModule::routes()
{
    return {
        { "GET", QStringLiteral("accounts"),
          [this](const AdminRequest &, AdminResponder reply) { reply(list()); } },
        { "POST", QStringLiteral("accounts"),
          [this](const AdminRequest &r, AdminResponder reply) { create(r.body, std::move(reply)); } },
        { "POST", QStringLiteral("accounts/import"),
          [this](const AdminRequest &r, AdminResponder reply) { import(r.body, std::move(reply)); } },
        { "GET", QStringLiteral("accounts/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(get(r.params.value(0))); } },
        { "PATCH", QStringLiteral("accounts/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(patch(r.params.value(0), r.body)); } },
        { "DELETE", QStringLiteral("accounts/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(remove(r.params.value(0))); } },
    };
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
        { QStringLiteral("endpoint"), a.endpoint },
        { QStringLiteral("models"), QJsonArray::fromStringList(a.models) },
    };
}

AdminReply KiroAccountsAdminModule::accountReply(int status,
                                                 const KiroAccountManager::AccountInfo &account) const
{
    return AdminReply::ok(status, accountJson(account, m_pool.queued()));
}

AdminReply KiroAccountsAdminModule::failureReply(const KiroAccountManager::Failure &f)
{
    using Kind = KiroAccountManager::ErrorKind;
    switch (f.kind) {
    case Kind::InvalidRequest:
        return apiError(ApiErrorKind::InvalidRequest, f.message, f.param);
    case Kind::InvalidRefreshToken:
        return apiError(ApiErrorKind::InvalidRefreshToken, f.message, f.param);
    case Kind::ImportFailed:
        return apiError(ApiErrorKind::ImportFailed, f.message, f.param);
    case Kind::NotFound:
        return apiError(ApiErrorKind::ResourceNotFound, f.message);
    case Kind::SecretStore:
        return apiError(ApiErrorKind::SecretStoreUnavailable, f.message);
    case Kind::Upstream:
        return apiError(ApiErrorKind::UpstreamError, f.message);
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
    return AdminReply::ok(
        200, QJsonObject { { QStringLiteral("data"), data }, { QStringLiteral("pool"), poolJson } });
}

AdminReply KiroAccountsAdminModule::get(const QString &id) const
{
    const auto account = m_manager.account(id);
    if (!account)
        return apiError(ApiErrorKind::ResourceNotFound, QStringLiteral("No account with id '%1'.").arg(id));
    return accountReply(200, *account);
}

void KiroAccountsAdminModule::create(const QByteArray &body, AdminResponder reply)
{
    using Null = JsonFieldReader::Null;
    JsonFieldReader fields(body);
    KiroAccountManager::NewAccount n;
    if (const auto type = fields.string(QLatin1String("type"), maxFieldChars);
        type && *type != QStringLiteral("kiro"))
        fields.fail(QStringLiteral("type"), QStringLiteral("'type' must be \"kiro\"."));
    n.name = fields.string(QLatin1String("name"), maxFieldChars).value_or(QString());
    n.authMethod = fields.string(QLatin1String("auth_method"), maxFieldChars).value_or(QString());
    n.refreshToken = fields.string(QLatin1String("refresh_token"), maxFieldChars).value_or(QString());
    n.clientId = fields.string(QLatin1String("client_id"), maxFieldChars).value_or(QString());
    n.clientSecret = fields.string(QLatin1String("client_secret"), maxFieldChars).value_or(QString());
    n.region = fields.string(QLatin1String("region"), maxFieldChars).value_or(QString());
    n.profileArn = fields.string(QLatin1String("profile_arn"), maxFieldChars).value_or(QString());
    n.slots = integerField(fields, QLatin1String("slots"), Null::Allowed);
    n.priority = integerField(fields, QLatin1String("priority"), Null::Allowed).value_or(0);
    n.enabled = fields.boolean(QLatin1String("enabled")).value_or(true);
    if (!fields.ok())
        return reply(AdminReply::failure(*fields.error()));
    m_manager.addAccount(
        n, this, [this, reply = std::move(reply)](const KiroAccountManager::Outcome &outcome) {
            reply(outcome.ok() ? accountReply(201, *outcome.account) : failureReply(outcome.failure));
        });
}

void KiroAccountsAdminModule::import(const QByteArray &body, AdminResponder reply)
{
    JsonFieldReader fields(body, JsonFieldReader::EmptyBody::IsObject);
    const QString path = fields.string(QLatin1String("path"), maxFieldChars).value_or(QString());
    const QString name = fields.string(QLatin1String("name"), maxFieldChars).value_or(QString());
    const std::optional<int> slots
        = integerField(fields, QLatin1String("slots"), JsonFieldReader::Null::Allowed);
    if (!fields.ok())
        return reply(AdminReply::failure(*fields.error()));
    m_manager.importFromIdeFile(path, name, slots, this,
                                [this, reply = std::move(reply)](const KiroAccountManager::Outcome &outcome) {
                                    reply(outcome.ok() ? accountReply(201, *outcome.account)
                                                       : failureReply(outcome.failure));
                                });
}

AdminReply KiroAccountsAdminModule::patch(const QString &id, const QByteArray &body)
{
    using Null = JsonFieldReader::Null;
    if (!m_manager.account(id))
        return apiError(ApiErrorKind::ResourceNotFound, QStringLiteral("No account with id '%1'.").arg(id));
    JsonFieldReader fields(body);
    KiroAccountManager::Changes changes;
    if (fields.has(QLatin1String("name")))
        changes.name = fields.string(QLatin1String("name"), maxFieldChars, Null::Refused);
    if (fields.has(QLatin1String("slots")))
        changes.slots
            = integerField(fields, QLatin1String("slots"), Null::Allowed); // null = kiro.slots_per_account
    if (fields.has(QLatin1String("priority")))
        changes.priority = integerField(fields, QLatin1String("priority"), Null::Refused);
    if (fields.has(QLatin1String("enabled")))
        changes.enabled = fields.boolean(QLatin1String("enabled"), Null::Refused);
    if (!fields.ok())
        return AdminReply::failure(*fields.error());
    const auto outcome = m_manager.update(id, changes);
    return outcome.ok() ? accountReply(200, *outcome.account) : failureReply(outcome.failure);
}

AdminReply KiroAccountsAdminModule::remove(const QString &id)
{
    const auto outcome = m_manager.remove(id);
    if (!outcome.ok())
        return failureReply(outcome.failure);
    return AdminReply::ok(200,
                          QJsonObject { { QStringLiteral("id"), id },
                                        { QStringLiteral("object"), QStringLiteral("account") },
                                        { QStringLiteral("deleted"), true } });
}

} // namespace Drawbridge
