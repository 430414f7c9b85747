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
    const QCommandLineOption key(QStringLiteral("key"),
                                 QStringLiteral("connect: the client key to write (default: a new key named "
                                                "after the tool)."),
                                 QStringLiteral("db-key"));
    const QCommandLineOption dryRun(QStringLiteral("dry-run"),
                                    QStringLiteral("connect: show the change and write nothing."));
    const QCommandLineOption undo(QStringLiteral("undo"),
                                  QStringLiteral("connect: put the tool's config back as it was before."));
    p.addOptions(
        { help, version, headless, ephemeral, config, dataDir, host, port, printToken, key, dryRun, undo });
    p.addPositionalArgument(
        QStringLiteral("connect"),
        QStringLiteral("connect claude-code|codex|opencode|continue: point that tool's own "
                       "config at this gateway."),
        QStringLiteral("[connect TOOL]"));

    if (!p.parse(arguments))
        return p.errorText();

    CommandLine cl;
    cl.helpText = p.helpText();
    const QStringList positional = p.positionalArguments();
    if (!positional.isEmpty()) {
        if (positional.first() != QLatin1String("connect"))
            return QStringLiteral("unexpected argument '%1' (see --help)").arg(positional.first());
        if (positional.size() != 2)
            return QStringLiteral("connect needs one tool: claude-code, codex, opencode or continue");
        cl.action = CommandLine::Action::Connect;
        cl.connectTool = positional.at(1);
        cl.connectKey = p.value(key);
        cl.dryRun = p.isSet(dryRun);
        cl.undo = p.isSet(undo);
        if (cl.undo && (cl.dryRun || p.isSet(key)))
            return QStringLiteral("connect --undo takes no --key or --dry-run");
    } else if (p.isSet(key) || p.isSet(dryRun) || p.isSet(undo)) {
        return QStringLiteral("--key, --dry-run and --undo belong to 'connect TOOL'");
    }
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
    if (p.isSet(printToken) && cl.action != CommandLine::Action::Connect)
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
