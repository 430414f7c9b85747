// SPDX-License-Identifier: MIT
#include "commandline.h"

#include <QCommandLineParser>

namespace Drawbridge {

std::variant<CommandLine, QString> CommandLineParser::parse(const QStringList &arguments)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Drawbridge: a local OpenAI- and Anthropic-compatible gateway that pools Kiro accounts."));
    const QCommandLineOption help({ QStringLiteral("h"), QStringLiteral("help") },
                                  QStringLiteral("Show this help and exit."));
    const QCommandLineOption version({ QStringLiteral("v"), QStringLiteral("version") },
                                     QStringLiteral("Show the version and exit."));
    const QCommandLineOption headless(QStringLiteral("headless"),
                                      QStringLiteral("Run the server only, without the desktop app."));
    const QCommandLineOption ephemeral(
        QStringLiteral("ephemeral"),
        QStringLiteral("Keep everything in memory (database and secrets); touch nothing on disk."));
    const QCommandLineOption config(QStringLiteral("config"),
                                    QStringLiteral("Config file (env DRAWBRIDGE_CONFIG)."),
                                    QStringLiteral("path"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
                                     QStringLiteral("Data directory (env DRAWBRIDGE_DATA_DIR)."),
                                     QStringLiteral("path"));
    const QCommandLineOption host(
        QStringLiteral("host"),
        QStringLiteral("Address to listen on (env DRAWBRIDGE_HOST; default 127.0.0.1)."),
        QStringLiteral("addr"));
    const QCommandLineOption port(
        QStringLiteral("port"),
        QStringLiteral("Port to listen on, 0 = any free port (env DRAWBRIDGE_PORT; default 8642)."),
        QStringLiteral("n"));
    const QCommandLineOption printToken(QStringLiteral("print-admin-token"),
                                        QStringLiteral("Print the admin API token and exit."));
    p.addOptions({ help, version, headless, ephemeral, config, dataDir, host, port, printToken });

    if (!p.parse(arguments))
        return p.errorText();
    if (!p.positionalArguments().isEmpty())
        return QStringLiteral("unexpected argument '%1' (see --help)").arg(p.positionalArguments().first());

    CommandLine cl;
    cl.helpText = p.helpText();
    if (p.isSet(help)) {
        cl.action = CommandLine::Action::PrintHelp;
        return cl;
    }
    if (p.isSet(version)) {
        cl.action = CommandLine::Action::PrintVersion;
        return cl;
    }
    cl.headless = p.isSet(headless);
    cl.ephemeral = p.isSet(ephemeral);
    if (p.isSet(printToken))
        cl.action = CommandLine::Action::PrintAdminToken;
    if (p.isSet(config))
        cl.overrides.configPath = p.value(config);
    if (p.isSet(dataDir))
        cl.overrides.dataDir = p.value(dataDir);
    if (p.isSet(host))
        cl.overrides.host = p.value(host);
    if (p.isSet(port)) {
        bool ok = false;
        const int n = p.value(port).toInt(&ok);
        if (!ok || n < 0 || n > 65535)
            return QStringLiteral("--port: \"%1\" is not a port number (0-65535)").arg(p.value(port));
        cl.overrides.port = n;
    }
    return cl;
}

} // namespace Drawbridge
