// SPDX-License-Identifier: MIT
#include "application.h"

#include <QCoreApplication>
#include <QDir>
#include <QProcessEnvironment>
#include <QSet>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "logfile.h"
#include "server/core/accountpool.h"
#include "server/core/apikeycodec.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/core/metrics.h"
#include "server/core/modelcatalog.h"
#include "server/core/ratelimiter.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kiroaccountsadminmodule.h"
#include "server/kiroprovider/kiroprovider.h"
#include "server/kiroprovider/kiroteamtokenstore.h"
#include "server/net/httpclient.h"
#include "server/net/httpclientoptions.h"
#include "server/net/httpupstreamconfig.h"
#include "server/secrets/databasesecretstore.h"
#include "server/secrets/keychainsecretstore.h"
#include "server/secrets/memorysecretstore.h"
#include "server/storage/accountrepository.h"
#include "server/storage/changefeed.h"
#include "server/storage/database.h"
#include "server/storage/instanceheartbeatrepository.h"
#include "server/storage/keyrepository.h"
#include "server/storage/migrations.h"
#include "server/storage/postgresurl.h"
#include "server/storage/ratewindowrepository.h"
#include "server/storage/secretrepository.h"
#include "server/storage/slotleaserepository.h"
#include "server/storage/teamheartbeat.h"
#include "server/storage/usageadminmodule.h"
#include "server/storage/usageledger.h"
#include "server/storage/usagequery.h"

// mimalloc's "return what you can to the system", when the executable was linked with it
// (app/CMakeLists.txt); weak, so that builds without it (the sanitizer builds, the tests) need no mimalloc
// and see a null pointer.
extern "C" void mi_collect(bool force) __attribute__((weak));

