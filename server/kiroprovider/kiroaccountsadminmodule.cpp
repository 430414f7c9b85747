// SPDX-License-Identifier: MIT
#include "kiroaccountsadminmodule.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>

#include <optional>

#include "server/core/accountpool.h"
#include "server/core/apierror.h"
#include "server/core/clientstringbounds.h"
#include "server/core/jsonfieldreader.h"
#include "server/kiroprovider/kirodevicelogin.h"

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

QString newLoginId()
{
    QByteArray bytes(16, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    return QStringLiteral("login-") + QString::fromLatin1(bytes.toHex());
}

} // namespace

/** A device-code sign-in started by POST /admin/accounts/login, until its answer is fetched or pushed out. */
struct KiroAccountsAdminModule::Login
{
    std::unique_ptr<KiroDeviceLogin> flow;
    AdminResponder startReply; ///< until the code is there
    QString method; ///< "builder_id" | "idc"
    QString region;
    QString name; ///< for a new account
    QString replaceId; ///< an account to sign in again
    QString status = QStringLiteral("pending");
    QString error;
    QString accountId; ///< once complete
};

KiroAccountsAdminModule::KiroAccountsAdminModule(KiroAccountManager &manager, const AccountPool &pool,
                                                 QObject *parent)
    : QObject(parent), m_manager(manager), m_pool(pool)
{
}

KiroAccountsAdminModule::~KiroAccountsAdminModule()
{
    // The flows' HTTP calls end with them, silently.
    m_logins.clear();
}

