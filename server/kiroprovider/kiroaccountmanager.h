// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "server/core/accountstatus.h"
#include "server/core/poolstatus.h"
#include "server/core/settings.h"
#include "server/kiroprovider/kiroaccountapi.h"
#include "server/kiroprovider/kirocredentialsource.h"
#include "server/secrets/secretresult.h"
#include "server/storage/accountrecord.h"

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class Clock;
class HttpCall;
class HttpClient;
class SecretStore;

/**
 * @brief The Kiro accounts: their metadata (AccountRepository), secrets (SecretStore), access tokens and
 * health, kept in step with the AccountPool.
 *
 * Secrets (refresh token, IdC client id and secret, the cached access token and its expiry) live only in
 * the SecretStore under `kiro/<accountId>/<name>` and in memory; never in SQLite and never in logs.
 * Access tokens are refreshed ahead of expiry, single-flight per account. A dead refresh token puts the
 * account in needs_login; an unreachable auth service puts it in error with a retry time, and the retry
 * happens by itself. Quota is read from getUsageLimits periodically and after a quota error.
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
        qint64 refreshAheadMs = 5 * 60'000; ///< refresh when the token expires within this (§1.5)
        qint64 minTokenValidityMs = 60'000; ///< a token closer to expiry is not handed out
        qint64 usagePollIntervalMs = 15 * 60'000; ///< getUsageLimits per account (§5.2)
        qint64 retryBaseMs = 30'000; ///< first retry after the auth service or keychain failed
        qint64 retryCapMs = 15 * 60'000;
        int tickIntervalMs = 15'000; ///< how often poll() runs by itself; 0 = never (tests call poll())
        QString ideTokenFilePath; ///< empty = KiroIdeTokenFile::defaultPath()
    };

    enum class ErrorKind {
        InvalidRequest, ///< a parameter is missing or malformed (see Failure::param)
        InvalidRefreshToken, ///< the auth service rejected the credentials; nothing was stored
        ImportFailed, ///< the IDE token file (or its companion) is missing or unreadable
        NotFound, ///< no account with that id
        SecretStore, ///< the keychain refused; nothing was stored
        Storage, ///< the database failed
    };

    struct Failure
    {
        ErrorKind kind = ErrorKind::Storage;
        QString message;
        QString param; ///< for InvalidRequest: the admin API field at fault
    };

    /** An account as the admin API and the GUI show it. No secrets. */
    struct AccountInfo
    {
        AccountRecord record;
        AccountStatus status = AccountStatus::Active; ///< the pool's; Disabled when the user disabled it
        int slotsTotal = 0;
        int slotsInUse = 0;
        std::optional<qint64> cooldownUntilMs;
        QString lastError;
        qint64 requests = 0; ///< slot leases granted since start
        double creditsUsed = 0.0; ///< metered through this gateway
        std::optional<double> creditsRemaining; ///< last polled, minus credits metered since
    };

    struct Outcome
    {
        std::optional<AccountInfo> account; ///< set on success
        Failure failure;

        bool ok() const { return account.has_value(); }
    };
    using OutcomeCallback = std::function<void(const Outcome &outcome)>;

    struct NewAccount
    {
        QString name;
        QString authMethod; ///< "social" | "idc"; empty = idc when a client id and secret are given
        QString refreshToken;
        QString clientId;
        QString clientSecret;
        QString region; ///< empty = kiro.region
        QString profileArn;
        std::optional<int> slots; ///< nullopt = kiro.slots_per_account
        int priority = 0;
        bool enabled = true;
    };

    struct Changes
    {
        std::optional<QString> name;
        std::optional<std::optional<int>> slots; ///< set to nullopt = back to kiro.slots_per_account
        std::optional<bool> enabled;
        std::optional<int> priority;
    };

    static constexpr int maxSlots = 64;

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
    Outcome update(const QString &accountId, const Changes &changes);
    /** Removes the account, its pool entry and its secrets; the outcome carries the account as it was. */
    Outcome remove(const QString &accountId);

    std::vector<AccountInfo> accounts() const;
    std::optional<AccountInfo> account(const QString &accountId) const;
    PoolStatus poolStatus() const;
    /** Requests waiting in the pool's queue for a slot (any account may serve them). */
    int queuedRequests() const;

    /** Total credits the usage ledger has recorded for the account; later creditsUsed() calls add to it. */
    void setCreditsUsedTotal(const QString &accountId, double total);
    /** Polls getUsageLimits for the account now. */
    void refreshUsage(const QString &accountId);
    /** Does whatever is due now; see the class comment. */
    void poll();

    /** The secret store key of one of an account's secrets, e.g. `kiro/<id>/refresh_token`. */
    static QString secretKey(const QString &accountId, const QString &name);

