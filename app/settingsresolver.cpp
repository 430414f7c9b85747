// SPDX-License-Identifier: MIT
#include "settingsresolver.h"

#include "configfile.h"

namespace Drawbridge {

namespace {

Result<int> parsePort(const QString &text, const QString &origin)
{
    bool ok = false;
    const int port = text.trimmed().toInt(&ok);
    if (!ok || port < 0 || port > 65535)
        return Error { QStringLiteral("%1: \"%2\" is not a port number (0-65535)").arg(origin, text) };
    return port;
}

} // namespace

Result<ResolvedSettings> SettingsResolver::resolve(const SettingsOverrides &flags,
                                                   const QProcessEnvironment &env,
                                                   const QString &defaultConfigPath)
{
    ResolvedSettings out;
    bool explicitPath = true;
    if (flags.configPath)
        out.configPath = *flags.configPath;
    else if (env.contains(QStringLiteral("DRAWBRIDGE_CONFIG")))
        out.configPath = env.value(QStringLiteral("DRAWBRIDGE_CONFIG"));
    else {
        out.configPath = defaultConfigPath;
        explicitPath = false;
    }

    if (!out.configPath.isEmpty()) {
        // A file the user named must exist; the default one is created with commented defaults.
        const Status loaded = ConfigFile::load(out.configPath, !explicitPath, out.settings, out.warnings);
        if (!loaded)
            return Error { loaded.error() };
    }

    Settings &s = out.settings;
    if (env.contains(QStringLiteral("DRAWBRIDGE_DATA_DIR")))
        s.storage.dataDir = env.value(QStringLiteral("DRAWBRIDGE_DATA_DIR"));
    if (env.contains(QStringLiteral("DRAWBRIDGE_HOST")))
        s.server.host = env.value(QStringLiteral("DRAWBRIDGE_HOST"));
    if (env.contains(QStringLiteral("DRAWBRIDGE_PORT"))) {
        const Result<int> port
            = parsePort(env.value(QStringLiteral("DRAWBRIDGE_PORT")), QStringLiteral("DRAWBRIDGE_PORT"));
        if (!port)
            return Error { port.error() };
        s.server.port = *port;
    }
    if (env.contains(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN")))
        s.admin.authToken = env.value(QStringLiteral("DRAWBRIDGE_ADMIN_TOKEN"));

    if (flags.dataDir)
        s.storage.dataDir = *flags.dataDir;
    if (flags.host)
        s.server.host = *flags.host;
    if (flags.port)
        s.server.port = *flags.port;

    if (s.server.host.trimmed().isEmpty())
        return Error { QStringLiteral("server.host must not be empty") };
    return out;
}

} // namespace Drawbridge