namespace Drawbridge {

namespace {

const QString adminTokenKey = QStringLiteral("admin/token");

} // namespace

Application::Application(CommandLine commandLine, ResolvedSettings settings, QObject *parent)
    : QObject(parent)
    , m_commandLine(std::move(commandLine))
    , m_settings(std::move(settings))
    , m_clock(std::make_unique<SystemClock>())
{
}

Application::~Application()
{
    // Requests first (they hold slots and sinks), then the services they used, storage last.
    m_heartbeat.reset(); // a clean stop: the team stops counting this instance at its next tick
    m_heartbeats.reset();
    m_gateway.reset();
    m_provider.reset();
    m_accountsAdmin.reset();
    m_accounts.reset();
    m_http.reset();
    m_pool.reset();
    m_metrics.reset();
    m_usageAdmin.reset();
    m_usage.reset();
    if (m_ledger)
        m_ledger->stop(); // writes every queued record before the database goes
    m_ledger.reset();
    m_changes.reset();
    m_keys.reset();
    m_keyRepository.reset();
    m_accountRepository.reset();
    m_secrets.reset();
    m_teamTokens.reset();
    m_secretTable.reset();
    if (m_limiter)
        m_limiter->setShared(nullptr);
    m_rateWindow.reset();
    m_slotLeases.reset();
    m_database.reset();
}

Status Application::openStorage()
{
    // Team mode: the database every instance shares, secrets included. It wins over --ephemeral, and a
    // database that cannot be reached stops the start: never a silent SQLite fallback.
    if (const QString url = settings().storage.url; !url.isEmpty()) {
        auto parsed = PostgresUrl::parse(url);
        if (!parsed)
            return Error { parsed.error() };
        auto db = Database::openPostgres(*parsed);
        if (!db)
            return Error { db.error() };
        m_database = std::move(*db);
    } else if (m_commandLine.ephemeral) {
        auto db = Database::openInMemory();
        if (!db)
            return Error { db.error() };
        m_database = std::move(*db);
    } else {
        QString dir = settings().storage.dataDir;
        if (dir.isEmpty())
            dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        if (!QDir().mkpath(dir))
            return Error { QStringLiteral("cannot create the data directory %1").arg(dir) };
        auto db = Database::open(QDir(dir).filePath(QStringLiteral("drawbridge.sqlite")));
        if (!db)
            return Error { db.error() };
        m_database = std::move(*db);
    }
    auto conn = m_database->connection();
    if (!conn)
        return Error { conn.error() };
    const Status migrated = Migrations::migrate(*conn);
    if (!migrated)
        return migrated;
    return Ok {};
}

Status Application::buildServices()
{
    const Settings &s = settings();
    m_keyRepository = std::make_unique<KeyRepository>(*m_database, *m_clock);
    m_accountRepository = std::make_unique<AccountRepository>(*m_database, *m_clock);
    m_keys = std::make_unique<KeyService>(*m_keyRepository, *m_clock);
    if (const Status loaded = m_keys->load(); !loaded)
        return loaded;
    if (m_database->isPostgres()) {
        // Team mode: a key created, edited or revoked on another instance is reloaded here within
        // milliseconds (PostgreSQL LISTEN/NOTIFY), well inside the second the contract allows.
        m_changes = std::make_unique<ChangeFeed>(*m_database);
        if (const Status listening = m_changes->subscribe(ChangeFeed::keysChannel()); !listening)
            return listening;
        connect(m_changes.get(), &ChangeFeed::changed, this, [this](const QString &channel) {
            if (channel != ChangeFeed::keysChannel())
                return;
            if (const Status reloaded = m_keys->load(); !reloaded)
                qCWarning(lcApp) << "could not reload the team's keys:" << reloaded.error();
        });
    }
    m_ledger
        = std::make_unique<UsageLedger>(*m_database, *m_clock, UsageLedgerOptions::fromSettings(s.storage));
    if (const Status started = m_ledger->start(); !started)
        return started;
    m_usage = std::make_unique<UsageQuery>(*m_database, *m_clock, s.storage.retentionDays);
    m_usageAdmin = std::make_unique<UsageAdminModule>(*m_usage, m_ledger.get());
    if (auto totals = m_usage->keyTotals(); totals.ok()) {
        QHash<QString, qint64> counts;
        for (const auto &t : *totals)
            counts.insert(t.keyId, t.totals.requests);
        m_keys->setRequestCounts(counts);
    }
    m_limiter = std::make_unique<RateLimiter>(*m_clock);
    if (m_database->isPostgres()) {
        // Team mode: one window per key for every instance together (one statement per admission).
        m_rateWindow = std::make_unique<RateWindowRepository>(*m_database);
        m_limiter->setShared(m_rateWindow.get());
    }
    m_models = std::make_unique<ModelCatalog>(s.kiro);

    AccountPool::Options poolOptions;
    poolOptions.queueTimeoutS = s.limits.queueTimeoutS;
    poolOptions.maxQueue = s.limits.maxQueue;
    poolOptions.leaseMaxAgeMs = qint64(s.server.requestTimeoutS + 60) * 1000;
    m_pool = std::make_unique<AccountPool>(*m_clock, poolOptions);
    if (m_database->isPostgres()) {
        // Team mode: an account's slots hold for every instance together; leases lapse 20 s after their
        // instance stopped renewing them (killed), so its slots come back by themselves.
        m_slotLeases = std::make_unique<SlotLeaseRepository>(*m_database);
        m_pool->setSharedSlots(m_slotLeases.get());
    }
    HttpClientOptions httpOptions;
    // Every account talks to the same upstream host; the pool's slots, not the HTTP client, bound
    // concurrency.
    httpOptions.maxConnectionsPerHost = 4096;
    httpOptions.maxWaitingPerHost = 8192;
    if (!s.kiro.caFile.isEmpty()) {
        if (const Status ca
            = HttpUpstreamConfig::addCaFile(httpOptions, s.kiro.caFile, QStringLiteral("kiro.ca_file"));
            !ca)
            return ca;
    }
    if (const Status proxy
        = HttpUpstreamConfig::setProxy(httpOptions, s.kiro.proxy, QProcessEnvironment::systemEnvironment(),
                                       QStringLiteral("kiro.proxy"));
        !proxy)
        return proxy;
    if (httpOptions.httpsProxy.type() != QNetworkProxy::NoProxy)
        qCInfo(lcApp) << "upstream https calls go through the proxy" << httpOptions.httpsProxy.hostName()
                      << httpOptions.httpsProxy.port();
    m_http = std::make_unique<HttpClient>(httpOptions);

    m_accounts = std::make_unique<KiroAccountManager>(s.kiro, *m_accountRepository, *m_secrets, *m_pool,
                                                      *m_http, *m_clock, KiroAccountManager::Options {});
    if (m_teamTokens) // team mode: one refresh at a time per account across the team
        m_accounts->tokens().setTeamStore(m_teamTokens.get());
    if (const Status started = m_accounts->start(); !started)
        return started;
    // The listed models are what the accounts may use (their catalogs), kept current as catalogs are read.
    m_models->setAccountModels(m_accounts->availableModels());
    connect(m_accounts.get(), &KiroAccountManager::modelsChanged, this,
            [this] { m_models->setAccountModels(m_accounts->availableModels()); });
    if (auto totals = m_usage->accountTotals(); totals.ok()) {
        for (const auto &t : *totals)
            m_accounts->setCreditsUsedTotal(t.accountId, t.totals.credits);
    }
    if (m_changes) {
        // Team mode: accounts added, edited or removed on another instance, and the states (cooldown, quota,
        // needs login, suspended) other instances found, within milliseconds.
        if (const Status listening = m_changes->subscribe(ChangeFeed::accountsChannel()); !listening)
            return listening;
        connect(m_changes.get(), &ChangeFeed::changed, this,
                [this](const QString &channel, const QString &id) {
                    if (channel != ChangeFeed::accountsChannel() || !m_accounts)
                        return;
                    if (!id.isEmpty())
                        return m_accounts->syncStored(id);
                    // Listening again after a lost connection: every account, stored or known here.
                    QSet<QString> ids;
                    if (auto stored = m_accountRepository->list(); stored.ok()) {
                        for (const AccountRecord &r : *stored)
                            ids.insert(r.id);
                    }
                    for (const auto &a : m_accounts->accounts())
                        ids.insert(a.record.id);
                    for (const QString &each : std::as_const(ids))
                        m_accounts->syncStored(each);
                });
    }

    KiroProvider::Options providerOptions;
    providerOptions.requestTimeoutS = s.server.requestTimeoutS;
    m_provider
        = std::make_unique<KiroProvider>(*m_pool, *m_accounts, *m_http, *m_clock, s.kiro, providerOptions);

    AccountPool *pool = m_pool.get();
    m_metrics = std::make_unique<Metrics>(
        *m_clock, [pool] { return pool->status(); },
        [pool] {
            Metrics::AccountStates states;
            for (const auto &a : pool->accounts())
                states.emplace_back(a.id,
                                    a.enabled ? accountStatusName(a.status) : QStringLiteral("disabled"));
            return states;
        });
    connect(m_provider.get(), &KiroProvider::upstreamError, this,
            [this](const QString &account, const QString &kind) { m_metrics->upstreamError(account, kind); });

    m_accountsAdmin = std::make_unique<KiroAccountsAdminModule>(*m_accounts, *m_pool);

    GatewayServices services { s, *m_clock, *m_keys, *m_limiter, *m_provider, *m_models };
    services.metrics = m_metrics.get();
    services.observers.push_back(m_ledger.get());
    services.observers.push_back(m_metrics.get());
    services.adminModules.push_back(m_accountsAdmin.get());
    services.adminModules.push_back(m_usageAdmin.get());
    m_gateway = std::make_unique<GatewayServer>(std::move(services));
    // After a burst, the allocator keeps the freed heap (and the pages freed inside it) for the next one: a
    // tray app holding 60 MB after 1,024 streams looks like a leak. Once idle, the gateway frees its buffers
    // and this hands the free pages back; the heap walk is for the idle timer only.
    m_gateway->setIdleRelease(
        [http = m_http.get()] {
            // Whichever allocator holds the heap gives its free pages back: mimalloc, which then serves every
            // allocation, or glibc's.
            if (mi_collect)
                mi_collect(true);
#if defined(__GLIBC__)
            else
                malloc_trim(0);
#endif
            // Idle upstream connections keep their read buffers (about 34 KB each) until the pool closes
            // them, idleTimeoutMs after their last use: once more after that.
            return std::chrono::milliseconds(
                http->idleConnectionCount() > 0 ? http->options().idleTimeoutMs + 1000 : 0);
        },
        std::chrono::seconds(2));
    connect(m_gateway.get(), &GatewayServer::drained, this, [this] {
        if (m_shuttingDown)
            finishShutdown();
    });
    if (m_database->isPostgres()) {
        // Team mode: /health and /admin/metrics answer for the whole team from what every instance writes
        // of itself every few seconds (off the request path; /health reads the cached snapshot).
        m_heartbeats = std::make_unique<InstanceHeartbeatRepository>(*m_database);
        AccountPool *pooled = m_pool.get();
        Metrics *metrics = m_metrics.get();
        m_heartbeat = std::make_unique<TeamHeartbeat>(
            *m_heartbeats, *m_clock,
            [pooled, metrics] {
                const PoolStatus status = pooled->status();
                return TeamHeartbeat::Sample { status.inFlight, status.queued, metrics->json() };
            },
            TeamHeartbeat::Options {});
        m_heartbeat->start();
        m_gateway->setTeamStatus(m_heartbeat.get());
    }
    return Ok {};
}

void Application::resolveAdminToken(std::function<void()> next)
{
    if (!settings().admin.authToken.isEmpty()) {
        m_adminToken = settings().admin.authToken;
        next();
        return;
    }
    m_secrets->read(adminTokenKey, this, [this, next](const SecretResult &r) {
        if (r.ok() && !r.data.isEmpty()) {
            m_adminToken = QString::fromUtf8(r.data);
            next();
            return;
        }
        m_adminToken = ApiKeyCodec::generateAdminToken();
        if (r.error != SecretError::NotFound) {
            // Without a keychain the token cannot be kept; it lives for this run only.
            next();
            return;
        }
        m_secrets->write(adminTokenKey, m_adminToken.toUtf8(), this, [next](const SecretResult &w) {
            if (!w.ok())
                qCWarning(lcApp) << "could not store the admin token in the keychain:" << w.message;
            next();
        });
    });
}

void Application::start(std::function<void(Status)> done)
{
    if (!m_commandLine.ephemeral && m_commandLine.action == CommandLine::Action::Run) {
        // The log goes to the data folder too (docs/configuration.md#logs); without it, stderr still has it
        // all.
        auto log
            = std::make_unique<LogFile>(dataDirectory() + QStringLiteral("/logs/drawbridge.log"), *m_clock);
        if (const Status opened = log->open(); opened) {
            log->install();
            m_logFile = std::move(log);
        } else {
            qCWarning(lcApp) << "no log file:" << opened.error();
        }
    }
    if (const Status opened = openStorage(); !opened) {
        // Queued: reported from inside start(), the caller's QCoreApplication::exit() would come before its
        // exec() and be lost, leaving a process that neither serves nor exits.
        QMetaObject::invokeMethod(
            this, [done, opened] { done(opened); }, Qt::QueuedConnection);
        return;
    }
    if (m_database->isPostgres()) {
        openTeamSecrets([this, done](const Status &opened) {
            if (!opened) {
                done(opened);
                return;
            }
            startServices(done);
        });
        return;
    }
    if (m_commandLine.ephemeral)
        m_secrets = std::make_unique<MemorySecretStore>();
    else
        m_secrets = std::make_unique<KeychainSecretStore>();
    startServices(done);
}

void Application::openTeamSecrets(std::function<void(Status)> next)
{
    const QString previous = qEnvironmentVariable("DRAWBRIDGE_SECRET_KEY_PREVIOUS");
    const auto open = [this, previous, next](const QString &keyHex) {
        auto cipher = SecretCipher::fromHex(keyHex, previous);
        if (!cipher) {
            next(Error { cipher.error() });
            return;
        }
        m_secretTable = std::make_unique<SecretRepository>(*m_database, *m_clock);
        auto store = std::make_unique<DatabaseSecretStore>(*m_secretTable, *cipher);
        // Token refreshes read the team's rotated tokens straight from the table, under the account's lock.
        m_teamTokens = std::make_unique<KiroTeamTokenStore>(*m_database, *m_secretTable, std::move(*cipher));
        // Every instance re-seals what the previous key sealed; replaceSealed() keeps concurrent instances
        // from undoing each other's writes.
        auto rotated = store->rotate();
        if (!rotated) {
            next(Error {
                QStringLiteral("re-sealing secrets with DRAWBRIDGE_SECRET_KEY: %1").arg(rotated.error()) });
            return;
        }
        if (rotated->resealed > 0)
            qCInfo(lcApp) << "re-sealed" << rotated->resealed
                          << "secret(s) with the new DRAWBRIDGE_SECRET_KEY";
        m_secrets = std::move(store);
        next(Ok {});
    };
    const QString fromEnvironment = qEnvironmentVariable("DRAWBRIDGE_SECRET_KEY");
    if (!fromEnvironment.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [open, fromEnvironment] { open(fromEnvironment); }, Qt::QueuedConnection);
        return;
    }
    // No key in the environment: the one an administrator put in this machine's keychain. Never a generated
    // one: every instance of the team must hold the same key.
    // checkAvailable() first: it is bounded in time, while a read without a secret service can hang.
    auto *keychain = new KeychainSecretStore(QStringLiteral("drawbridge"), this);
    const auto fail = [keychain, next](const QString &why) {
        keychain->deleteLater();
        next(Error {
            QStringLiteral("team mode (storage.url) needs DRAWBRIDGE_SECRET_KEY (64 hex digits) or the "
                           "keychain entry drawbridge/team-secret-key: %1")
                .arg(why) });
    };
    keychain->checkAvailable(this, [this, keychain, open, fail](const SecretResult &available) {
        if (!available.ok()) {
            fail(available.message);
            return;
        }
        keychain->read(QStringLiteral("team-secret-key"), this,
                       [keychain, open, fail](const SecretResult &result) {
                           if (!result.ok()) {
                               fail(result.message);
                               return;
                           }
                           keychain->deleteLater();
                           open(QString::fromLatin1(result.data));
                       });
    });
}

