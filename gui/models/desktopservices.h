// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <memory>

#include "server/core/requestrecord.h"
#include "server/core/result.h"
#include "server/core/settings.h"

namespace Drawbridge {

class AccountPool;
class KeyService;
class KiroAccountManager;
class KiroDeviceLogin;
class KiroSocialLogin;
class ModelCatalog;
class RateLimiter;
class UsageQuery;

/** One tool's config file change, as shown before it is written. */
struct ToolConfigChange
{
    QString tool; ///< "claude-code", "codex", "opencode", "continue"
    QString filePath; ///< the file that changes
    bool exists = false; ///< whether it exists now
    QString before; ///< its current text ("" when it does not exist yet)
    QString diff; ///< a unified diff from before to after; a new key shows as a placeholder
};

/**
 * @brief What the desktop app needs from the running gateway, and nothing more.
 *
 * The widgets and the tray depend on this interface, not on the composition root: app/ implements it, tests
 * can implement it too. Serving control (drain, resume, quit), the services behind the tabs, the settings in
 * effect,
 * the paths a user may want to open, and connecting a tool.
 */
class DesktopServices : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DesktopServices)

public:
    using QObject::QObject;
    ~DesktopServices() override;

    // The settings in effect and how the gateway runs.
    virtual const Settings &settings() const = 0;
    virtual bool isEphemeral() const = 0;
    virtual QString adminToken() const = 0;
    virtual bool keychainAvailable() const = 0;
    virtual QString keychainProblem() const = 0;

    // Serving.
    /** "http://127.0.0.1:8642", without /v1. */
    virtual QString baseUrl() const = 0;
    virtual bool isDraining() const = 0;
    /** Draining and no request left in flight. */
    virtual bool isDrained() const = 0;
    virtual int inFlight() const = 0;
    /** Stops accepting requests; the ones in flight finish. Undone by resume(). */
    virtual void drain() = 0;
    virtual void resume() = 0;
    /** Drains (bounded by server.drain_timeout_s), flushes, then stopped(). */
    virtual void quit() = 0;
    /** quit(), then Drawbridge starts again with the same command line (to apply changed settings). */
    virtual void restart() = 0;

    // The services behind the tabs.
    virtual KeyService &keys() = 0;
    virtual KiroAccountManager &accounts() = 0;
    virtual AccountPool &pool() = 0;
    virtual UsageQuery &usage() = 0;
    virtual RateLimiter &limiter() = 0;
    virtual const ModelCatalog &models() const = 0;

    // Files.
    /** The config file in effect ("" with --ephemeral). */
    virtual QString configFilePath() const = 0;
    /** The data folder ("" with --ephemeral). */
    virtual QString dataDirectory() const = 0;
    /** The log file being written ("" with --ephemeral, or when it could not be opened). */
    virtual QString logFilePath() const = 0;

    /**
     * The desktop app's own preferences (tray threshold, notices already shown), kept apart from the
     * gateway's config file; in memory only with --ephemeral.
     */
    virtual QVariant desktopPreference(const QString &key, const QVariant &fallback) const = 0;
    virtual void setDesktopPreference(const QString &key, const QVariant &value) = 0;

    /**
     * A device-code sign-in (AWS Builder ID or IAM Identity Center) for @p startUrl in @p region, against
     * kiro.oidc_base_url; not started.
     */
    virtual std::unique_ptr<KiroDeviceLogin> createDeviceLogin(const QString &startUrl, const QString &region)
        = 0;
    /** A Kiro social sign-in with @p provider ("Google", "Github") against kiro.social_auth_base_url. */
    virtual std::unique_ptr<KiroSocialLogin> createSocialLogin(const QString &provider) = 0;

    /**
     * Writes @p changes ("server.port" → 9000, …) into the config file, keeping its comments, when the result
     * is a config the gateway accepts, and applies those that can change while running at once. Returns the
     * keys whose new value waits for a restart (empty: everything is in effect).
     */
    virtual Result<QStringList> changeSettings(const QList<QPair<QString, QVariant>> &changes) = 0;

    // Connect a tool (docs/desktop.md).
    /** The tools that can be connected, by their command-line names ("claude-code", …). */
    virtual QStringList connectableTools() const = 0;
    virtual QString toolDisplayName(const QString &tool) const = 0;
    /** What connecting @p tool would change; with an empty @p key, a new key named after the tool. */
    virtual Result<ToolConfigChange> planToolConnection(const QString &tool, const QString &key) = 0;
    /**
     * Writes the change shown by @p change (the file must not have changed since), keeping a backup; with an
     * empty @p key it first creates a key named after the tool. Returns the key written.
     */
    virtual Result<QString> applyToolConnection(const ToolConfigChange &change, const QString &key) = 0;
    /** Puts the tool's config back as it was before the first connect. */
    virtual Status undoToolConnection(const QString &tool) = 0;
    virtual bool canUndoToolConnection(const QString &tool) const = 0;

Q_SIGNALS:
    void drainingChanged(bool draining);
    /** Draining and the last request in flight finished. */
    void drained();
    void requestFinished(const Drawbridge::RequestRecord &record);
    /** quit() completed: the app may exit. */
    void stopped();
};

} // namespace Drawbridge
