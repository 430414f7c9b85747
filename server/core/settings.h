// SPDX-License-Identifier: MIT
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

namespace Drawbridge {

/**
 * Typed settings with their defaults (docs/configuration.md#config-file). Persistence lives at the edge
 * (ConfigLoader).
 */
struct ServerSettings
{
    QString host = QStringLiteral("127.0.0.1");
    int port = 8642;
    int maxBodyMb = 16;
    QStringList corsOrigins;
    int requestTimeoutS = 600; ///< upper bound for one upstream request
    int drainTimeoutS = 30; ///< how long in-flight requests may finish after a drain
    int maxConnections = 1024; ///< open client connections; past it new ones get 503 and are closed
    int idleTimeoutS = 60; ///< an idle keep-alive connection (or a stalled request body) is closed
};

struct AdminSettings
{
    QString authToken; ///< empty = generated and kept in the keychain
};

struct LimitsSettings
{
    int defaultRpm = 60;
    int queueTimeoutS = 30;
    int maxQueue = 256; ///< bounded wait queue for slots
};

struct KiroSettings
{
    QString region = QStringLiteral("us-east-1");
    QString defaultModel = QStringLiteral("claude-sonnet-4.5");
    int slotsPerAccount = 3;
    /** One API base URL for every account; kept as the one-element form of apiBaseUrls. */
    QString apiBaseUrl;
    /** Ordered API base URLs tried for every account (`kiro.api_base_urls`); empty = apiBaseUrl, else the
     * defaults by auth method. */
    QStringList apiBaseUrls;
    QString socialAuthBaseUrl;
    QString oidcBaseUrl;
    /** Extra PEM CA bundle trusted for every upstream call, on top of the system CAs; "" = none. */
    QString caFile;
    /** "http://host:port" HTTP CONNECT proxy for upstream calls; "" = HTTPS_PROXY / NO_PROXY from the
     * environment. */
    QString proxy;
    QStringList models = {
        QStringLiteral("auto"),
        QStringLiteral("claude-sonnet-4"),
        QStringLiteral("claude-sonnet-4.5"),
        QStringLiteral("claude-sonnet-4.6"),
        QStringLiteral("claude-haiku-4.5"),
        QStringLiteral("claude-opus-4.5"),
        QStringLiteral("claude-opus-4.6"),
        QStringLiteral("claude-opus-4.7"),
    };
    QMap<QString, QString> modelAliases;
    /** true: unknown `claude-*` ids are 404 instead of resolving to the best model of their family. */
    bool strictModels = false;
    /** Drop the oldest turns of a conversation that does not fit (kiro.trim_history). */
    bool trimHistory = true;
    /** Largest generateAssistantResponse body sent (kiro.max_request_bytes). */
    int maxRequestBytes = 600'000;

    /** The configured API base URLs in order (apiBaseUrls, else apiBaseUrl); empty = use the defaults. */
    QStringList apiBaseUrlOverrides() const;
};

struct StorageSettings
{
    QString dataDir; ///< empty = platform AppDataLocation
    /** `storage.url`: "" = SQLite in dataDir; "postgresql://…" = team mode, shared by every instance. */
    QString url;
    int retentionDays = 30; ///< raw usage records older than this are pruned (rollups stay)
    int flushIntervalMs = 250; ///< usage ledger batch interval
};

struct Settings
{
    ServerSettings server;
    AdminSettings admin;
    LimitsSettings limits;
    KiroSettings kiro;
    StorageSettings storage;
};

} // namespace Drawbridge
