// SPDX-License-Identifier: MIT
#include "kiroaccountmanager.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <algorithm>

#include "server/core/accountpool.h"
#include "server/core/clientstringbounds.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/kiroprovider/kiroidetokenfile.h"
#include "server/net/httpcall.h"
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

} // namespace

/** An addAccount() in progress: the proving refresh, then the secret writes, then the database insert. */
struct KiroAccountManager::PendingAdd
{
    AccountRecord record;
    NewAccount params;
    QPointer<QObject> context;
    bool guarded = false;
    OutcomeCallback done;
    std::unique_ptr<HttpCall> call;
    KiroAccountApi::Tokens tokens;
    bool refreshed = false;
    QString transientError;
    int writesLeft = 0;
    QString writeError;
};

KiroAccountManager::KiroAccountManager(const KiroSettings &settings, AccountRepository &repository,
                                       SecretStore &secrets, AccountPool &pool, HttpClient &http,
                                       const Clock &clock, Options options, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_repository(repository)
    , m_secrets(secrets)
    , m_pool(pool)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_api(http)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(0);
    connect(&m_flushTimer, &QTimer::timeout, this, &KiroAccountManager::flushPoolStates);
    connect(&m_tickTimer, &QTimer::timeout, this, &KiroAccountManager::poll);
    // Every lease grant and release reports here too; the handler only marks the account, the flush compares.
    connect(&m_pool, &AccountPool::accountChanged, this, &KiroAccountManager::onPoolAccountChanged);
}

KiroAccountManager::~KiroAccountManager()
{
    flushPoolStates();
    // Pending HTTP calls end silently with their owners.
    m_pendingAdds.clear();
    m_accounts.clear();
}

QString KiroAccountManager::secretKey(const QString &accountId, const QString &name)
{
    return QStringLiteral("kiro/%1/%2").arg(accountId, name);
}

// --- lookup and presentation
// -------------------------------------------------------------------------------------

KiroAccountManager::Account *KiroAccountManager::find(const QString &accountId) const
{
    const auto it = m_accounts.find(accountId);
    return it == m_accounts.end() ? nullptr : it->second.get();
}

int KiroAccountManager::effectiveSlots(const AccountRecord &record) const
{
    return std::max(1, record.slots.value_or(m_settings.slotsPerAccount));
}

KiroAccountManager::AccountInfo KiroAccountManager::info(const Account &a) const
{
    AccountInfo out;
    out.record = a.record;
    out.slotsTotal = effectiveSlots(a.record);
    out.creditsUsed = a.creditsUsed;
    if (a.record.creditsRemaining)
        out.creditsRemaining = *a.record.creditsRemaining - a.creditsSincePoll;
    if (const auto view = m_pool.account(a.record.id)) {
        out.status = view->status;
        out.slotsTotal = view->slots;
        out.slotsInUse = view->inUse;
        if (view->cooldownUntilMs > 0)
            out.cooldownUntilMs = view->cooldownUntilMs;
        out.lastError = view->lastError;
        out.requests = view->requests;
    } else {
        out.status = statusFromName(a.record.status).value_or(AccountStatus::Error);
        out.cooldownUntilMs = a.record.cooldownUntilMs;
        out.lastError = a.record.lastError;
    }
    if (!a.record.enabled)
        out.status = AccountStatus::Disabled;
    return out;
}

std::vector<KiroAccountManager::AccountInfo> KiroAccountManager::accounts() const
{
    std::vector<AccountInfo> out;
    out.reserve(m_accounts.size());
    for (const auto &[id, a] : m_accounts)
        out.push_back(info(*a));
    // The repository's order: highest priority first, then oldest first.
    std::sort(out.begin(), out.end(), [](const AccountInfo &l, const AccountInfo &r) {
        if (l.record.priority != r.record.priority)
            return l.record.priority > r.record.priority;
        if (l.record.createdAtMs != r.record.createdAtMs)
            return l.record.createdAtMs < r.record.createdAtMs;
        return l.record.id < r.record.id;
    });
    return out;
}

std::optional<KiroAccountManager::AccountInfo> KiroAccountManager::account(const QString &accountId) const
{
    const Account *a = find(accountId);
    if (!a)
        return std::nullopt;
    return info(*a);
}

PoolStatus KiroAccountManager::poolStatus() const
{
    return m_pool.status();
}

int KiroAccountManager::queuedRequests() const
{
    return m_pool.queued();
}

KiroFingerprint KiroAccountManager::fingerprint(const Account &a) const
{
    KiroFingerprint f;
    f.machineId = a.record.machineId;
    return f;
}