std::vector<AdminRoute> KiroAccountsAdminModule::routes()
{
    return {
        { "GET", QStringLiteral("accounts"),
          [this](const AdminRequest &, AdminResponder reply) { reply(list()); } },
        { "POST", QStringLiteral("accounts"),
          [this](const AdminRequest &r, AdminResponder reply) { create(r.body, std::move(reply)); } },
        { "POST", QStringLiteral("accounts/login"),
          [this](const AdminRequest &r, AdminResponder reply) { startLogin(r.body, std::move(reply)); } },
        { "GET", QStringLiteral("accounts/login/{id}"),
          [this](const AdminRequest &r, AdminResponder reply) { reply(loginState(r.params.value(0))); } },
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
        { QStringLiteral("last_error_at"), isoOrNull(a.lastErrorAtMs) },
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

// --- device-code sign-in
// ----------------------------------------------------------------------------------------

bool KiroAccountsAdminModule::makeRoomForLogin()
{
    if (m_logins.size() < maxLogins)
        return true;
    for (auto it = m_loginOrder.begin(); it != m_loginOrder.end(); ++it) {
        const auto found = m_logins.find(*it);
        if (found != m_logins.end() && found->second->status == QLatin1String("pending"))
            continue;
        if (found != m_logins.end())
            m_logins.erase(found);
        m_loginOrder.erase(it);
        return true;
    }
    return false;
}

void KiroAccountsAdminModule::startLogin(const QByteArray &body, AdminResponder reply)
{
    static const QRegularExpression regionShape(QStringLiteral("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"));
    JsonFieldReader fields(body);
    const QString method = fields.string(QLatin1String("method"), maxFieldChars).value_or(QString());
    const QString startUrl
        = fields.string(QLatin1String("start_url"), maxFieldChars).value_or(QString()).trimmed();
    QString region = fields.string(QLatin1String("region"), maxFieldChars).value_or(QString()).trimmed();
    const QString name = fields.string(QLatin1String("name"), maxFieldChars).value_or(QString()).trimmed();
    const QString accountId = fields.string(QLatin1String("account_id"), maxFieldChars).value_or(QString());
    if (!fields.ok())
        return reply(AdminReply::failure(*fields.error()));
    if (method != QLatin1String("builder_id") && method != QLatin1String("idc"))
        return reply(apiError(ApiErrorKind::InvalidRequest,
                              QStringLiteral("'method' must be \"builder_id\" or \"idc\"."),
                              QStringLiteral("method")));
    const bool idc = method == QLatin1String("idc");
    const QUrl parsed(startUrl);
    if (idc && (!parsed.isValid() || parsed.scheme() != QLatin1String("https") || parsed.host().isEmpty()))
        return reply(apiError(ApiErrorKind::InvalidRequest,
                              QStringLiteral("'start_url' must be the organisation's https://…/start URL."),
                              QStringLiteral("start_url")));
    // Builder ID lives in us-east-1 whatever the accounts' region.
    if (!idc)
        region = QStringLiteral("us-east-1");
    if (!region.isEmpty() && !regionShape.match(region).hasMatch())
        return reply(apiError(ApiErrorKind::InvalidRequest,
                              QStringLiteral("'region' must be an AWS region such as \"us-east-1\"."),
                              QStringLiteral("region")));
    if (!name.isEmpty()) {
        if (const auto problem = ClientStringBounds::nameProblem(name))
            return reply(apiError(ApiErrorKind::InvalidRequest, *problem, QStringLiteral("name")));
    }
    if (!accountId.isEmpty() && !m_manager.account(accountId))
        return reply(apiError(ApiErrorKind::ResourceNotFound,
                              QStringLiteral("No account with id '%1'.").arg(accountId)));
    if (!makeRoomForLogin())
        return reply(
            apiError(ApiErrorKind::RateLimited,
                     QStringLiteral("%1 sign-ins are waiting for their code to be confirmed already; "
                                    "confirm or let them expire first.")
                         .arg(maxLogins)));

    const QString loginId = newLoginId();
    auto login = std::make_unique<Login>();
    login->method = method;
    login->region = region;
    login->name = !name.isEmpty() ? name
        : idc                     ? QStringLiteral("IAM Identity Center")
                                  : QStringLiteral("AWS Builder ID");
    login->replaceId = accountId;
    login->startReply = std::move(reply);
    login->flow = m_manager.createDeviceLogin(idc ? startUrl : KiroDeviceLogin::builderIdStartUrl(), region);
    KiroDeviceLogin *flow = login->flow.get();
    connect(flow, &KiroDeviceLogin::codeReady, this, [this, loginId](const KiroDeviceLogin::Code &code) {
        const auto it = m_logins.find(loginId);
        if (it == m_logins.end() || !it->second->startReply)
            return;
        const AdminResponder answer = std::exchange(it->second->startReply, {});
        answer(
            AdminReply::ok(202,
                           QJsonObject {
                               { QStringLiteral("login_id"), loginId },
                               { QStringLiteral("user_code"), code.userCode },
                               { QStringLiteral("verification_uri"), code.verificationUri },
                               { QStringLiteral("verification_uri_complete"), code.verificationUriComplete },
                               { QStringLiteral("interval"), (it->second->flow->intervalMs() + 999) / 1000 },
                               { QStringLiteral("expires_at"), isoOrNull(code.expiresAtMs) },
                           }));
    });
    connect(flow, &KiroDeviceLogin::failed, this, [this, loginId](const QString &message, bool expired) {
        const auto it = m_logins.find(loginId);
        if (it == m_logins.end())
            return;
        if (it->second->startReply) {
            // No code yet: the sign-in service itself failed; the POST answers that.
            const AdminResponder answer = std::exchange(it->second->startReply, {});
            finishLogin(loginId, QStringLiteral("error"), message);
            m_logins.erase(loginId);
            std::erase(m_loginOrder, loginId);
            return answer(apiError(ApiErrorKind::UpstreamError, message));
        }
        const bool denied = it->second->flow->denied();
        finishLogin(loginId,
                    expired      ? QStringLiteral("expired")
                        : denied ? QStringLiteral("denied")
                                 : QStringLiteral("error"),
                    message);
    });
    connect(flow, &KiroDeviceLogin::signedIn, this, [this, loginId](const KiroDeviceLogin::Credentials &c) {
        onSignedIn(loginId, c.refreshToken, c.clientId, c.clientSecret);
    });
    m_logins.emplace(loginId, std::move(login));
    m_loginOrder.push_back(loginId);
    flow->start();
}

void KiroAccountsAdminModule::onSignedIn(const QString &loginId, const QString &refreshToken,
                                         const QString &clientId, const QString &clientSecret)
{
    const auto it = m_logins.find(loginId);
    if (it == m_logins.end())
        return;
    const Login &login = *it->second;
    KiroAccountManager::NewAccount account;
    account.name = login.name;
    account.authMethod = QStringLiteral("idc");
    account.refreshToken = refreshToken;
    account.clientId = clientId;
    account.clientSecret = clientSecret;
    account.region = login.region;
    auto done = [this, loginId](const KiroAccountManager::Outcome &outcome) {
        const auto found = m_logins.find(loginId);
        if (found == m_logins.end())
            return;
        if (outcome.ok())
            found->second->accountId = outcome.account->record.id;
        finishLogin(loginId, outcome.ok() ? QStringLiteral("complete") : QStringLiteral("error"),
                    outcome.ok() ? QString() : outcome.failure.message);
    };
    // Still "pending" until the account is stored.
    if (login.replaceId.isEmpty())
        m_manager.addAccount(account, this, std::move(done));
    else
        m_manager.replaceCredentials(login.replaceId, account, this, std::move(done));
}

void KiroAccountsAdminModule::finishLogin(const QString &loginId, const QString &status, const QString &error)
{
    const auto it = m_logins.find(loginId);
    if (it == m_logins.end())
        return;
    Login &login = *it->second;
    login.status = status;
    login.error = error;
    // Reported from inside the flow's own signal: it goes once that returns.
    if (login.flow)
        login.flow.release()->deleteLater();
}

AdminReply KiroAccountsAdminModule::loginState(const QString &loginId) const
{
    const auto it = m_logins.find(loginId);
    if (it == m_logins.end())
        return apiError(ApiErrorKind::ResourceNotFound,
                        QStringLiteral("No sign-in with id '%1'.").arg(loginId));
    const Login &login = *it->second;
    QJsonValue account = QJsonValue::Null;
    if (!login.accountId.isEmpty()) {
        if (const auto info = m_manager.account(login.accountId))
            account = accountJson(*info, m_pool.queued());
    }
    return AdminReply::ok(200,
                          QJsonObject { { QStringLiteral("login_id"), loginId },
                                        { QStringLiteral("status"), login.status },
                                        { QStringLiteral("account"), account },
                                        { QStringLiteral("error"), textOrNull(login.error) } });
}

} // namespace Drawbridge