void Application::startServices(std::function<void(Status)> done)
{
    m_secrets->checkAvailable(this, [this, done](const SecretResult &available) {
        m_keychainAvailable = available.ok();
        if (!m_keychainAvailable) {
            m_keychainProblem = available.message;
            Q_EMIT keychainUnavailable(available.message);
        }
        resolveAdminToken([this, done] {
            if (const Status built = buildServices(); !built) {
                done(built);
                return;
            }
            m_gateway->setAdminToken(m_adminToken);
            // Printing the admin token and `connect` need the services, not a listening socket.
            if (m_commandLine.action != CommandLine::Action::Run) {
                done(Ok {});
                return;
            }
            const Result<quint16> port = m_gateway->start();
            if (!port) {
                done(Error { port.error() });
                return;
            }
            qCInfo(lcApp) << "listening on" << m_gateway->baseUrl();
            done(Ok {});
        });
    });
}

void Application::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    if (!m_gateway) {
        Q_EMIT stopped();
        return;
    }
    // Keep listening: /health must say "draining" and new requests get a clear 503 until we exit. A drain the
    // user started earlier (tray, POST /admin/drain) may be over already: then there is nothing to wait for.
    m_gateway->startDrain();
    if (m_gateway->isDrained()) {
        finishShutdown();
        return;
    }
    QTimer::singleShot(std::chrono::seconds(settings().server.drainTimeoutS), this, [this] {
        qCWarning(lcApp) << "drain timeout:" << m_gateway->inFlight() << "request(s) cut off";
        finishShutdown();
    });
}