QString KiroAccountManager::authBaseUrl(const QString &authMethod, const QString &region) const
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

QString KiroAccountManager::apiBaseUrl(const Account &a) const
{
    if (!m_settings.apiBaseUrl.isEmpty())
        return m_settings.apiBaseUrl;
    // The account's region is where it logs in (IdC may be anywhere); the API lives in the profile's region,
    // the 4th field of the ARN (§1.7, §1.8).
    const QString arnRegion = a.record.profileArn.section(u':', 3, 3);
    return QStringLiteral("https://q.%1.amazonaws.com")
        .arg(isRegion(arnRegion) ? arnRegion : m_settings.region);
}

KiroAccountContext KiroAccountManager::context(const Account &a) const
{
    KiroAccountContext c;
    c.accountId = a.record.id;
    c.accessToken = a.accessToken;
    c.profileArn = a.record.profileArn;
    c.region = a.record.region.isEmpty() ? m_settings.region : a.record.region;
    c.machineId = a.record.machineId;
    c.apiBaseUrl = apiBaseUrl(a);
    return c;
}

qint64 KiroAccountManager::backoffMs(int streak) const
{
    qint64 v = m_options.retryBaseMs;
    for (int i = 1; i < streak && v < m_options.retryCapMs; ++i)
        v *= 2;
    return std::min(v, m_options.retryCapMs);
}

// --- start-up
// ----------------------------------------------------------------------------------------------------

Status KiroAccountManager::start()
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
        auto a = std::make_unique<Account>();
        a->record = record;
        a->persistedStatus = record.status;
        a->persistedError = record.lastError;
        a->persistedCooldownUntilMs = record.cooldownUntilMs;
        if (a->record.machineId.isEmpty()) {
            // Every account needs its own stable fingerprint; a record without one gets it now, once.
            a->record.machineId = newMachineId();
            if (auto saved = m_repository.update(a->record); !saved)
                qCWarning(lcKiro) << "could not store the machine id of account" << record.id << ":"
                                  << saved.error();
        }
        Account &ref = *a;
        m_accounts.emplace(record.id, std::move(a));
        registerInPool(ref);
        restoreState(ref);
    }
    qCInfo(lcKiro) << "loaded" << m_accounts.size() << "Kiro account(s)";
    for (const auto &[id, a] : m_accounts)
        loadSecrets(id);
    if (m_options.tickIntervalMs > 0)
        m_tickTimer.start(m_options.tickIntervalMs);
    Q_EMIT accountsChanged();
    return Ok {};
}

void KiroAccountManager::registerInPool(Account &a)
{
    m_pool.upsertAccount(a.record.id, effectiveSlots(a.record), a.record.priority, a.record.enabled);
}

void KiroAccountManager::restoreState(Account &a)
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
        a.failureStreak = 1;
        a.retryAtMs = now;
        m_pool.markError(r.id, r.lastError,
                         std::max(now + m_options.retryBaseMs, r.cooldownUntilMs.value_or(0)));
    }
    // cooling_down is not restored: throttling cooldowns last seconds to minutes and start over cheaply.
}

// --- secrets
// -----------------------------------------------------------------------------------------------------

