// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

#include "server/core/poolstatus.h"
#include "server/core/result.h"
#include "server/core/settings.h"
#include "server/kiroprovider/kiroaccountapi.h"
#include "server/kiroprovider/kiroaccountregistry.h"
#include "server/kiroprovider/kiroaccounttypes.h"
#include "server/kiroprovider/kirocredentialsource.h"
#include "server/kiroprovider/kiropoolstatepersistence.h"
#include "server/kiroprovider/kiroquotatracker.h"
#include "server/kiroprovider/kirotokenservice.h"

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class Clock;
class HttpClient;
class KiroDeviceLogin;
class SecretStore;

/**
 * @brief The Kiro accounts as one service: the composition of the token service (access tokens), the
 * registry (the accounts, their records and secrets), the quota tracker (getUsageLimits, credits) and the
 * pool-state persistence, kept in step with the AccountPool.
 *
 * Time comes from the injected Clock; poll() does whatever is due (proactive refreshes, retries, usage
 * polls) and runs on an internal timer, or is called by tests after moving a fake clock.
 */
class KiroAccountManager final : public QObject, public KiroCredentialSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroAccountManager)

public:
    struct Options
    {
        qint64 refreshAheadMs = 5 * 60'000; ///< refresh when the token expires within this
        qint64 minTokenValidityMs = 60'000; ///< a token closer to expiry is not handed out
        qint64 usagePollIntervalMs = 15 * 60'000; ///< getUsageLimits per account
        qint64 catalogRefreshIntervalMs = 60 * 60'000; ///< ListAvailableModels per account
        qint64 retryBaseMs = 30'000; ///< first retry after the auth service or keychain failed
        qint64 retryCapMs = 15 * 60'000;
        int tickIntervalMs = 15'000; ///< how often poll() runs by itself; 0 = never (tests call poll())
        QString ideTokenFilePath; ///< empty = KiroIdeTokenFile::defaultPath()
    };

    using ErrorKind = KiroAccountErrorKind;
    using Failure = KiroAccountFailure;
    using AccountInfo = KiroAccountInfo;
    using Outcome = KiroAccountOutcome;
    using OutcomeCallback = KiroAccountOutcomeCallback;
    using NewAccount = KiroNewAccount;
    using Changes = KiroAccountChanges;

    static constexpr int maxSlots = KiroAccountRegistry::maxSlots;

    KiroAccountManager(const KiroSettings &settings, AccountRepository &repository, SecretStore &secrets,
                       AccountPool &pool, HttpClient &http, const Clock &clock, Options options,
                       QObject *parent = nullptr);
    ~KiroAccountManager() override;

    /**
     * Loads every stored account into the pool, restores the states that outlive a restart (needs_login,
     * suspended, quota_exhausted, error) and starts reading secrets. Call once, after the pool exists.
     */
    Status start();

    // KiroCredentialSource
    /** Errors (unknown account, needs_login, refresh failure) are always reported asynchronously. */
    void accessToken(const QString &accountId, bool forceRefresh, QObject *guard,
                     TokenCallback done) override;
    void quotaExhausted(const QString &accountId, const QString &message) override;
    void creditsUsed(const QString &accountId, double credits) override;
    QString endpointRefused(const QString &accountId, const QString &baseUrl, const QString &reason) override;
    QSet<QString> accountsWithoutModel(const QString &modelId) const override;
    int contextWindow(const QString &accountId, const QString &modelId) const override;
    KiroReasoningSchema reasoningSchema(const QString &modelId) const override;

    /**
     * Refreshes once to prove the credentials, then stores the account (metadata in the database, secrets in
     * the keychain) and adds it to the pool. A rejected refresh token stores nothing (InvalidRefreshToken);
     * an unreachable auth service stores the account in status error with the reason in last_error. @p done
     * is dropped when @p context is destroyed first.
     */
    void addAccount(const NewAccount &account, QObject *context, OutcomeCallback done);
    /**
     * Adds the account the Kiro IDE is logged in with, from its token file (@p path empty = the default)
     * and, for IdC, the companion file. The files are only read. @p name empty = a name from the provider.
     */
    void importFromIdeFile(const QString &path, const QString &name, std::optional<int> slots,
                           QObject *context, OutcomeCallback done);
    /**
     * A device-code sign-in (AWS Builder ID or IAM Identity Center) for @p startUrl in @p region (empty =
     * kiro.region) against kiro.oidc_base_url, the endpoint the account's refreshes use; not started.
     */
    std::unique_ptr<KiroDeviceLogin> createDeviceLogin(const QString &startUrl, const QString &region) const;
    /** See KiroAccountRegistry::replaceCredentials(): "sign in again" in place, keeping id and history. */
    void replaceCredentials(const QString &accountId, const NewAccount &credentials, QObject *context,
                            OutcomeCallback done);
    Outcome update(const QString &accountId, const Changes &changes);
    /** Removes the account, its pool entry and its secrets; the outcome carries the account as it was. */
    Outcome remove(const QString &accountId);

    std::vector<AccountInfo> accounts() const;
    /** The models the accounts may use together (KiroAccountRegistry::allModels); see modelsChanged(). */
    QStringList availableModels() const;
    std::optional<AccountInfo> account(const QString &accountId) const;
    PoolStatus poolStatus() const;

    /** Total credits the usage ledger has recorded for the account; later creditsUsed() calls add to it. */
    void setCreditsUsedTotal(const QString &accountId, double total);
    /** Does whatever is due now; see the class comment. */
    void poll();
    /**
     * Team mode: another instance changed @p accountId (ChangeFeed::accountsChannel()): follow its row
     * (added, edited, removed) and the pool state it found (KiroPoolStatePersistence::adoptStored()).
     */
    void syncStored(const QString &accountId);

    /** The parts, for tests that watch their signals. */
    KiroTokenService &tokens() { return m_tokens; }
    KiroQuotaTracker &quota() { return m_quota; }
    KiroPoolStatePersistence &persistence() { return m_persistence; }

    /** The secret store key of one of an account's secrets, e.g. `kiro/<id>/refresh_token`. */
    static QString secretKey(const QString &accountId, const QString &name);

Q_SIGNALS:
    /** An account was added or removed. */
    void accountsChanged();
    /** Something shown about the account changed (state, slots in use, credits, settings). */
    void accountUpdated(const QString &accountId);
    /** availableModels() may have changed: an account was added or removed, or a catalog was read. */
    void modelsChanged();

protected:
    // accountUpdated() has listeners: slot grants and releases are announced too (they are not otherwise).
    void connectNotify(const QMetaMethod &signal) override;

private:
    void onAccountAdded(const QString &accountId, bool proven);

    const KiroSettings &m_settings;
    HttpClient &m_http;
    AccountPool &m_pool;
    const Clock &m_clock;
    Options m_options;
    KiroAccountApi m_api;
    KiroTokenService m_tokens;
    KiroAccountRegistry m_registry;
    KiroQuotaTracker m_quota;
    KiroPoolStatePersistence m_persistence;
    QTimer m_tickTimer;
};

} // namespace Drawbridge
