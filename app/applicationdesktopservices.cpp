// SPDX-License-Identifier: MIT
#include "applicationdesktopservices.h"

#include <QSettings>

#include "application.h"
#include "configeditor.h"
#include "server/gateway/gatewayserver.h"
#include "server/gateway/keyservice.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kirodevicelogin.h"
#include "server/kiroprovider/kirosociallogin.h"

namespace Drawbridge {

ApplicationDesktopServices::ApplicationDesktopServices(Application &app, QObject *parent)
    : DesktopServices(parent), m_app(app)
{
    GatewayServer &gateway = m_app.gateway();
    connect(&gateway, &GatewayServer::drainingChanged, this, &DesktopServices::drainingChanged);
    connect(&gateway, &GatewayServer::drained, this, &DesktopServices::drained);
    connect(&gateway, &GatewayServer::requestFinished, this, &DesktopServices::requestFinished);
    connect(&m_app, &Application::stopped, this, &DesktopServices::stopped);
}

ApplicationDesktopServices::~ApplicationDesktopServices() = default;

const Settings &ApplicationDesktopServices::settings() const
{
    return m_app.settings();
}

bool ApplicationDesktopServices::isEphemeral() const
{
    return m_app.commandLine().ephemeral;
}

QString ApplicationDesktopServices::adminToken() const
{
    return m_app.adminToken();
}

bool ApplicationDesktopServices::keychainAvailable() const
{
    return m_app.keychainAvailable();
}

QString ApplicationDesktopServices::keychainProblem() const
{
    return m_app.keychainProblem();
}

QString ApplicationDesktopServices::baseUrl() const
{
    return m_app.gateway().baseUrl();
}

bool ApplicationDesktopServices::isDraining() const
{
    return m_app.gateway().isDraining();
}

bool ApplicationDesktopServices::isDrained() const
{
    return m_app.gateway().isDrained();
}

int ApplicationDesktopServices::inFlight() const
{
    return m_app.gateway().inFlight();
}

void ApplicationDesktopServices::drain()
{
    m_app.gateway().startDrain();
}

void ApplicationDesktopServices::resume()
{
    m_app.gateway().resume();
}

void ApplicationDesktopServices::quit()
{
    m_app.shutdown();
}

void ApplicationDesktopServices::restart()
{
    m_restart = true;
    m_app.shutdown();
}

namespace {

/** The value in effect for a key the settings editor changes; invalid for one it does not know. */
QVariant currentValue(const Settings &s, const QString &key)
{
    if (key == QLatin1String("server.host"))
        return s.server.host;
    if (key == QLatin1String("server.port"))
        return s.server.port;
    if (key == QLatin1String("kiro.proxy"))
        return s.kiro.proxy;
    if (key == QLatin1String("storage.retention_days"))
        return s.storage.retentionDays;
    return {};
}

} // namespace

Result<QStringList> ApplicationDesktopServices::changeSettings(const QList<QPair<QString, QVariant>> &changes)
{
    if (m_app.configPath().isEmpty())
        return Error { QStringLiteral("no config file is in use (--ephemeral): nothing can be saved") };
    QList<ConfigEditor::Change> edits;
    for (const auto &[key, value] : changes)
        edits.append({ key, value });
    if (const Status written = ConfigEditor::write(m_app.configPath(), edits); !written)
        return Error { written.error() };
    // Only what the file now says differently from the running gateway can need a restart.
    QStringList restart;
    for (const auto &[key, value] : changes) {
        if (m_app.applyLive(key, value))
            continue;
        const QVariant current = currentValue(m_app.settings(), key);
        if (!current.isValid() || current.toString() != value.toString())
            restart.append(key);
    }
    return restart;
}

KeyService &ApplicationDesktopServices::keys()
{
    return m_app.keys();
}

KiroAccountManager &ApplicationDesktopServices::accounts()
{
    return m_app.accounts();
}

AccountPool &ApplicationDesktopServices::pool()
{
    return m_app.pool();
}

UsageQuery &ApplicationDesktopServices::usage()
{
    return m_app.usage();
}

RateLimiter &ApplicationDesktopServices::limiter()
{
    return m_app.limiter();
}

const ModelCatalog &ApplicationDesktopServices::models() const
{
    return m_app.models();
}

QString ApplicationDesktopServices::configFilePath() const
{
    return m_app.configPath();
}

QString ApplicationDesktopServices::dataDirectory() const
{
    return m_app.dataDirectory();
}

QString ApplicationDesktopServices::logFilePath() const
{
    return m_app.logFilePath();
}

QVariant ApplicationDesktopServices::desktopPreference(const QString &key, const QVariant &fallback) const
{
    if (isEphemeral())
        return m_ephemeralPreferences.value(key, fallback);
    return QSettings().value(key, fallback);
}

void ApplicationDesktopServices::setDesktopPreference(const QString &key, const QVariant &value)
{
    if (isEphemeral()) {
        m_ephemeralPreferences.insert(key, value);
        return;
    }
    QSettings().setValue(key, value);
}

std::unique_ptr<KiroDeviceLogin> ApplicationDesktopServices::createDeviceLogin(const QString &startUrl,
                                                                               const QString &region)
{
    // The same factory as the admin API's sign-in: the endpoint the account's token refreshes use.
    return m_app.accounts().createDeviceLogin(startUrl, region);
}

std::unique_ptr<KiroSocialLogin> ApplicationDesktopServices::createSocialLogin(const QString &provider)
{
    // The auth service the account's social token refreshes will use (kiro.social_auth_base_url).
    const KiroSettings &k = m_app.settings().kiro;
    const QString base = k.socialAuthBaseUrl.isEmpty()
        ? QStringLiteral("https://prod.%1.auth.desktop.kiro.dev").arg(k.region)
        : k.socialAuthBaseUrl;
    return std::make_unique<KiroSocialLogin>(m_app.http(), base, provider);
}

QStringList ApplicationDesktopServices::connectableTools() const
{
    return ToolConnector::tools();
}

QString ApplicationDesktopServices::toolDisplayName(const QString &tool) const
{
    return ToolConnector::displayName(tool);
}

ToolConnector::Target ApplicationDesktopServices::toolTarget(const QString &key) const
{
    const Settings &s = m_app.settings();
    return { m_app.gateway().baseUrl(), key, s.kiro.defaultModel, s.kiro.models };
}

Result<ToolConfigChange> ApplicationDesktopServices::planToolConnection(const QString &tool,
                                                                        const QString &key)
{
    // The new key does not exist until the change is confirmed: the diff shows a placeholder.
    const QString shown = key.isEmpty() ? QStringLiteral("db-<new key \"%1\">").arg(tool) : key;
    const auto plan = ToolConnector(m_toolEnv).plan(tool, toolTarget(shown));
    if (!plan)
        return Error { plan.error() };
    ToolConfigChange change;
    change.tool = tool;
    change.filePath = plan->filePath;
    change.exists = plan->exists;
    change.before = plan->before;
    change.diff = plan->diff;
    return change;
}

Result<QString> ApplicationDesktopServices::applyToolConnection(const ToolConfigChange &change,
                                                                const QString &key)
{
    const ToolConnector connector(m_toolEnv);
    // Re-plan with the real key, against the file as it was shown: apply() refuses it if it changed since.
    QString written = key;
    auto plan = connector.plan(change.tool,
                               toolTarget(written.isEmpty() ? QStringLiteral("db-placeholder") : written));
    if (!plan)
        return Error { plan.error() };
    if (plan->exists != change.exists || plan->before != change.before)
        return Error {
            QStringLiteral("%1 changed since the change was shown; look at it again").arg(change.filePath)
        };
    QString createdId;
    if (written.isEmpty()) {
        KeyService::NewKey request;
        request.name = change.tool;
        const auto created = m_app.keys().create(request);
        if (!created)
            return Error { created.error() };
        written = created->key;
        createdId = created->record.id;
        plan = connector.plan(change.tool, toolTarget(written));
    }
    const Status applied = plan ? connector.apply(*plan) : Status(Error { plan.error() });
    if (!applied) {
        // A key nobody can use any more must not stay valid.
        if (!createdId.isEmpty())
            (void)m_app.keys().revoke(createdId);
        return Error { applied.error() };
    }
    return written;
}

Status ApplicationDesktopServices::undoToolConnection(const QString &tool)
{
    return ToolConnector(m_toolEnv).undo(tool);
}

bool ApplicationDesktopServices::canUndoToolConnection(const QString &tool) const
{
    return ToolConnector(m_toolEnv).canUndo(tool);
}

} // namespace Drawbridge