void Application::finishShutdown()
{
    if (m_stopEmitted)
        return;
    m_stopEmitted = true;
    if (m_heartbeat)
        m_heartbeat->stop(); // drained: the team stops counting this instance at its next tick
    if (m_ledger) {
        if (const Status flushed = m_ledger->flush(); !flushed)
            qCWarning(lcApp) << "could not write the last usage records:" << flushed.error();
    }
    // From the event loop: callers may be inside a gateway callback.
    QMetaObject::invokeMethod(this, &Application::stopped, Qt::QueuedConnection);
}

bool Application::applyLive(const QString &key, const QVariant &value)
{
    Settings &s = m_settings.settings;
    if (key == QLatin1String("limits.default_rpm")) {
        // The gateway reads the default per request from these settings, so the next request sees it.
        s.limits.defaultRpm = value.toInt();
    } else if (key == QLatin1String("limits.max_queue") || key == QLatin1String("limits.queue_timeout_s")) {
        (key == QLatin1String("limits.max_queue") ? s.limits.maxQueue : s.limits.queueTimeoutS)
            = value.toInt();
        if (m_pool)
            m_pool->setQueueLimits(s.limits.maxQueue, s.limits.queueTimeoutS);
    } else if (key == QLatin1String("server.cors_origins")) {
        s.server.corsOrigins = value.toStringList();
        if (m_gateway)
            m_gateway->setCorsOrigins(s.server.corsOrigins);
    } else if (key == QLatin1String("kiro.trim_history")) {
        s.kiro.trimHistory = value.toBool();
        if (m_provider)
            m_provider->setTrimHistory(s.kiro.trimHistory);
    } else if (key == QLatin1String("kiro.slots_per_account")) {
        // The account manager reads the default from these settings; the pool's capacity of every account
        // without slots of its own is registered again, as the manager does it when it loads one.
        s.kiro.slotsPerAccount = value.toInt();
        if (m_accounts && m_pool) {
            for (const KiroAccountInfo &a : m_accounts->accounts()) {
                if (!a.record.slots)
                    m_pool->upsertAccount(a.record.id, std::max(1, s.kiro.slotsPerAccount), a.record.priority,
                                          a.record.enabled);
            }
        }
    } else {
        return false;
    }
    return true;
}

QString Application::logFilePath() const
{
    return m_logFile ? m_logFile->path() : QString();
}

QString Application::dataDirectory() const
{
    if (m_commandLine.ephemeral)
        return {};
    const QString dir = m_settings.settings.storage.dataDir;
    return dir.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) : dir;
}

} // namespace Drawbridge