void KiroAccountManager::loadSecrets(const QString &accountId)
{
    Account *a = find(accountId);
    if (!a)
        return;
    a->secrets = SecretsState::Loading;
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

void KiroAccountManager::onSecretsLoaded(const QString &accountId,
                                         const QHash<QString, SecretResult> &results)
{
    Account *a = find(accountId);
    if (!a)
        return;
    for (const SecretResult &r : results) {
        if (r.error == SecretError::None || r.error == SecretError::NotFound)
            continue;
        a->secrets = SecretsState::Failed;
        ++a->failureStreak;
        a->secretsRetryAtMs = m_clock.nowMs() + backoffMs(a->failureStreak);
        const QString message
            = QStringLiteral("Cannot read the account's secrets from the keychain: %1").arg(r.message);
        qCWarning(lcKiro) << "account" << accountId << ":" << message;
        m_pool.markError(accountId, message, a->secretsRetryAtMs);
        resolveWaiters(*a, message);
        return;
    }
    a->secrets = SecretsState::Loaded;
    a->refreshToken = QString::fromUtf8(results.value(refreshTokenName).data);
    a->clientId = QString::fromUtf8(results.value(clientIdName).data);
    a->clientSecret = QString::fromUtf8(results.value(clientSecretName).data);
    const QJsonObject cached = QJsonDocument::fromJson(results.value(accessTokenName).data).object();
    a->accessToken = cached.value(QStringLiteral("accessToken")).toString();
    a->accessExpiresMs = qint64(cached.value(QStringLiteral("expiresAtMs")).toDouble());

    const bool incomplete = a->refreshToken.isEmpty()
        || (a->record.authMethod == idc() && (a->clientId.isEmpty() || a->clientSecret.isEmpty()));
    if (incomplete) {
        const QString message = QStringLiteral(
            "The account's credentials are missing from the keychain; log in again and re-add the account.");
        qCWarning(lcKiro) << "account" << accountId << ":" << message;
        m_pool.markNeedsLogin(accountId, message);
        resolveWaiters(*a, message);
        return;
    }
    const auto view = m_pool.account(accountId);
    if (view && view->status == AccountStatus::NeedsLogin) {
        // Whatever token the keychain still holds belongs to a login the service has already refused.
        resolveWaiters(*a,
                       view->lastError.isEmpty()
                           ? QStringLiteral("Account %1 needs a new login.").arg(accountId)
                           : view->lastError);
        return;
    }
    if (view && view->status == AccountStatus::Error && a->retryAtMs == 0) {
        // In error only because the keychain failed earlier: prove the credentials again now.
        a->retryAtMs = m_clock.nowMs();
    }
    if (!a->waiters.empty()) {
        if (tokenUsable(*a) && !a->forceQueued)
            resolveWaiters(*a, {});
        else
            startRefresh(*a);
    }
    poll();
}

void KiroAccountManager::writeSecret(const QString &accountId, const QString &name, const QByteArray &value)
{
    m_secrets.write(secretKey(accountId, name), value, this, [accountId, name](const SecretResult &r) {
        if (!r.ok()) {
            qCWarning(lcKiro) << "could not store the" << name << "of account" << accountId
                              << "in the keychain:" << r.message;
        }
    });
}

void KiroAccountManager::writeAccessToken(const Account &a)
{
    writeSecret(a.record.id, accessTokenName, accessTokenBlob(a.accessToken, a.accessExpiresMs));
}

// --- access tokens
// -----------------------------------------------------------------------------------------------

bool KiroAccountManager::tokenUsable(const Account &a) const
{
    return !a.accessToken.isEmpty() && a.accessExpiresMs - m_options.minTokenValidityMs > m_clock.nowMs();
}

bool KiroAccountManager::refreshDue(const Account &a) const
{
    return a.accessToken.isEmpty() || a.accessExpiresMs - m_options.refreshAheadMs <= m_clock.nowMs();
}

void KiroAccountManager::failLater(QObject *guard, TokenCallback done, const QString &error)
{
    QMetaObject::invokeMethod(
        guard ? guard : this, [done = std::move(done), error] { done(nullptr, error); },
        Qt::QueuedConnection);
}

void KiroAccountManager::accessToken(const QString &accountId, bool forceRefresh, QObject *guard,
                                     TokenCallback done)
{
    Account *a = find(accountId);
    if (!a)
        return failLater(guard, std::move(done), QStringLiteral("Unknown Kiro account '%1'.").arg(accountId));
    if (a->secrets == SecretsState::Failed)
        return failLater(
            guard, std::move(done),
            QStringLiteral("The keychain holding account %1's credentials is unavailable.").arg(accountId));
    if (a->secrets == SecretsState::Loaded) {
        if (const auto view = m_pool.account(accountId); view && view->status == AccountStatus::NeedsLogin) {
            return failLater(guard, std::move(done),
                             view->lastError.isEmpty()
                                 ? QStringLiteral("Account %1 needs a new login.").arg(accountId)
                                 : view->lastError);
        }
        if (!forceRefresh && tokenUsable(*a)) {
            // The hot path: the cached token is good. When it is within the refresh window, renew it in the
            // background so no request ever waits for a refresh while the old token still works.
            if (refreshDue(*a) && !a->refreshCall && a->retryAtMs == 0)
                startRefresh(*a);
            const KiroAccountContext ctx = context(*a);
            done(&ctx, QString());
            return;
        }
    }
    a->waiters.push_back(TokenWaiter { QPointer<QObject>(guard), guard != nullptr, std::move(done) });
    a->forceQueued = a->forceQueued || forceRefresh;
    if (a->secrets == SecretsState::Loaded && !a->refreshCall)
        startRefresh(*a);
}

void KiroAccountManager::startRefresh(Account &a)
{
    if (a.refreshCall)
        return;
    KiroAccountApi::RefreshInput input;
    input.authMethod = a.record.authMethod;
    input.refreshToken = a.refreshToken;
    input.clientId = a.clientId;
    input.clientSecret = a.clientSecret;
    input.authBaseUrl = authBaseUrl(a.record.authMethod, a.record.region);
    input.fingerprint = fingerprint(a);
    const QString id = a.record.id;
    qCDebug(lcKiro) << "refreshing the access token of account" << id;
    a.refreshCall
        = m_api.refresh(input, [this, id](const KiroAccountApi::RefreshResult &r) { onRefreshed(id, r); });
}

void KiroAccountManager::onRefreshed(const QString &accountId, const KiroAccountApi::RefreshResult &r)
{
    Account *a = find(accountId);
    if (!a)
        return;
    // Destroyed when this handler returns, which the HTTP client allows from inside the call's callback.
    const std::unique_ptr<HttpCall> finished = std::move(a->refreshCall);
    const qint64 now = m_clock.nowMs();

    if (r.failure == KiroAccountApi::Failure::None) {
        a->accessToken = r.tokens.accessToken;
        a->accessExpiresMs = now + r.tokens.expiresInS * 1000;
        if (!r.tokens.refreshToken.isEmpty() && r.tokens.refreshToken != a->refreshToken) {
            // The service rotated the refresh token: the old one is dead from now on.
            a->refreshToken = r.tokens.refreshToken;
            writeSecret(accountId, refreshTokenName, a->refreshToken.toUtf8());
        }
        if (!r.tokens.profileArn.isEmpty() && r.tokens.profileArn != a->record.profileArn) {
            // Losing the profile ARN makes the account fail with 403 later (§1.2), so it is kept at once.
            a->record.profileArn = r.tokens.profileArn;
            if (auto saved = m_repository.update(a->record); !saved)
                qCWarning(lcKiro) << "could not store the profile ARN of account" << accountId << ":"
                                  << saved.error();
        }
        writeAccessToken(*a);
        a->failureStreak = 0;
        a->retryAtMs = 0;
        if (const auto view = m_pool.account(accountId); view && view->status == AccountStatus::Error)
            m_pool.markActive(accountId);
        qCDebug(lcKiro) << "account" << accountId << "has a new access token until"
                        << isoTime(a->accessExpiresMs);
        resolveWaiters(*a, {});
        Q_EMIT accountUpdated(accountId);
        return;
    }

    if (r.failure == KiroAccountApi::Failure::Rejected) {
        a->accessToken.clear();
        a->accessExpiresMs = 0;
        a->retryAtMs = 0;
        a->failureStreak = 0;
        m_secrets.remove(secretKey(accountId, accessTokenName), this, [](const SecretResult &) {});
        const QString message
            = QStringLiteral(
                  "The refresh token was rejected; log in to Kiro again and re-add the account (%1).")
                  .arg(r.message);
        qCWarning(lcKiro) << "account" << accountId << "needs a new login:" << r.message;
        m_pool.markNeedsLogin(accountId, message);
        resolveWaiters(*a, message);
        return;
    }

    ++a->failureStreak;
    a->retryAtMs = now + backoffMs(a->failureStreak);
    if (tokenUsable(*a) && !a->forceQueued) {
        // A refresh ahead of expiry failed, but the current token still works: keep serving and retry later.
        qCWarning(lcKiro) << "account" << accountId << ": early token refresh failed, retrying at"
                          << isoTime(a->retryAtMs) << ":" << r.message;
        resolveWaiters(*a, {});
        return;
    }
    if (a->forceQueued) {
        // The upstream has called the cached token invalid; it must not be handed out again.
        a->accessToken.clear();
        a->accessExpiresMs = 0;
    }
    const QString message
        = QStringLiteral("Token refresh failed; retrying at %1 (%2).").arg(isoTime(a->retryAtMs), r.message);
    qCWarning(lcKiro) << "account" << accountId << ":" << message;
    m_pool.markError(accountId, message, a->retryAtMs);
    resolveWaiters(*a, message);
}

void KiroAccountManager::resolveWaiters(Account &a, const QString &error)
{
    std::vector<TokenWaiter> waiters;
    waiters.swap(a.waiters);
    a.forceQueued = false;
    const KiroAccountContext ctx = context(a);
    // A callback may remove this very account; from here on only the local copies are used.
    for (TokenWaiter &w : waiters) {
        if (w.guarded && !w.guard)
            continue;
        w.done(error.isEmpty() ? &ctx : nullptr, error);
    }
}

// --- quota and usage
// ---------------------------------------------------------------------------------------------

void KiroAccountManager::quotaExhausted(const QString &accountId, const QString &message)
{
    Account *a = find(accountId);
    if (!a)
        return;
    const qint64 now = m_clock.nowMs();
    const qint64 until = a->record.nextResetMs && *a->record.nextResetMs > now
        ? *a->record.nextResetMs
        : KiroUsageLimits::firstOfNextMonthMs(now);
    // Parked at once with the best date known; getUsageLimits then tells the real reset.
    m_pool.markQuotaExhausted(accountId, until,
                              message.isEmpty() ? QStringLiteral("The monthly quota is used up.") : message);
    if (a->usageRunning)
        a->usageParksQuota = true;
    else
        startUsagePoll(*a, true);
}

void KiroAccountManager::creditsUsed(const QString &accountId, double credits)
{
    Account *a = find(accountId);
    if (!a || !(credits > 0.0))
        return;
    a->creditsUsed += credits;
    a->creditsSincePoll += credits;
    Q_EMIT accountUpdated(accountId);
}

void KiroAccountManager::setCreditsUsedTotal(const QString &accountId, double total)
{
    Account *a = find(accountId);
    if (!a)
        return;
    a->creditsUsed = std::max(0.0, total);
    Q_EMIT accountUpdated(accountId);
}

void KiroAccountManager::refreshUsage(const QString &accountId)
{
    if (Account *a = find(accountId); a && !a->usageRunning)
        startUsagePoll(*a, false);
}

void KiroAccountManager::startUsagePoll(Account &a, bool parkQuota, bool retriedAuth)
{
    a.usageRunning = true;
    a.usageParksQuota = a.usageParksQuota || parkQuota;
    a.nextUsagePollMs = m_clock.nowMs() + m_options.usagePollIntervalMs;
    const QString id = a.record.id;
    accessToken(
        id, retriedAuth, this, [this, id, retriedAuth](const KiroAccountContext *ctx, const QString &error) {
            Account *acc = find(id);
            if (!acc)
                return;
            if (!ctx) {
                acc->usageRunning = false;
                qCDebug(lcKiro) << "usage poll of account" << id << "skipped:" << error;
                return;
            }
            KiroAccountApi::UsageInput input;
            input.apiBaseUrl = ctx->apiBaseUrl;
            input.accessToken = ctx->accessToken;
            // Sent for social logins only: enterprise IdC accounts are reported to get a 400 with it (§5.1).
            if (acc->record.authMethod == social())
                input.profileArn = ctx->profileArn;
            input.fingerprint = fingerprint(*acc);
            acc->usageCall
                = m_api.usageLimits(input, [this, id, retriedAuth](const KiroAccountApi::UsageResult &r) {
                      onUsageLimits(id, r, retriedAuth);
                  });
        });
}

void KiroAccountManager::onUsageLimits(const QString &accountId, const KiroAccountApi::UsageResult &r,
                                       bool retriedAuth)
{
    Account *a = find(accountId);
    if (!a)
        return;
    const std::unique_ptr<HttpCall> finished = std::move(a->usageCall);
    a->usageRunning = false;
    const bool park = std::exchange(a->usageParksQuota, false);
    const qint64 now = m_clock.nowMs();

    if (r.limits) {
        const KiroUsageLimits &limits = *r.limits;
        a->record.creditsRemaining = limits.remaining();
        a->record.usageLimit = limits.usageLimit;
        a->record.nextResetMs = limits.nextResetMs;
        a->creditsSincePoll = 0.0;
        if (auto saved = m_repository.updateQuota(accountId, a->record.creditsRemaining, a->record.usageLimit,
                                                  a->record.nextResetMs);
            !saved) {
            qCWarning(lcKiro) << "could not store the quota of account" << accountId << ":" << saved.error();
        }
        const qint64 until = limits.nextResetMs && *limits.nextResetMs > now
            ? *limits.nextResetMs
            : KiroUsageLimits::firstOfNextMonthMs(now);
        if (const auto view = m_pool.account(accountId)) {
            if (view->status == AccountStatus::QuotaExhausted && park) {
                m_pool.markQuotaExhausted(accountId, until, view->lastError);
            } else if (view->status == AccountStatus::Active && limits.remaining() <= 0.0
                       && !limits.overageEnabled) {
                m_pool.markQuotaExhausted(accountId, until,
                                          QStringLiteral("No credits left (%1 of %2 used).")
                                              .arg(limits.currentUsage)
                                              .arg(limits.usageLimit));
            }
        }
        Q_EMIT accountUpdated(accountId);
        return;
    }

    if (r.httpError) {
        switch (r.httpError->kind) {
        case KiroErrorKind::TokenInvalid:
            if (!retriedAuth) {
                a->usageParksQuota = park;
                startUsagePoll(*a, park, true);
                return;
            }
            break;
        case KiroErrorKind::Suspended:
            m_pool.markSuspended(accountId, r.httpError->accountNote());
            break;
        default:
            break;
        }
    }
    qCWarning(lcKiro) << "account" << accountId << ":" << r.message;
}

// --- periodic work
// -----------------------------------------------------------------------------------------------

void KiroAccountManager::poll()
{
    const qint64 now = m_clock.nowMs();
    std::vector<QString> ids;
    ids.reserve(m_accounts.size());
    for (const auto &[id, a] : m_accounts)
        ids.push_back(id);
    // By id, because starting work may call back into this object and change the map.
    for (const QString &id : ids) {
        Account *a = find(id);
        if (!a)
            continue;
        if (a->secrets == SecretsState::Failed) {
            if (a->secretsRetryAtMs <= now)
                loadSecrets(id);
            continue;
        }
        if (a->secrets != SecretsState::Loaded || !a->record.enabled)
            continue;
        const auto view = m_pool.account(id);
        if (!view || view->status == AccountStatus::NeedsLogin || view->status == AccountStatus::Suspended)
            continue;
        if (!a->refreshCall) {
            if (a->retryAtMs > 0 ? a->retryAtMs <= now : refreshDue(*a))
                startRefresh(*a);
        }
        a = find(id);
        if (a && !a->usageRunning && a->nextUsagePollMs <= now && view->status != AccountStatus::Error
            && a->retryAtMs == 0)
            startUsagePoll(*a, false);
    }
}

// --- pool state persistence
// --------------------------------------------------------------------------------------

void KiroAccountManager::onPoolAccountChanged(const QString &accountId)
{
    if (!find(accountId))
        return;
    m_dirty.insert(accountId);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void KiroAccountManager::flushPoolStates()
{
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    for (const QString &id : dirty) {
        Account *a = find(id);
        if (!a)
            continue;
        const auto view = m_pool.account(id);
        if (!view)
            continue;
        const QString status = accountStatusName(view->status);
        const std::optional<qint64> cooldown
            = view->cooldownUntilMs > 0 ? std::optional<qint64>(view->cooldownUntilMs) : std::nullopt;
        if (status != a->persistedStatus || view->lastError != a->persistedError
            || cooldown != a->persistedCooldownUntilMs) {
            if (auto saved = m_repository.updateStatus(id, status, view->lastError, cooldown); saved) {
                a->persistedStatus = status;
                a->persistedError = view->lastError;
                a->persistedCooldownUntilMs = cooldown;
                a->record.status = status;
                a->record.lastError = view->lastError;
                a->record.cooldownUntilMs = cooldown;
            } else {
                qCWarning(lcKiro) << "could not store the state of account" << id << ":" << saved.error();
            }
        }
        Q_EMIT accountUpdated(id);
    }
}

// --- mutations
// ---------------------------------------------------------------------------------------------------

std::optional<KiroAccountManager::Failure> KiroAccountManager::validate(NewAccount &n) const
{
    auto invalid = [](const char *param, const QString &message) {
        return Failure { ErrorKind::InvalidRequest, message, QLatin1String(param) };
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
    // A copied token cut short with an ellipsis can never work (kiro.rs refuses these too, §1.5).
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

QString KiroAccountManager::newAccountId() const
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

void KiroAccountManager::addAccount(const NewAccount &account, QObject *context, OutcomeCallback done)
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
    const NewAccount &p = add->params;
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

    KiroAccountApi::RefreshInput input;
    input.authMethod = p.authMethod;
    input.refreshToken = p.refreshToken;
    input.clientId = p.clientId;
    input.clientSecret = p.clientSecret;
    input.authBaseUrl = authBaseUrl(p.authMethod, p.region);
    input.fingerprint.machineId = r.machineId;
    m_pendingAdds.emplace(r.id, add);
    add->call = m_api.refresh(
        input, [this, add](const KiroAccountApi::RefreshResult &result) { finishAdd(add, result); });
}

void KiroAccountManager::finishAdd(const std::shared_ptr<PendingAdd> &add,
                                   const KiroAccountApi::RefreshResult &result)
{
    const std::unique_ptr<HttpCall> finished = std::move(add->call);
    if (result.failure == KiroAccountApi::Failure::Rejected) {
        failAdd(add,
                Failure {
                    ErrorKind::InvalidRefreshToken,
                    QStringLiteral("The Kiro auth service rejected the credentials: %1").arg(result.message),
                    QStringLiteral("refresh_token") });
        return;
    }
    AccountRecord &r = add->record;
    const qint64 now = m_clock.nowMs();
    if (result.failure == KiroAccountApi::Failure::None) {
        add->refreshed = true;
        add->tokens = result.tokens;
        if (!result.tokens.profileArn.isEmpty())
            r.profileArn = result.tokens.profileArn;
        r.status = accountStatusName(AccountStatus::Active);
    } else {
        add->transientError = QStringLiteral("Could not verify the credentials; retrying at %1 (%2).")
                                  .arg(isoTime(now + backoffMs(1)), result.message);
        r.status = accountStatusName(AccountStatus::Error);
        r.lastError = add->transientError;
        r.cooldownUntilMs = now + backoffMs(1);
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

void KiroAccountManager::commitAdd(const std::shared_ptr<PendingAdd> &add)
{
    AccountRecord &r = add->record;
    auto dropSecrets = [this, id = r.id] {
        for (const QString &name : secretNames())
            m_secrets.remove(secretKey(id, name), this, [](const SecretResult &) {});
    };
    if (!add->writeError.isEmpty()) {
        dropSecrets();
        failAdd(add,
                Failure { ErrorKind::SecretStore,
                          QStringLiteral("Could not store the account's secrets in the keychain: %1")
                              .arg(add->writeError),
                          {} });
        return;
    }
    auto inserted = m_repository.insert(r);
    if (!inserted || !*inserted) {
        dropSecrets();
        failAdd(add,
                Failure { ErrorKind::Storage,
                          inserted ? QStringLiteral("An account with id %1 exists already.").arg(r.id)
                                   : inserted.error(),
                          {} });
        return;
    }
    // Read back for the timestamps the repository set.
    if (auto stored = m_repository.findById(r.id); stored && *stored)
        r = **stored;

    const qint64 now = m_clock.nowMs();
    auto a = std::make_unique<Account>();
    a->record = r;
    a->secrets = SecretsState::Loaded;
    a->refreshToken
        = add->tokens.refreshToken.isEmpty() ? add->params.refreshToken : add->tokens.refreshToken;
    a->clientId = add->params.clientId;
    a->clientSecret = add->params.clientSecret;
    a->persistedStatus = r.status;
    a->persistedError = r.lastError;
    a->persistedCooldownUntilMs = r.cooldownUntilMs;
    if (add->refreshed) {
        a->accessToken = add->tokens.accessToken;
        a->accessExpiresMs = now + add->tokens.expiresInS * 1000;
    } else {
        a->failureStreak = 1;
        a->retryAtMs = r.cooldownUntilMs.value_or(now + backoffMs(1));
    }
    Account &ref = *a;
    m_accounts.emplace(r.id, std::move(a));
    m_pendingAdds.erase(r.id);
    registerInPool(ref);
    if (!add->refreshed)
        m_pool.markError(r.id, r.lastError, ref.retryAtMs);
    qCInfo(lcKiro) << "added" << r.authMethod << "account" << r.id
                   << (add->refreshed ? "" : "(auth service unreachable)");

    const Outcome outcome { info(ref), {} };
    Q_EMIT accountsChanged();
    Q_EMIT accountUpdated(r.id);
    if (!add->guarded || add->context)
        add->done(outcome);
    // The first usage poll tells the account's credits right away.
    if (Account *acc = find(r.id); acc && add->refreshed && !acc->usageRunning)
        startUsagePoll(*acc, false);
}

void KiroAccountManager::failAdd(const std::shared_ptr<PendingAdd> &add, Failure failure)
{
    m_pendingAdds.erase(add->record.id);
    if (failure.kind != ErrorKind::InvalidRequest)
        qCWarning(lcKiro) << "could not add a Kiro account:" << failure.message;
    if (!add->guarded || add->context)
        add->done(Outcome { std::nullopt, std::move(failure) });
}

void KiroAccountManager::importFromIdeFile(const QString &path, const QString &name, std::optional<int> slots,
                                           QObject *context, OutcomeCallback done)
{
    QString file = path;
    if (file.isEmpty())
        file = m_options.ideTokenFilePath.isEmpty() ? KiroIdeTokenFile::defaultPath()
                                                    : m_options.ideTokenFilePath;
    const QPointer<QObject> guard(context);
    const bool guarded = context != nullptr;
    auto deliver = [this, guard, guarded, done](Failure failure) {
        QMetaObject::invokeMethod(
            this,
            [guard, guarded, done, failure] {
                if (!guarded || guard)
                    done(Outcome { std::nullopt, failure });
            },
            Qt::QueuedConnection);
    };
    auto credentials = KiroIdeTokenFile::read(file);
    if (!credentials) {
        deliver(Failure { ErrorKind::ImportFailed,
                          QStringLiteral("Cannot import the Kiro IDE login: %1.").arg(credentials.error()),
                          QStringLiteral("path") });
        return;
    }
    NewAccount n;
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
    addAccount(n, context, [done, file](const Outcome &outcome) {
        if (outcome.ok() || outcome.failure.kind != ErrorKind::InvalidRequest
            || outcome.failure.param == QStringLiteral("slots")
            || outcome.failure.param == QStringLiteral("name")) {
            done(outcome);
            return;
        }
        // A field the file itself got wrong is an import failure, not a bad request parameter.
        done(Outcome { std::nullopt,
                       Failure { ErrorKind::ImportFailed,
                                 QStringLiteral("Cannot import the Kiro IDE login from %1: %2")
                                     .arg(file, outcome.failure.message),
                                 QStringLiteral("path") } });
    });
}

KiroAccountManager::Outcome KiroAccountManager::update(const QString &accountId, const Changes &changes)
{
    Account *a = find(accountId);
    if (!a)
        return Outcome {
            std::nullopt,
            Failure { ErrorKind::NotFound, QStringLiteral("No account with id '%1'.").arg(accountId), {} }
        };
    AccountRecord r = a->record;
    if (changes.name) {
        const QString name = changes.name->trimmed();
        if (const auto problem = ClientStringBounds::nameProblem(name))
            return Outcome { std::nullopt,
                             Failure { ErrorKind::InvalidRequest, *problem, QStringLiteral("name") } };
        r.name = name;
    }
    if (changes.slots) {
        if (*changes.slots && (**changes.slots < 1 || **changes.slots > maxSlots))
            return Outcome { std::nullopt,
                             Failure {
                                 ErrorKind::InvalidRequest,
                                 QStringLiteral(
                                     "'slots' must be an integer between 1 and %1, or null for the default.")
                                     .arg(maxSlots),
                                 QStringLiteral("slots") } };
        r.slots = *changes.slots;
    }
    if (changes.enabled)
        r.enabled = *changes.enabled;
    if (changes.priority)
        r.priority = *changes.priority;
    auto saved = m_repository.update(r);
    if (!saved)
        return Outcome { std::nullopt, Failure { ErrorKind::Storage, saved.error(), {} } };
    if (!*saved)
        return Outcome {
            std::nullopt,
            Failure { ErrorKind::NotFound, QStringLiteral("No account with id '%1'.").arg(accountId), {} }
        };
    if (auto stored = m_repository.findById(accountId); stored && *stored)
        r.updatedAtMs = (*stored)->updatedAtMs;
    a->record = r;
    registerInPool(*a);
    Q_EMIT accountUpdated(accountId);
    if (r.enabled)
        poll();
    a = find(accountId);
    if (!a)
        return Outcome {
            std::nullopt,
            Failure { ErrorKind::NotFound, QStringLiteral("No account with id '%1'.").arg(accountId), {} }
        };
    return Outcome { info(*a), {} };
}

KiroAccountManager::Outcome KiroAccountManager::remove(const QString &accountId)
{
    const auto it = m_accounts.find(accountId);
    if (it == m_accounts.end())
        return Outcome {
            std::nullopt,
            Failure { ErrorKind::NotFound, QStringLiteral("No account with id '%1'.").arg(accountId), {} }
        };
    auto removed = m_repository.remove(accountId);
    if (!removed)
        return Outcome { std::nullopt, Failure { ErrorKind::Storage, removed.error(), {} } };
    Outcome outcome { info(*it->second), {} };
    std::unique_ptr<Account> gone = std::move(it->second);
    m_accounts.erase(it);
    m_dirty.remove(accountId);
    m_pool.removeAccount(accountId);
    for (const QString &name : secretNames()) {
        m_secrets.remove(secretKey(accountId, name), this, [accountId, name](const SecretResult &r) {
            if (!r.ok())
                qCWarning(lcKiro) << "could not remove the" << name << "of account" << accountId << ":"
                                  << r.message;
        });
    }
    const QString message = QStringLiteral("Account %1 was removed.").arg(accountId);
    for (TokenWaiter &w : gone->waiters) {
        if (!w.guarded || w.guard)
            failLater(w.guarded ? w.guard.data() : nullptr, std::move(w.done), message);
    }
    gone.reset(); // aborts its refresh and usage calls
    qCInfo(lcKiro) << "removed account" << accountId;
    Q_EMIT accountsChanged();
    return outcome;
}

} // namespace Drawbridge