Q_SIGNALS:
    /** An account was added or removed. */
    void accountsChanged();
    /** Something shown about the account changed (state, slots in use, credits, settings). */
    void accountUpdated(const QString &accountId);

private:
    struct TokenWaiter
    {
        QPointer<QObject> guard;
        bool guarded = false;
        TokenCallback done;
    };

    enum class SecretsState { Loading, Loaded, Failed };

    struct Account
    {
        AccountRecord record;
        SecretsState secrets = SecretsState::Loading;
        qint64 secretsRetryAtMs = 0;
        QString refreshToken;
        QString clientId;
        QString clientSecret;
        QString accessToken;
        qint64 accessExpiresMs = 0;

        std::unique_ptr<HttpCall> refreshCall;
        std::vector<TokenWaiter> waiters;
        bool forceQueued = false; ///< a waiter distrusts the cached token
        int failureStreak = 0;
        qint64 retryAtMs = 0; ///< automatic refresh retry; 0 = none pending

        std::unique_ptr<HttpCall> usageCall;
        bool usageRunning = false; ///< waiting for a token or for getUsageLimits
        bool usageParksQuota = false; ///< the running poll follows a quota error
        qint64 nextUsagePollMs = 0;
        double creditsUsed = 0.0;
        double creditsSincePoll = 0.0;

        // What the database holds for the pool-owned state, so only real changes are written.
        QString persistedStatus;
        QString persistedError;
        std::optional<qint64> persistedCooldownUntilMs;
    };

    struct PendingAdd;

    Account *find(const QString &accountId) const;
    AccountInfo info(const Account &account) const;
    KiroFingerprint fingerprint(const Account &account) const;
    QString authBaseUrl(const QString &authMethod, const QString &region) const;
    QString apiBaseUrl(const Account &account) const;
    KiroAccountContext context(const Account &account) const;
    int effectiveSlots(const AccountRecord &record) const;
    qint64 backoffMs(int streak) const;
    std::optional<Failure> validate(NewAccount &account) const;
    QString newAccountId() const;

    void registerInPool(Account &account);
    void restoreState(Account &account);
    void loadSecrets(const QString &accountId);
    void onSecretsLoaded(const QString &accountId, const QHash<QString, SecretResult> &results);
    void writeSecret(const QString &accountId, const QString &name, const QByteArray &value);
    void writeAccessToken(const Account &account);

    bool tokenUsable(const Account &account) const;
    bool refreshDue(const Account &account) const;
    void startRefresh(Account &account);
    void onRefreshed(const QString &accountId, const KiroAccountApi::RefreshResult &result);
    void resolveWaiters(Account &account, const QString &error);
    void failLater(QObject *guard, TokenCallback done, const QString &error);

    void startUsagePoll(Account &account, bool parkQuota, bool retriedAuth = false);
    void onUsageLimits(const QString &accountId, const KiroAccountApi::UsageResult &result, bool retriedAuth);

    void finishAdd(const std::shared_ptr<PendingAdd> &add, const KiroAccountApi::RefreshResult &result);
    void commitAdd(const std::shared_ptr<PendingAdd> &add);
    void failAdd(const std::shared_ptr<PendingAdd> &add, Failure failure);

    void onPoolAccountChanged(const QString &accountId);
    void flushPoolStates();

    const KiroSettings &m_settings;
    AccountRepository &m_repository;
    SecretStore &m_secrets;
    AccountPool &m_pool;
    const Clock &m_clock;
    Options m_options;
    KiroAccountApi m_api;
    std::map<QString, std::unique_ptr<Account>> m_accounts;
    std::map<QString, std::shared_ptr<PendingAdd>> m_pendingAdds;
    QSet<QString> m_dirty; ///< accounts whose pool state may need persisting
    QTimer m_flushTimer;
    QTimer m_tickTimer;
    bool m_started = false;
};

} // namespace Drawbridge
