// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QVariantMap>

#include "app/toolconnector.h"
#include "gui/models/desktopservices.h"

namespace Drawbridge {

class Application;

/**
 * @brief The desktop app's view of a running Application.
 *
 * Built only with the desktop app (it links the GUI models library); the headless binary never sees it.
 */
class ApplicationDesktopServices final : public DesktopServices
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApplicationDesktopServices)

public:
    explicit ApplicationDesktopServices(Application &app, QObject *parent = nullptr);
    ~ApplicationDesktopServices() override;

    const Settings &settings() const override;
    bool isEphemeral() const override;
    QString adminToken() const override;
    bool keychainAvailable() const override;
    QString keychainProblem() const override;

    QString baseUrl() const override;
    bool isDraining() const override;
    bool isDrained() const override;
    int inFlight() const override;
    void drain() override;
    void resume() override;
    void quit() override;
    void restart() override;
    /** restart() was asked for: main() starts the new process once this one is gone. */
    bool restartRequested() const { return m_restart; }

    KeyService &keys() override;
    KiroAccountManager &accounts() override;
    AccountPool &pool() override;
    UsageQuery &usage() override;
    RateLimiter &limiter() override;
    const ModelCatalog &models() const override;

    QString configFilePath() const override;
    QString dataDirectory() const override;
    QString logFilePath() const override;

    QVariant desktopPreference(const QString &key, const QVariant &fallback) const override;
    void setDesktopPreference(const QString &key, const QVariant &value) override;

    Result<QStringList> changeSettings(const QList<QPair<QString, QVariant>> &changes) override;
    std::unique_ptr<KiroDeviceLogin> createDeviceLogin(const QString &startUrl,
                                                       const QString &region) override;
    std::unique_ptr<KiroSocialLogin> createSocialLogin(const QString &provider) override;

    QStringList connectableTools() const override;
    QString toolDisplayName(const QString &tool) const override;
    Result<ToolConfigChange> planToolConnection(const QString &tool, const QString &key) override;
    Result<QString> applyToolConnection(const ToolConfigChange &change, const QString &key) override;
    Status undoToolConnection(const QString &tool) override;
    bool canUndoToolConnection(const QString &tool) const override;

    /** Where the tools' config files are looked up (HOME, CODEX_HOME, …); tests point it at a temporary HOME.
     */
    void setToolEnvironment(const QProcessEnvironment &env) { m_toolEnv = env; }

private:
    ToolConnector::Target toolTarget(const QString &key) const;

    Application &m_app;
    QProcessEnvironment m_toolEnv = QProcessEnvironment::systemEnvironment();
    QVariantMap m_ephemeralPreferences;
    bool m_restart = false;
};

} // namespace Drawbridge
