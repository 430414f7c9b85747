// SPDX-License-Identifier: MIT
#include "kiroaccountmanager.h"

#include <algorithm>

#include <QMetaMethod>

#include "server/core/accountpool.h"
#include "server/core/clock.h"
#include "server/kiroprovider/kirodevicelogin.h"

namespace Drawbridge {

namespace {

KiroTokenService::Options tokenOptions(const KiroAccountManager::Options &o)
{
    KiroTokenService::Options t;
    t.refreshAheadMs = o.refreshAheadMs;
    t.minTokenValidityMs = o.minTokenValidityMs;
    t.retryBaseMs = o.retryBaseMs;
    t.retryCapMs = o.retryCapMs;
    return t;
}

} // namespace

KiroAccountManager::KiroAccountManager(const KiroSettings &settings, AccountRepository &repository,
                                       SecretStore &secrets, AccountPool &pool, HttpClient &http,
                                       const Clock &clock, Options options, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_http(http)
    , m_pool(pool)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_api(http)
    , m_tokens(m_api, pool, clock, tokenOptions(m_options))
    , m_registry(settings, repository, secrets, pool, m_tokens, m_api, clock, m_options.ideTokenFilePath)
    , m_quota(m_registry, *this, m_api, pool, repository, clock, m_options.usagePollIntervalMs,
              m_options.catalogRefreshIntervalMs)
    , m_persistence(m_registry, pool, repository)
{
    connect(&m_tickTimer, &QTimer::timeout, this, &KiroAccountManager::poll);
    connect(&m_registry, &KiroAccountRegistry::accountsChanged, this, &KiroAccountManager::accountsChanged);
    connect(&m_registry, &KiroAccountRegistry::accountUpdated, this, &KiroAccountManager::accountUpdated);
    connect(&m_quota, &KiroQuotaTracker::accountUpdated, this, &KiroAccountManager::accountUpdated);
    connect(&m_persistence, &KiroPoolStatePersistence::accountUpdated, this,
            &KiroAccountManager::accountUpdated);
    connect(&m_registry, &KiroAccountRegistry::accountsChanged, this, &KiroAccountManager::modelsChanged);
    connect(&m_quota, &KiroQuotaTracker::catalogRefreshed, this, [this](const QString &, bool ok) {
        // A failed read keeps the account's models as they were.
        if (ok)
            Q_EMIT modelsChanged();
    });
    connect(&m_registry, &KiroAccountRegistry::secretsLoaded, this, &KiroAccountManager::poll);
    connect(&m_registry, &KiroAccountRegistry::accountAdded, this, &KiroAccountManager::onAccountAdded);
}

KiroAccountManager::~KiroAccountManager()
{
    m_persistence.flush();
}

void KiroAccountManager::connectNotify(const QMetaMethod &signal)
{
    // Lasts while accountUpdated() has a listener; KiroPoolStatePersistence asks at each grant or release.
    static const QMetaMethod updated = QMetaMethod::fromSignal(&KiroAccountManager::accountUpdated);
    if (signal == updated)
        m_persistence.announceLoadWhile([this] { return isSignalConnected(updated); });
}

QString KiroAccountManager::secretKey(const QString &accountId, const QString &name)
{
    return KiroAccountRegistry::secretKey(accountId, name);
}

Status KiroAccountManager::start()
{
    if (auto started = m_registry.start(); !started)
        return started;
    if (m_options.tickIntervalMs > 0 && !m_tickTimer.isActive())
        m_tickTimer.start(m_options.tickIntervalMs);
    Q_EMIT accountsChanged();
    return Ok {};
}

// --- KiroCredentialSource
// ----------------------------------------------------------------------------------------

void KiroAccountManager::accessToken(const QString &accountId, bool forceRefresh, QObject *guard,
                                     TokenCallback done)
{
    m_tokens.request(accountId, forceRefresh, guard,
                     [this, accountId, done = std::move(done)](const QString &token, const QString &error) {
                         if (!error.isEmpty())
                             return done(nullptr, error);
                         const KiroAccount *a = m_registry.find(accountId);
                         if (!a)
                             return done(nullptr, QStringLiteral("Account %1 was removed.").arg(accountId));
                         const KiroAccountContext ctx = m_registry.context(*a, token);
                         done(&ctx, QString());
                     });
}

void KiroAccountManager::quotaExhausted(const QString &accountId, const QString &message)
{
    m_quota.quotaExhausted(accountId, message);
}

void KiroAccountManager::creditsUsed(const QString &accountId, double credits)
{
    m_quota.creditsUsed(accountId, credits);
}

QString KiroAccountManager::endpointRefused(const QString &accountId, const QString &baseUrl,
                                            const QString &reason)
{
    const QString now = m_registry.endpointRefused(accountId, baseUrl, reason);
    m_persistence.endpointMoved(accountId);
    return now;
}

QSet<QString> KiroAccountManager::accountsWithoutModel(const QString &modelId) const
{
    QSet<QString> out;
    for (const QString &id : m_registry.ids()) {
        if (const KiroAccount *a = m_registry.find(id); a && !m_quota.serves(*a, modelId))
            out.insert(id);
    }
    return out;
}

int KiroAccountManager::contextWindow(const QString &accountId, const QString &modelId) const
{
    const KiroAccount *a = m_registry.find(accountId);
    return a ? m_quota.contextWindow(*a, modelId) : 0;
}

KiroReasoningSchema KiroAccountManager::reasoningSchema(const QString &modelId) const
{
    for (const QString &id : m_registry.ids()) {
        if (const KiroAccount *a = m_registry.find(id)) {
            if (const KiroReasoningSchema s = m_quota.reasoningSchema(*a, modelId); s.supported())
                return s;
        }
    }
    return {};
}

void KiroAccountManager::setCreditsUsedTotal(const QString &accountId, double total)
{
    m_quota.setCreditsUsedTotal(accountId, total);
}

// --- accounts
// ----------------------------------------------------------------------------------------------------

void KiroAccountManager::addAccount(const NewAccount &account, QObject *context, OutcomeCallback done)
{
    m_registry.addAccount(account, context, std::move(done));
}

void KiroAccountManager::importFromIdeFile(const QString &path, const QString &name, std::optional<int> slots,
                                           QObject *context, OutcomeCallback done)
{
    m_registry.importFromIdeFile(path, name, slots, context, std::move(done));
}

std::unique_ptr<KiroDeviceLogin> KiroAccountManager::createDeviceLogin(const QString &startUrl,
                                                                       const QString &region) const
{
    KiroDeviceLogin::Options options;
    options.startUrl = startUrl;
    options.region = region.isEmpty() ? m_settings.region : region;
    options.oidcBaseUrl = m_settings.oidcBaseUrl.isEmpty()
        ? QStringLiteral("https://oidc.%1.amazonaws.com").arg(options.region)
        : m_settings.oidcBaseUrl;
    return std::make_unique<KiroDeviceLogin>(m_http, m_clock, options);
}

void KiroAccountManager::replaceCredentials(const QString &accountId, const NewAccount &credentials,
                                            QObject *context, OutcomeCallback done)
{
    m_registry.replaceCredentials(accountId, credentials, context,
                                  [this, accountId, done = std::move(done)](const Outcome &outcome) {
                                      // Signed in again: its credits may have changed meanwhile.
                                      if (outcome.ok())
                                          m_quota.pollNow(accountId);
                                      done(outcome);
                                  });
}

void KiroAccountManager::syncStored(const QString &accountId)
{
    if (const auto stored = m_registry.syncStored(accountId))
        m_persistence.adoptStored(*stored);
}

void KiroAccountManager::onAccountAdded(const QString &accountId, bool proven)
{
    // The first usage poll tells the account's credits right away.
    if (proven)
        m_quota.pollNow(accountId);
}

KiroAccountManager::Outcome KiroAccountManager::update(const QString &accountId, const Changes &changes)
{
    Outcome outcome = m_registry.update(accountId, changes);
    if (!outcome.ok() || !outcome.account->record.enabled)
        return outcome;
    poll();
    const KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return Outcome {
            std::nullopt,
            Failure { ErrorKind::NotFound, QStringLiteral("No account with id '%1'.").arg(accountId), {} }
        };
    return Outcome { m_registry.info(*a), {} };
}

KiroAccountManager::Outcome KiroAccountManager::remove(const QString &accountId)
{
    return m_registry.remove(accountId);
}

QStringList KiroAccountManager::availableModels() const
{
    return m_registry.allModels();
}

std::vector<KiroAccountManager::AccountInfo> KiroAccountManager::accounts() const
{
    std::vector<AccountInfo> out;
    for (const QString &id : m_registry.ids()) {
        if (const KiroAccount *a = m_registry.find(id))
            out.push_back(m_registry.info(*a));
    }
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
    const KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return std::nullopt;
    return m_registry.info(*a);
}

PoolStatus KiroAccountManager::poolStatus() const
{
    return m_pool.status();
}

// --- periodic work
// -----------------------------------------------------------------------------------------------

void KiroAccountManager::poll()
{
    const qint64 now = m_clock.nowMs();
    // By id, because starting work may call back into this object and change the accounts.
    for (const QString &id : m_registry.ids()) {
        KiroAccount *a = m_registry.find(id);
        if (!a)
            continue;
        if (m_tokens.isUnavailable(id)) {
            if (a->secretsRetryAtMs <= now)
                m_registry.loadSecrets(id);
            continue;
        }
        if (!m_tokens.isLoaded(id) || !a->record.enabled)
            continue;
        const auto view = m_pool.account(id);
        if (!view || view->status == AccountStatus::NeedsLogin || view->status == AccountStatus::Suspended)
            continue;
        m_tokens.poll(id);
        if (m_registry.find(id) && view->status != AccountStatus::Error && m_tokens.retryAtMs(id) == 0)
            m_quota.poll(id);
    }
}

} // namespace Drawbridge
