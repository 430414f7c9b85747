// SPDX-License-Identifier: MIT
#include "kiroaccountregistry.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <algorithm>

#include "server/core/accountpool.h"
#include "server/core/clientstringbounds.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/kiroprovider/kiroidetokenfile.h"
#include "server/kiroprovider/kirousagelimits.h"
#include "server/secrets/secretstore.h"
#include "server/storage/accountrepository.h"

namespace Drawbridge {

namespace {

const QString refreshTokenName = QStringLiteral("refresh_token");
const QString clientIdName = QStringLiteral("client_id");
const QString clientSecretName = QStringLiteral("client_secret");
const QString accessTokenName = QStringLiteral("access_token");

const QStringList &secretNames()
{
    static const QStringList names { refreshTokenName, clientIdName, clientSecretName, accessTokenName };
    return names;
}

QString social()
{
    return QStringLiteral("social");
}

QString idc()
{
    return QStringLiteral("idc");
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

/** AWS region names end up in host names, so only their real shape is accepted. */
bool isRegion(const QString &s)
{
    static const QRegularExpression re(QStringLiteral("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"));
    return re.match(s).hasMatch();
}

QString normalizeAuthMethod(const QString &raw)
{
    const QString lower = raw.trimmed().toLower();
    if (lower == social())
        return social();
    if (lower == idc() || lower == QStringLiteral("builder-id") || lower == QStringLiteral("iam"))
        return idc();
    return {};
}

std::optional<AccountStatus> statusFromName(const QString &name)
{
    for (AccountStatus s : { AccountStatus::Active, AccountStatus::CoolingDown, AccountStatus::NeedsLogin,
                             AccountStatus::QuotaExhausted, AccountStatus::Suspended, AccountStatus::Error,
                             AccountStatus::Disabled }) {
        if (accountStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

/** 64 random hex digits: one fingerprint per account, never derived from anything shared. */
QString newMachineId()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    return QString::fromLatin1(bytes.toHex());
}

QByteArray accessTokenBlob(const QString &token, qint64 expiresAtMs)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("accessToken"), token },
                                       { QStringLiteral("expiresAtMs"), double(expiresAtMs) } })
        .toJson(QJsonDocument::Compact);
}

KiroAccountOutcome notFound(const QString &accountId)
{
    return KiroAccountOutcome {
        std::nullopt,
        KiroAccountFailure {
            KiroAccountErrorKind::NotFound, QStringLiteral("No account with id '%1'.").arg(accountId), {} }
    };
}

} // namespace

/** An addAccount() in progress: the proving refresh, then the secret writes, then the database insert. */
struct KiroAccountRegistry::PendingAdd
{
    AccountRecord record;
    KiroNewAccount params;
    QPointer<QObject> context;
    bool guarded = false;
    KiroAccountOutcomeCallback done;
    std::unique_ptr<KiroPendingCall> call;
    KiroAccountUpstream::Tokens tokens;
    bool refreshed = false;
    QString transientError;
    int writesLeft = 0;
    QString writeError;
};

/**
 * A replaceCredentials() in progress: the proving refresh, then the secret writes one at a time (so a
 * failure knows which ones to put back), then the record.
 */
struct KiroAccountRegistry::PendingReplace
{
    QString accountId;
    KiroNewAccount params;
    QPointer<QObject> context;
    bool guarded = false;
    KiroAccountOutcomeCallback done;
    std::unique_ptr<KiroPendingCall> call;
    KiroAccountUpstream::Tokens tokens;
    QString profileArn;
    QList<std::pair<QString, QByteArray>> writes; ///< still to write
    QList<std::pair<QString, QByteArray>> undo; ///< the previous values of what was written
};

