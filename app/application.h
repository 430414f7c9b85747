// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>

#include "app/settingsresolver.h"
#include "commandline.h"
#include "server/core/result.h"

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class ChangeFeed;
class Database;
class GatewayServer;
class HttpClient;
class KeyRepository;
class KeyService;
class KiroAccountManager;
class LogFile;
class KiroAccountsAdminModule;
class KiroProvider;
class Metrics;
class ModelCatalog;
class RateLimiter;
class RateWindowRepository;
class SlotLeaseRepository;
class InstanceHeartbeatRepository;
class TeamHeartbeat;
class SecretRepository;
class SecretStore;
class KiroTeamTokenStore;
class SystemClock;
class UsageAdminModule;
class UsageLedger;
class UsageQuery;

/**
 * @brief Composition root: constructs every service, wires them and owns their lifetimes.
 *
 * The only place that names concrete service types. The desktop shell (gui/) receives a reference and uses
 * the accessors; the headless mode runs just this.
 */
class Application final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Application)

public:
    Application(CommandLine commandLine, ResolvedSettings settings, QObject *parent = nullptr);
    ~Application() override;

    /** Opens storage and secrets, resolves the admin token, starts listening; @p done reports the outcome. */
    void start(std::function<void(Status)> done);
    /** Drain (bounded by server.drain_timeout_s), flush, then stopped(). */
    void shutdown();
    /**
     * Applies @p key = @p value (a config key, as the config file names it) to the running gateway when it
     * can change without a restart: limits.default_rpm, limits.max_queue, limits.queue_timeout_s,
     * server.cors_origins, kiro.trim_history and kiro.slots_per_account. False for any other key: that one
     * needs a restart.
     */
    bool applyLive(const QString &key, const QVariant &value);

    const Settings &settings() const { return m_settings.settings; }
    const CommandLine &commandLine() const { return m_commandLine; }
    QString adminToken() const { return m_adminToken; }
    bool keychainAvailable() const { return m_keychainAvailable; }
    QString keychainProblem() const { return m_keychainProblem; }
    /** The config file that was read or created ("" for none). */
    QString configPath() const { return m_settings.configPath; }
    /** Where the database lives ("" with --ephemeral). */
    QString dataDirectory() const;
    /** The log file being written (`<data dir>/logs/drawbridge.log`; "" with --ephemeral or when unwritable).
     */
    QString logFilePath() const;

    GatewayServer &gateway() { return *m_gateway; }
    KeyService &keys() { return *m_keys; }
    AccountPool &pool() { return *m_pool; }
    KiroAccountManager &accounts() { return *m_accounts; }
    Metrics &metrics() { return *m_metrics; }
    UsageLedger &ledger() { return *m_ledger; }
    UsageQuery &usage() { return *m_usage; }
    RateLimiter &limiter() { return *m_limiter; }
    const ModelCatalog &models() const { return *m_models; }
    Database &database() { return *m_database; }
    /** Where account secrets go: the OS keychain, memory with --ephemeral, the database in team mode. */
    SecretStore &secrets() { return *m_secrets; }
    SystemClock &clock() { return *m_clock; }
    /** The upstream HTTP client (for calls outside a request, such as the desktop's device sign-in). */
    HttpClient &http() { return *m_http; }

Q_SIGNALS:
    void keychainUnavailable(const QString &reason);
    void stopped();

private:
    /** Flushes the ledger and emits stopped() once, whichever of drained / drain timeout comes first. */
    void finishShutdown();
    Status openStorage();
    /** Team mode: secrets sealed in the shared database, with DRAWBRIDGE_SECRET_KEY or the keychain's key. */
    void openTeamSecrets(std::function<void(Status)> next);
    void startServices(std::function<void(Status)> done);
    void resolveAdminToken(std::function<void()> next);
    Status buildServices();

    CommandLine m_commandLine;
    ResolvedSettings m_settings;
    std::unique_ptr<SystemClock> m_clock;
    std::unique_ptr<LogFile> m_logFile; ///< after the clock it reads, before everything that logs
    std::unique_ptr<Database> m_database;
    std::unique_ptr<SecretRepository> m_secretTable; ///< team mode: where m_secrets keeps its sealed values
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<KiroTeamTokenStore> m_teamTokens; ///< team mode: refresh lock and stored tokens
    std::unique_ptr<KeyRepository> m_keyRepository;
    std::unique_ptr<AccountRepository> m_accountRepository;
    std::unique_ptr<KeyService> m_keys;
    std::unique_ptr<ChangeFeed> m_changes; ///< team mode: other instances' key changes
    std::unique_ptr<RateWindowRepository> m_rateWindow; ///< team mode: m_limiter's shared window
    std::unique_ptr<SlotLeaseRepository> m_slotLeases; ///< team mode: m_pool's shared slots
    std::unique_ptr<RateLimiter> m_limiter;
    std::unique_ptr<ModelCatalog> m_models;
    std::unique_ptr<AccountPool> m_pool;
    std::unique_ptr<HttpClient> m_http;
    std::unique_ptr<KiroAccountManager> m_accounts;
    std::unique_ptr<KiroProvider> m_provider;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<UsageLedger> m_ledger;
    std::unique_ptr<UsageQuery> m_usage;
    std::unique_ptr<UsageAdminModule> m_usageAdmin;
    std::unique_ptr<KiroAccountsAdminModule> m_accountsAdmin;
    std::unique_ptr<GatewayServer> m_gateway;
    std::unique_ptr<InstanceHeartbeatRepository> m_heartbeats; ///< team mode: the team_instances table
    std::unique_ptr<TeamHeartbeat> m_heartbeat; ///< team mode: this instance's heartbeat, the team's snapshot
    QString m_adminToken;
    bool m_keychainAvailable = false;
    QString m_keychainProblem;
    bool m_shuttingDown = false;
    bool m_stopEmitted = false;
};

} // namespace Drawbridge