KiroAccountRegistry::KiroAccountRegistry(const KiroSettings &settings, AccountRepository &repository,
                                         SecretStore &secrets, AccountPool &pool, KiroTokenService &tokens,
                                         KiroAccountUpstream &upstream, const Clock &clock,
                                         QString ideTokenFilePath, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_repository(repository)
    , m_secrets(secrets)
    , m_pool(pool)
    , m_tokens(tokens)
    , m_upstream(upstream)
    , m_clock(clock)
    , m_ideTokenFilePath(std::move(ideTokenFilePath))
{
    connect(&m_tokens, &KiroTokenService::refreshTokenRotated, this,
            &KiroAccountRegistry::onRefreshTokenRotated);
    connect(&m_tokens, &KiroTokenService::accessTokenChanged, this,
            &KiroAccountRegistry::onAccessTokenChanged);
    connect(&m_tokens, &KiroTokenService::accessTokenDropped, this,
            &KiroAccountRegistry::onAccessTokenDropped);
    connect(&m_tokens, &KiroTokenService::profileArnReceived, this,
            &KiroAccountRegistry::onProfileArnReceived);
    connect(&m_tokens, &KiroTokenService::refreshFinished, this, &KiroAccountRegistry::onRefreshFinished);
}

KiroAccountRegistry::~KiroAccountRegistry()
{
    // Pending HTTP calls end silently with their owners.
    m_pendingAdds.clear();
    m_pendingReplaces.clear();
    m_accounts.clear();
}

QString KiroAccountRegistry::secretKey(const QString &accountId, const QString &name)
{
    return QStringLiteral("kiro/%1/%2").arg(accountId, name);
}

// --- lookup and presentation
// -------------------------------------------------------------------------------------

KiroAccount *KiroAccountRegistry::find(const QString &accountId) const
{
    const auto it = m_accounts.find(accountId);
    return it == m_accounts.end() ? nullptr : it->second.get();
}

std::vector<QString> KiroAccountRegistry::ids() const
{
    std::vector<QString> out;
    out.reserve(m_accounts.size());
    for (const auto &[id, a] : m_accounts)
        out.push_back(id);
    return out;
}

int KiroAccountRegistry::effectiveSlots(const AccountRecord &record) const
{
    return std::max(1, record.slots.value_or(m_settings.slotsPerAccount));
}

KiroAccountInfo KiroAccountRegistry::info(const KiroAccount &a) const
{
    KiroAccountInfo out;
    out.record = a.record;
    out.slotsTotal = effectiveSlots(a.record);
    out.creditsUsed = a.quota.creditsUsed;
    if (a.record.creditsRemaining)
        out.creditsRemaining = *a.record.creditsRemaining - a.quota.creditsSincePoll;
    if (const auto view = m_pool.account(a.record.id)) {
        out.status = view->status;
        out.slotsTotal = view->slots;
        out.slotsInUse = view->inUse;
        if (view->cooldownUntilMs > 0)
            out.cooldownUntilMs = view->cooldownUntilMs;
        out.lastError = view->lastError;
        if (view->lastErrorAtMs > 0)
            out.lastErrorAtMs = view->lastErrorAtMs;
        out.requests = view->requests;
    } else {
        out.status = statusFromName(a.record.status).value_or(AccountStatus::Error);
        out.cooldownUntilMs = a.record.cooldownUntilMs;
        out.lastError = a.record.lastError;
    }
    if (!a.record.enabled)
        out.status = AccountStatus::Disabled;
    out.endpoint = apiBaseUrl(a);
    out.models = models(a);
    return out;
}

QStringList KiroAccountRegistry::models(const KiroAccount &a) const
{
    if (!a.catalog.known)
        return m_settings.models;
    QStringList out;
    out.reserve(a.catalog.models.size());
    for (const auto &m : a.catalog.models)
        out.append(m.modelId);
    return out;
}

QStringList KiroAccountRegistry::allModels() const
{
    const std::vector<QString> accounts = ids();
    if (accounts.empty())
        return m_settings.models;
    QStringList all;
    for (const QString &id : accounts) {
        if (const KiroAccount *a = find(id)) {
            for (const QString &model : models(*a)) {
                if (!all.contains(model, Qt::CaseInsensitive))
                    all.append(model);
            }
        }
    }
    // A stable order whatever the accounts' ids: kiro.models' order, then the rest by name.
    QStringList out;
    out.reserve(all.size());
    for (const QString &model : m_settings.models) {
        if (all.contains(model, Qt::CaseInsensitive) && !out.contains(model, Qt::CaseInsensitive))
            out.append(model);
    }
    QStringList rest;
    for (const QString &model : std::as_const(all)) {
        if (!out.contains(model, Qt::CaseInsensitive))
            rest.append(model);
    }
    rest.sort(Qt::CaseInsensitive);
    return out + rest;
}

KiroFingerprint KiroAccountRegistry::fingerprint(const KiroAccount &a) const
{
    KiroFingerprint f;
    f.machineId = a.record.machineId;
    return f;
}

QString KiroAccountRegistry::authBaseUrl(const QString &authMethod, const QString &region) const
{
    const QString r = region.isEmpty() ? m_settings.region : region;
    if (authMethod == idc()) {
        if (!m_settings.oidcBaseUrl.isEmpty())
            return m_settings.oidcBaseUrl;
        return QStringLiteral("https://oidc.%1.amazonaws.com").arg(r);
    }
    if (!m_settings.socialAuthBaseUrl.isEmpty())
        return m_settings.socialAuthBaseUrl;
    return QStringLiteral("https://prod.%1.auth.desktop.kiro.dev").arg(r);
}

QString KiroAccountRegistry::apiRegion(const AccountRecord &record) const
{
    // The account's region is where it logs in (IdC may be anywhere); the API lives in the profile's region,
    // the 4th field of the ARN.
    const QString arnRegion = record.profileArn.section(u':', 3, 3);
    return isRegion(arnRegion) ? arnRegion : m_settings.region;
}

void KiroAccountRegistry::resolveEndpoints(KiroAccount &a) const
{
    a.endpoints.setUrls(KiroEndpointList::resolve(m_settings, a.record.authMethod, apiRegion(a.record)));
}

QString KiroAccountRegistry::apiBaseUrl(const KiroAccount &a) const
{
    return a.endpoints.current();
}

QString KiroAccountRegistry::endpointRefused(const QString &accountId, const QString &baseUrl,
                                             const QString &reason)
{
    KiroAccount *a = find(accountId);
    if (!a)
        return {};
    const QString was = a->endpoints.current();
    const QString now = a->endpoints.refused(baseUrl);
    if (now != was) {
        qCInfo(lcKiro) << "account" << accountId << ": endpoint" << baseUrl << "refused it (" << reason
                       << "); using" << now << "from now on";
        Q_EMIT accountUpdated(accountId);
    }
    return now;
}

KiroAccountContext KiroAccountRegistry::context(const KiroAccount &a, const QString &accessToken) const
{
    KiroAccountContext c;
    c.accountId = a.record.id;
    c.accessToken = accessToken;
    c.profileArn = a.record.profileArn;
    c.region = a.record.region.isEmpty() ? m_settings.region : a.record.region;
    c.machineId = a.record.machineId;
    c.apiBaseUrl = apiBaseUrl(a);
    return c;
}

KiroTokenService::Credentials KiroAccountRegistry::credentials(const AccountRecord &record,
                                                               const QString &refreshToken,
                                                               const QString &clientId,
                                                               const QString &clientSecret) const
{
    KiroTokenService::Credentials c;
    c.authMethod = record.authMethod;
    c.refreshToken = refreshToken;
    c.clientId = clientId;
    c.clientSecret = clientSecret;
    c.authBaseUrl = authBaseUrl(record.authMethod, record.region);
    c.fingerprint.machineId = record.machineId;
    return c;
}

// --- start-up
// ----------------------------------------------------------------------------------------------------

Status KiroAccountRegistry::start()
{
    if (m_started)
        return Ok {};
    auto records = m_repository.list();
    if (!records)
        return Error { records.error() };
    m_started = true;
    for (const AccountRecord &record : *records) {
        if (record.type != QStringLiteral("kiro"))
            continue;
        auto a = std::make_unique<KiroAccount>();
        a->record = record;
        a->persisted = { record.status, record.lastError, record.cooldownUntilMs };
        if (a->record.machineId.isEmpty()) {
            // Every account needs its own stable fingerprint; a record without one gets it now, once.
            a->record.machineId = newMachineId();
            if (auto saved = m_repository.update(a->record); !saved)
                qCWarning(lcKiro) << "could not store the machine id of account" << record.id << ":"
                                  << saved.error();
        }
        resolveEndpoints(*a);
        // Where the account last got through, unless the configured list no longer has it.
        a->endpoints.setCurrent(record.apiEndpoint);
        a->persisted.endpoint = a->endpoints.current();
        KiroAccount &ref = *a;
        m_accounts.emplace(record.id, std::move(a));
        m_tokens.track(record.id);
        registerInPool(ref);
        restoreState(ref);
    }
    qCInfo(lcKiro) << "loaded" << m_accounts.size() << "Kiro account(s)";
    for (const QString &id : ids())
        loadSecrets(id);
    return Ok {};
}

void KiroAccountRegistry::registerInPool(KiroAccount &a)
{
    m_pool.upsertAccount(a.record.id, effectiveSlots(a.record), a.record.priority, a.record.enabled);
}

void KiroAccountRegistry::restoreState(KiroAccount &a)
{
    const AccountRecord &r = a.record;
    const qint64 now = m_clock.nowMs();
    if (r.status == accountStatusName(AccountStatus::NeedsLogin)) {
        m_pool.markNeedsLogin(r.id, r.lastError);
    } else if (r.status == accountStatusName(AccountStatus::Suspended)) {
        m_pool.markSuspended(r.id, r.lastError);
    } else if (r.status == accountStatusName(AccountStatus::QuotaExhausted)) {
        qint64 until = r.cooldownUntilMs.value_or(0);
        if (until <= 0)
            until = r.nextResetMs.value_or(KiroUsageLimits::firstOfNextMonthMs(now));
        // A reset that passed while Drawbridge was not running is applied by the pool at once.
        m_pool.markQuotaExhausted(r.id, until, r.lastError);
    } else if (r.status == accountStatusName(AccountStatus::Error)) {
        // The account failed to refresh last time; keep it out of rotation until a refresh proves it again,
        // which happens as soon as its secrets are read.
        m_tokens.scheduleRetry(r.id, now, 1);
        m_pool.markError(r.id, r.lastError,
                         std::max(now + m_tokens.backoffMs(1), r.cooldownUntilMs.value_or(0)));
    }
    // cooling_down is not restored: throttling cooldowns last seconds to minutes and start over cheaply.
}

std::optional<AccountRecord> KiroAccountRegistry::syncStored(const QString &accountId)
{
    if (!m_started || m_pendingAdds.count(accountId) != 0 || m_pendingReplaces.count(accountId) != 0)
        return std::nullopt; // this instance's own change in progress: it finishes it itself
    auto stored = m_repository.findById(accountId);
    if (!stored) {
        qCWarning(lcKiro) << "could not read account" << accountId
                          << "changed by another instance:" << stored.error();
        return std::nullopt;
    }
    const auto it = m_accounts.find(accountId);
    if (!*stored || (*stored)->type != QStringLiteral("kiro")) {
        if (it == m_accounts.end())
            return std::nullopt;
        // Removed by another instance, which removed its secrets too.
        std::unique_ptr<KiroAccount> gone = std::move(it->second);
        m_accounts.erase(it);
        m_pool.removeAccount(accountId);
        m_tokens.forget(accountId, QStringLiteral("Account %1 was removed.").arg(accountId));
        gone.reset();
        qCInfo(lcKiro) << "account" << accountId << "was removed by another instance";
        Q_EMIT accountsChanged();
        return std::nullopt;
    }
    const AccountRecord &r = **stored;
    if (it == m_accounts.end()) {
        // Added by another instance: its secrets were stored before its row.
        auto a = std::make_unique<KiroAccount>();
        a->record = r;
        a->persisted = { r.status, r.lastError, r.cooldownUntilMs };
        resolveEndpoints(*a);
        a->endpoints.setCurrent(r.apiEndpoint); // as at start-up
        a->persisted.endpoint = a->endpoints.current();
        KiroAccount &ref = *a;
        m_accounts.emplace(r.id, std::move(a));
        m_tokens.track(r.id);
        registerInPool(ref);
        restoreState(ref);
        qCInfo(lcKiro) << "account" << r.id << "was added by another instance";
        loadSecrets(r.id);
        Q_EMIT accountsChanged();
        Q_EMIT accountUpdated(r.id);
        return r;
    }
    KiroAccount &a = *it->second;
    AccountRecord &mine = a.record;
    if (mine.name != r.name || mine.slots != r.slots || mine.enabled != r.enabled
        || mine.priority != r.priority || mine.region != r.region || mine.profileArn != r.profileArn
        || mine.authMethod != r.authMethod) {
        const bool moved
            = mine.region != r.region || mine.profileArn != r.profileArn || mine.authMethod != r.authMethod;
        mine.name = r.name;
        mine.slots = r.slots;
        mine.enabled = r.enabled;
        mine.priority = r.priority;
        mine.region = r.region;
        mine.profileArn = r.profileArn;
        mine.authMethod = r.authMethod;
        mine.updatedAtMs = r.updatedAtMs;
        registerInPool(a);
        if (moved) {
            // Signed in again elsewhere (new credentials, maybe another method or region).
            resolveEndpoints(a);
            loadSecrets(accountId);
        }
        Q_EMIT accountUpdated(accountId);
    }
    return r;
}

// --- secrets
// -----------------------------------------------------------------------------------------------------

void KiroAccountRegistry::loadSecrets(const QString &accountId)
{
    if (!find(accountId))
        return;
    m_tokens.track(accountId);
    auto results = std::make_shared<QHash<QString, SecretResult>>();
    for (const QString &name : secretNames()) {
        m_secrets.read(secretKey(accountId, name), this,
                       [this, accountId, name, results](const SecretResult &r) {
                           results->insert(name, r);
                           if (results->size() == secretNames().size())
                               onSecretsLoaded(accountId, *results);
                       });
    }
}

void KiroAccountRegistry::onSecretsLoaded(const QString &accountId,
                                          const QHash<QString, SecretResult> &results)
{
    KiroAccount *a = find(accountId);
    if (!a)
        return;
    for (const SecretResult &r : results) {
        if (r.error == SecretError::None || r.error == SecretError::NotFound)
            continue;
        const QString message
            = QStringLiteral("Cannot read the account's secrets from the keychain: %1").arg(r.message);
        qCWarning(lcKiro) << "account" << accountId << ":" << message;
        a->secretsRetryAtMs = m_tokens.setUnavailable(accountId, message);
        return;
    }
    const QJsonObject cached = QJsonDocument::fromJson(results.value(accessTokenName).data).object();
    m_tokens.setCredentials(accountId,
                            credentials(a->record, QString::fromUtf8(results.value(refreshTokenName).data),
                                        QString::fromUtf8(results.value(clientIdName).data),
                                        QString::fromUtf8(results.value(clientSecretName).data)),
                            cached.value(QStringLiteral("accessToken")).toString(),
                            qint64(cached.value(QStringLiteral("expiresAtMs")).toDouble()));
    if (find(accountId))
        Q_EMIT secretsLoaded(accountId);
}

void KiroAccountRegistry::writeSecret(const QString &accountId, const QString &name, const QByteArray &value)
{
    m_secrets.write(secretKey(accountId, name), value, this, [accountId, name](const SecretResult &r) {
        if (!r.ok()) {
            qCWarning(lcKiro) << "could not store the" << name << "of account" << accountId
                              << "in the keychain:" << r.message;
        }
    });
}

// --- what the token service learnt
// ------------------------------------------------------------------------------

void KiroAccountRegistry::onRefreshTokenRotated(const QString &accountId, const QString &refreshToken)
{
    if (find(accountId))
        writeSecret(accountId, refreshTokenName, refreshToken.toUtf8());
}

void KiroAccountRegistry::onAccessTokenChanged(const QString &accountId, const QString &accessToken,
                                               qint64 expiresAtMs)
{
    if (find(accountId))
        writeSecret(accountId, accessTokenName, accessTokenBlob(accessToken, expiresAtMs));
}

void KiroAccountRegistry::onAccessTokenDropped(const QString &accountId)
{
    m_secrets.remove(secretKey(accountId, accessTokenName), this, [](const SecretResult &) {});
}

void KiroAccountRegistry::onProfileArnReceived(const QString &accountId, const QString &profileArn)
{
    KiroAccount *a = find(accountId);
    if (!a || profileArn == a->record.profileArn)
        return;
    // Losing the profile ARN makes the account fail with 403 later, so it is kept at once.
    a->record.profileArn = profileArn;
    resolveEndpoints(*a); // the profile may live in another region
    if (auto saved = m_repository.update(a->record); !saved)
        qCWarning(lcKiro) << "could not store the profile ARN of account" << accountId << ":"
                          << saved.error();
}

void KiroAccountRegistry::onRefreshFinished(const QString &accountId,
                                            KiroTokenService::RefreshOutcome outcome)
{
    if (outcome == KiroTokenService::RefreshOutcome::Refreshed && find(accountId))
        Q_EMIT accountUpdated(accountId);
}

// --- mutations
// ---------------------------------------------------------------------------------------------------

std::optional<KiroAccountFailure> KiroAccountRegistry::validate(KiroNewAccount &n) const
{
    auto invalid = [](const char *param, const QString &message) {
        return KiroAccountFailure { KiroAccountErrorKind::InvalidRequest, message, QLatin1String(param) };
    };
    n.name = n.name.trimmed();
    n.refreshToken = n.refreshToken.trimmed();
    n.clientId = n.clientId.trimmed();
    n.clientSecret = n.clientSecret.trimmed();
    n.region = n.region.trimmed();
    n.profileArn = n.profileArn.trimmed();
    if (n.name.isEmpty())
        return invalid("name", QStringLiteral("'name' is required."));
    if (const auto problem = ClientStringBounds::nameProblem(n.name))
        return invalid("name", *problem);
    if (n.authMethod.trimmed().isEmpty()) {
        n.authMethod = (!n.clientId.isEmpty() && !n.clientSecret.isEmpty()) ? idc() : social();
    } else {
        const QString method = normalizeAuthMethod(n.authMethod);
        if (method.isEmpty())
            return invalid("auth_method", QStringLiteral("'auth_method' must be \"social\" or \"idc\"."));
        n.authMethod = method;
    }
    if (n.refreshToken.isEmpty())
        return invalid("refresh_token", QStringLiteral("'refresh_token' is required."));
    // A copied token cut short with an ellipsis can never work (kiro.rs refuses these too).
    if (n.refreshToken.contains(QStringLiteral("...")) || n.refreshToken.contains(QChar(0x2026)))
        return invalid("refresh_token", QStringLiteral("'refresh_token' looks truncated."));
    if (n.authMethod == idc()) {
        if (n.clientId.isEmpty())
            return invalid("client_id", QStringLiteral("'client_id' is required for IdC accounts."));
        if (n.clientSecret.isEmpty())
            return invalid("client_secret", QStringLiteral("'client_secret' is required for IdC accounts."));
    } else {
        n.clientId.clear();
        n.clientSecret.clear();
    }
    if (!n.region.isEmpty() && !isRegion(n.region))
        return invalid("region", QStringLiteral("'region' must be an AWS region such as \"us-east-1\"."));
    if (!n.profileArn.isEmpty()
        && (!n.profileArn.startsWith(QStringLiteral("arn:aws")) || n.profileArn.size() > 2048
            || n.profileArn.contains(u' ')))
        return invalid("profile_arn",
                       QStringLiteral("'profile_arn' must be an ARN (arn:aws:codewhisperer:…)."));
    if (n.slots && (*n.slots < 1 || *n.slots > maxSlots))
        return invalid("slots", QStringLiteral("'slots' must be an integer between 1 and %1.").arg(maxSlots));
    return std::nullopt;
}

QString KiroAccountRegistry::newAccountId() const
{
    // The shape of client key ids (8 lower-case base32 characters): short enough to read out, never "import".
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (;;) {
        QString id;
        for (int i = 0; i < 8; ++i)
            id.append(QLatin1Char(alphabet[QRandomGenerator::system()->bounded(32)]));
        if (!find(id) && !m_pendingAdds.count(id))
            return id;
    }
}

void KiroAccountRegistry::addAccount(const KiroNewAccount &account, QObject *context,
                                     KiroAccountOutcomeCallback done)
{
    auto add = std::make_shared<PendingAdd>();
    add->params = account;
    add->context = context;
    add->guarded = context != nullptr;
    add->done = std::move(done);
    if (auto invalid = validate(add->params)) {
        QMetaObject::invokeMethod(
            this, [this, add, failure = *invalid] { failAdd(add, failure); }, Qt::QueuedConnection);
        return;
    }
    const KiroNewAccount &p = add->params;
    AccountRecord &r = add->record;
    r.id = newAccountId();
    r.name = p.name;
    r.authMethod = p.authMethod;
    r.region = p.region;
    r.profileArn = p.profileArn;
    r.slots = p.slots;
    r.enabled = p.enabled;
    r.priority = p.priority;
    r.machineId = newMachineId();

    KiroAccountUpstream::RefreshInput input;
    input.authMethod = p.authMethod;
    input.refreshToken = p.refreshToken;
    input.clientId = p.clientId;
    input.clientSecret = p.clientSecret;
    input.authBaseUrl = authBaseUrl(p.authMethod, p.region);
    input.fingerprint.machineId = r.machineId;
    m_pendingAdds.emplace(r.id, add);
    add->call = m_upstream.refresh(
        input, [this, add](const KiroAccountUpstream::RefreshResult &result) { finishAdd(add, result); });
}

void KiroAccountRegistry::finishAdd(const std::shared_ptr<PendingAdd> &add,
                                    const KiroAccountUpstream::RefreshResult &result)
{
    const std::unique_ptr<KiroPendingCall> finished = std::move(add->call);
    if (result.failure == KiroAccountUpstream::Failure::Rejected) {
        failAdd(add,
                KiroAccountFailure {
                    KiroAccountErrorKind::InvalidRefreshToken,
                    QStringLiteral("The Kiro auth service rejected the credentials: %1").arg(result.message),
                    QStringLiteral("refresh_token") });
        return;
    }
    AccountRecord &r = add->record;
    const qint64 now = m_clock.nowMs();
    if (result.failure == KiroAccountUpstream::Failure::None) {
        add->refreshed = true;
        add->tokens = result.tokens;
        if (!result.tokens.profileArn.isEmpty())
            r.profileArn = result.tokens.profileArn;
        r.status = accountStatusName(AccountStatus::Active);
    } else {
        const qint64 retryAt = now + m_tokens.backoffMs(1);
        add->transientError = QStringLiteral("Could not verify the credentials; retrying at %1 (%2).")
                                  .arg(isoTime(retryAt), result.message);
        r.status = accountStatusName(AccountStatus::Error);
        r.lastError = add->transientError;
        r.cooldownUntilMs = retryAt;
    }

    QList<std::pair<QString, QByteArray>> writes;
    const QString refreshToken
        = add->tokens.refreshToken.isEmpty() ? add->params.refreshToken : add->tokens.refreshToken;
    writes.append({ refreshTokenName, refreshToken.toUtf8() });
    if (r.authMethod == idc()) {
        writes.append({ clientIdName, add->params.clientId.toUtf8() });
        writes.append({ clientSecretName, add->params.clientSecret.toUtf8() });
    }
    if (add->refreshed)
        writes.append({ accessTokenName,
                        accessTokenBlob(add->tokens.accessToken, now + add->tokens.expiresInS * 1000) });
    add->writesLeft = int(writes.size());
    for (const auto &[name, value] : writes) {
        m_secrets.write(secretKey(r.id, name), value, this, [this, add](const SecretResult &res) {
            if (!res.ok() && add->writeError.isEmpty())
                add->writeError = res.message;
            if (--add->writesLeft == 0)
                commitAdd(add);
        });
    }
}

void KiroAccountRegistry::commitAdd(const std::shared_ptr<PendingAdd> &add)
{
    AccountRecord &r = add->record;
    auto dropSecrets = [this, id = r.id] {
        for (const QString &name : secretNames())
            m_secrets.remove(secretKey(id, name), this, [](const SecretResult &) {});
    };
    if (!add->writeError.isEmpty()) {
        dropSecrets();
        failAdd(
            add,
            KiroAccountFailure { KiroAccountErrorKind::SecretStore,
                                 QStringLiteral("Could not store the account's secrets in the keychain: %1")
                                     .arg(add->writeError),
                                 {} });
        return;
    }
    auto inserted = m_repository.insert(r);
    if (!inserted || !*inserted) {
        dropSecrets();
        failAdd(add,
                KiroAccountFailure { KiroAccountErrorKind::Storage,
                                     inserted
                                         ? QStringLiteral("An account with id %1 exists already.").arg(r.id)
                                         : inserted.error(),
                                     {} });
        return;
    }
    // Read back for the timestamps the repository set.
    if (auto stored = m_repository.findById(r.id); stored && *stored)
        r = **stored;

    const qint64 now = m_clock.nowMs();
    auto a = std::make_unique<KiroAccount>();
    a->record = r;
    a->persisted = { r.status, r.lastError, r.cooldownUntilMs };
    resolveEndpoints(*a);
    const QString refreshToken
        = add->tokens.refreshToken.isEmpty() ? add->params.refreshToken : add->tokens.refreshToken;
    const qint64 retryAt = add->refreshed ? 0 : r.cooldownUntilMs.value_or(now + m_tokens.backoffMs(1));
    m_tokens.adopt(r.id, credentials(r, refreshToken, add->params.clientId, add->params.clientSecret),
                   add->refreshed ? add->tokens.accessToken : QString(),
                   add->refreshed ? now + add->tokens.expiresInS * 1000 : 0, retryAt);
    KiroAccount &ref = *a;
    m_accounts.emplace(r.id, std::move(a));
    m_pendingAdds.erase(r.id);
    registerInPool(ref);
    if (!add->refreshed)
        m_pool.markError(r.id, r.lastError, retryAt);
    qCInfo(lcKiro) << "added" << r.authMethod << "account" << r.id
                   << (add->refreshed ? "" : "(auth service unreachable)");

    const KiroAccountOutcome outcome { info(ref), {} };
    Q_EMIT accountsChanged();
    Q_EMIT accountUpdated(r.id);
    if (!add->guarded || add->context)
        add->done(outcome);
    if (find(r.id))
        Q_EMIT accountAdded(r.id, add->refreshed);
}

void KiroAccountRegistry::failAdd(const std::shared_ptr<PendingAdd> &add, KiroAccountFailure failure)
{
    m_pendingAdds.erase(add->record.id);
    if (failure.kind != KiroAccountErrorKind::InvalidRequest)
        qCWarning(lcKiro) << "could not add a Kiro account:" << failure.message;
    if (!add->guarded || add->context)
        add->done(KiroAccountOutcome { std::nullopt, std::move(failure) });
}

void KiroAccountRegistry::importFromIdeFile(const QString &path, const QString &name,
                                            std::optional<int> slots, QObject *context,
                                            KiroAccountOutcomeCallback done)
{
    QString file = path;
    if (file.isEmpty())
        file = m_ideTokenFilePath.isEmpty() ? KiroIdeTokenFile::defaultPath() : m_ideTokenFilePath;
    const QPointer<QObject> guard(context);
    const bool guarded = context != nullptr;
    auto deliver = [this, guard, guarded, done](KiroAccountFailure failure) {
        QMetaObject::invokeMethod(
            this,
            [guard, guarded, done, failure] {
                if (!guarded || guard)
                    done(KiroAccountOutcome { std::nullopt, failure });
            },
            Qt::QueuedConnection);
    };
    auto credentials = KiroIdeTokenFile::read(file);
    if (!credentials) {
        deliver(KiroAccountFailure {
            KiroAccountErrorKind::ImportFailed,
            QStringLiteral("Cannot import the Kiro IDE login: %1.").arg(credentials.error()),
            QStringLiteral("path") });
        return;
    }
    KiroNewAccount n;
    n.name = name.trimmed();
    if (n.name.isEmpty()) {
        n.name = credentials->provider.isEmpty() ? QStringLiteral("Kiro IDE")
                                                 : QStringLiteral("Kiro IDE (%1)").arg(credentials->provider);
    }
    n.authMethod = credentials->authMethod;
    n.refreshToken = credentials->refreshToken;
    n.clientId = credentials->clientId;
    n.clientSecret = credentials->clientSecret;
    n.region = credentials->region;
    n.profileArn = credentials->profileArn;
    n.slots = slots;
    addAccount(n, context, [done, file](const KiroAccountOutcome &outcome) {
        if (outcome.ok() || outcome.failure.kind != KiroAccountErrorKind::InvalidRequest
            || outcome.failure.param == QStringLiteral("slots")
            || outcome.failure.param == QStringLiteral("name")) {
            done(outcome);
            return;
        }
        // A field the file itself got wrong is an import failure, not a bad request parameter.
        done(KiroAccountOutcome {
            std::nullopt,
            KiroAccountFailure { KiroAccountErrorKind::ImportFailed,
                                 QStringLiteral("Cannot import the Kiro IDE login from %1: %2")
                                     .arg(file, outcome.failure.message),
                                 QStringLiteral("path") } });
    });
}

void KiroAccountRegistry::replaceCredentials(const QString &accountId, const KiroNewAccount &credentials,
                                             QObject *context, KiroAccountOutcomeCallback done)
{
    auto replace = std::make_shared<PendingReplace>();
    replace->accountId = accountId;
    replace->params = credentials;
    replace->context = context;
    replace->guarded = context != nullptr;
    replace->done = std::move(done);
    auto failLater = [this, replace](KiroAccountFailure failure) {
        QMetaObject::invokeMethod(
            this, [this, replace, failure] { failReplace(replace, failure); }, Qt::QueuedConnection);
    };
    const KiroAccount *a = find(accountId);
    if (!a)
        return failLater(notFound(accountId).failure);
    if (m_pendingReplaces.count(accountId))
        return failLater(KiroAccountFailure {
            KiroAccountErrorKind::InvalidRequest,
            QStringLiteral("Account %1 is being signed in again already.").arg(accountId),
            {} });
    // The name and settings are the account's own; validate() only checks the credential fields.
    replace->params.name = a->record.name;
    replace->params.slots = std::nullopt;
    if (auto invalid = validate(replace->params))
        return failLater(*invalid);

    const KiroNewAccount &p = replace->params;
    KiroAccountUpstream::RefreshInput input;
    input.authMethod = p.authMethod;
    input.refreshToken = p.refreshToken;
    input.clientId = p.clientId;
    input.clientSecret = p.clientSecret;
    input.authBaseUrl = authBaseUrl(p.authMethod, p.region);
    input.fingerprint.machineId = a->record.machineId;
    m_pendingReplaces.emplace(accountId, replace);
    replace->call
        = m_upstream.refresh(input, [this, replace](const KiroAccountUpstream::RefreshResult &result) {
              finishReplace(replace, result);
          });
}

void KiroAccountRegistry::finishReplace(const std::shared_ptr<PendingReplace> &replace,
                                        const KiroAccountUpstream::RefreshResult &result)
{
    const std::unique_ptr<KiroPendingCall> finished = std::move(replace->call);
    if (result.failure == KiroAccountUpstream::Failure::Rejected)
        return failReplace(replace,
                           KiroAccountFailure { KiroAccountErrorKind::InvalidRefreshToken,
                                                QStringLiteral("The Kiro auth service rejected the "
                                                               "credentials: %1")
                                                    .arg(result.message),
                                                QStringLiteral("refresh_token") });
    // Unlike a new account, an account already stored is not worth replacing with credentials nobody
    // proved: the user tries again when the auth service answers.
    if (result.failure != KiroAccountUpstream::Failure::None)
        return failReplace(
            replace,
            KiroAccountFailure { KiroAccountErrorKind::Upstream,
                                 QStringLiteral("Could not verify the credentials: %1").arg(result.message),
                                 {} });
    const KiroAccount *a = find(replace->accountId);
    if (!a)
        return failReplace(replace, notFound(replace->accountId).failure);
    replace->tokens = result.tokens;
    replace->profileArn
        = result.tokens.profileArn.isEmpty() ? replace->params.profileArn : result.tokens.profileArn;
    const QString refreshToken
        = result.tokens.refreshToken.isEmpty() ? replace->params.refreshToken : result.tokens.refreshToken;
    const bool idcMethod = replace->params.authMethod == idc();
    replace->writes.append({ clientIdName, replace->params.clientId.toUtf8() });
    replace->writes.append({ clientSecretName, replace->params.clientSecret.toUtf8() });
    replace->writes.append({ refreshTokenName, refreshToken.toUtf8() });
    replace->writes.append(
        { accessTokenName,
          accessTokenBlob(result.tokens.accessToken, m_clock.nowMs() + result.tokens.expiresInS * 1000) });
    if (!idcMethod) {
        // A social account has no client; empty values would only be read back as "missing".
        replace->writes.removeFirst();
        replace->writes.removeFirst();
    }
    writeNextReplaceSecret(replace);
}

void KiroAccountRegistry::writeNextReplaceSecret(const std::shared_ptr<PendingReplace> &replace)
{
    if (replace->writes.isEmpty())
        return commitReplace(replace);
    const auto [name, value] = replace->writes.takeFirst();
    // What goes back if a later step fails: the value the token service works with now.
    QByteArray previous;
    if (const auto *old = m_tokens.credentials(replace->accountId)) {
        if (name == refreshTokenName)
            previous = old->refreshToken.toUtf8();
        else if (name == clientIdName)
            previous = old->clientId.toUtf8();
        else if (name == clientSecretName)
            previous = old->clientSecret.toUtf8();
    }
    m_secrets.write(
        secretKey(replace->accountId, name), value, this,
        [this, replace, name, previous](const SecretResult &res) {
            if (!res.ok()) {
                return failReplace(
                    replace,
                    KiroAccountFailure {
                        KiroAccountErrorKind::SecretStore,
                        QStringLiteral("Could not store the account's secrets in the keychain: %1")
                            .arg(res.message),
                        {} });
            }
            replace->undo.append({ name, previous });
            writeNextReplaceSecret(replace);
        });
}

void KiroAccountRegistry::commitReplace(const std::shared_ptr<PendingReplace> &replace)
{
    KiroAccount *a = find(replace->accountId);
    if (!a)
        return failReplace(replace, notFound(replace->accountId).failure);
    AccountRecord r = a->record;
    r.authMethod = replace->params.authMethod;
    r.region = replace->params.region;
    r.profileArn = replace->profileArn;
    r.status = accountStatusName(AccountStatus::Active);
    r.lastError.clear();
    r.cooldownUntilMs = std::nullopt;
    // update() stores what the user edits (auth method, region, profile ARN); the health state has its own.
    auto saved = m_repository.update(r);
    if (saved && *saved)
        saved = m_repository.updateStatus(r.id, r.status, r.lastError, r.cooldownUntilMs);
    if (!saved || !*saved)
        return failReplace(replace,
                           saved ? notFound(replace->accountId).failure
                                 : KiroAccountFailure { KiroAccountErrorKind::Storage, saved.error(), {} });
    if (auto stored = m_repository.findById(r.id); stored && *stored)
        r = **stored;
    a->record = r;
    a->persisted = { r.status, r.lastError, r.cooldownUntilMs };
    resolveEndpoints(*a);
    m_pendingReplaces.erase(r.id);

    const QString refreshToken = replace->tokens.refreshToken.isEmpty() ? replace->params.refreshToken
                                                                        : replace->tokens.refreshToken;
    // A refresh still running with the old credentials would store its rotated token over the new one.
    if (m_tokens.isRefreshing(r.id)) {
        m_tokens.forget(r.id, QStringLiteral("Account %1 was signed in again; retry.").arg(r.id));
        m_tokens.track(r.id);
    }
    m_tokens.adopt(r.id, credentials(r, refreshToken, replace->params.clientId, replace->params.clientSecret),
                   replace->tokens.accessToken, m_clock.nowMs() + replace->tokens.expiresInS * 1000, 0);
    m_pool.markActive(r.id);
    qCInfo(lcKiro) << "account" << r.id << "signed in again (" << r.authMethod << ")";
    Q_EMIT accountUpdated(r.id);
    if (!replace->guarded || replace->context)
        replace->done(KiroAccountOutcome { info(*a), {} });
}

void KiroAccountRegistry::failReplace(const std::shared_ptr<PendingReplace> &replace,
                                      KiroAccountFailure failure)
{
    if (const auto it = m_pendingReplaces.find(replace->accountId);
        it != m_pendingReplaces.end() && it->second == replace)
        m_pendingReplaces.erase(it);
    // Put back what was already written, so the keychain matches the record and the token service again.
    for (const auto &[name, previous] : std::as_const(replace->undo)) {
        if (name == accessTokenName || previous.isEmpty())
            m_secrets.remove(secretKey(replace->accountId, name), this, [](const SecretResult &) {});
        else
            writeSecret(replace->accountId, name, previous);
    }
    replace->undo.clear();
    if (failure.kind != KiroAccountErrorKind::InvalidRequest
        && failure.kind != KiroAccountErrorKind::NotFound)
        qCWarning(lcKiro) << "could not sign account" << replace->accountId << "in again:" << failure.message;
    if (!replace->guarded || replace->context)
        replace->done(KiroAccountOutcome { std::nullopt, std::move(failure) });
}

KiroAccountOutcome KiroAccountRegistry::update(const QString &accountId, const KiroAccountChanges &changes)
{
    KiroAccount *a = find(accountId);
    if (!a)
        return notFound(accountId);
    AccountRecord r = a->record;
    if (changes.name) {
        const QString name = changes.name->trimmed();
        if (const auto problem = ClientStringBounds::nameProblem(name))
            return KiroAccountOutcome { std::nullopt,
                                        KiroAccountFailure { KiroAccountErrorKind::InvalidRequest, *problem,
                                                             QStringLiteral("name") } };
        r.name = name;
    }
    if (changes.slots) {
        if (*changes.slots && (**changes.slots < 1 || **changes.slots > maxSlots))
            return KiroAccountOutcome {
                std::nullopt,
                KiroAccountFailure {
                    KiroAccountErrorKind::InvalidRequest,
                    QStringLiteral("'slots' must be an integer between 1 and %1, or null for the default.")
                        .arg(maxSlots),
                    QStringLiteral("slots") }
            };
        r.slots = *changes.slots;
    }
    if (changes.enabled)
        r.enabled = *changes.enabled;
    if (changes.priority)
        r.priority = *changes.priority;
    auto saved = m_repository.update(r);
    if (!saved)
        return KiroAccountOutcome { std::nullopt,
                                    KiroAccountFailure { KiroAccountErrorKind::Storage, saved.error(), {} } };
    if (!*saved)
        return notFound(accountId);
    if (auto stored = m_repository.findById(accountId); stored && *stored)
        r.updatedAtMs = (*stored)->updatedAtMs;
    a->record = r;
    registerInPool(*a);
    Q_EMIT accountUpdated(accountId);
    return KiroAccountOutcome { info(*a), {} };
}

KiroAccountOutcome KiroAccountRegistry::remove(const QString &accountId)
{
    const auto it = m_accounts.find(accountId);
    if (it == m_accounts.end())
        return notFound(accountId);
    auto removed = m_repository.remove(accountId);
    if (!removed)
        return KiroAccountOutcome {
            std::nullopt, KiroAccountFailure { KiroAccountErrorKind::Storage, removed.error(), {} }
        };
    KiroAccountOutcome outcome { info(*it->second), {} };
    std::unique_ptr<KiroAccount> gone = std::move(it->second);
    m_accounts.erase(it);
    m_pool.removeAccount(accountId);
    for (const QString &name : secretNames()) {
        m_secrets.remove(secretKey(accountId, name), this, [accountId, name](const SecretResult &r) {
            if (!r.ok())
                qCWarning(lcKiro) << "could not remove the" << name << "of account" << accountId << ":"
                                  << r.message;
        });
    }
    m_tokens.forget(accountId, QStringLiteral("Account %1 was removed.").arg(accountId));
    gone.reset(); // aborts its usage call
    qCInfo(lcKiro) << "removed account" << accountId;
    Q_EMIT accountsChanged();
    return outcome;
}

} // namespace Drawbridge
