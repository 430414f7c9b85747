// SPDX-License-Identifier: MIT
#include <QCoreApplication>
#include <QStandardPaths>

#include <cstdio>
#include <memory>

#include "app/settingsresolver.h"
#include "application.h"
#include "commandline.h"
#include "connectcommand.h"
#include "server/core/epolleventdispatcher.h"
#include "server/gateway/gatewayserver.h"
#include "signalwatcher.h"

#ifdef DRAWBRIDGE_WITH_GUI
#include <QApplication>
#include <QProcess>

#include "applicationdesktopservices.h"
#include "gui/widgets/desktopshell.h"
#include "gui/widgets/singleinstance.h"
#endif

using namespace Drawbridge;

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "drawbridge: %s\n", qPrintable(message));
    return 2;
}

[[maybe_unused]] bool wantsGui(int argc, char **argv)
{
#ifdef DRAWBRIDGE_WITH_GUI
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--headless" || a == "--version" || a == "-v" || a == "--help" || a == "-h"
            || a == "--print-admin-token" || a == "connect")
            return false;
    }
    return true;
#else
    Q_UNUSED(argc);
    Q_UNUSED(argv);
    return false;
#endif
}

} // namespace

int main(int argc, char **argv)
{
    std::unique_ptr<QCoreApplication> qapp;
#ifdef DRAWBRIDGE_WITH_GUI
    if (wantsGui(argc, argv))
        qapp = std::make_unique<QApplication>(argc, argv);
#endif
    if (!qapp) {
        // The headless server's one event-loop thread carries every connection; see EpollEventDispatcher for
        // why it does not use Qt's poll-based dispatcher. DRAWBRIDGE_EVENT_DISPATCHER=qt keeps Qt's (for
        // comparison).
        if (qgetenv("DRAWBRIDGE_EVENT_DISPATCHER") != "qt") {
            auto dispatcher = std::make_unique<EpollEventDispatcher>();
            if (dispatcher->isValid())
                QCoreApplication::setEventDispatcher(dispatcher.release());
        }
        qapp = std::make_unique<QCoreApplication>(argc, argv);
    }
    QCoreApplication::setApplicationName(QStringLiteral("drawbridge"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DRAWBRIDGE_VERSION));

    const auto parsed = CommandLineParser::parse(QCoreApplication::arguments());
    if (const QString *error = std::get_if<QString>(&parsed))
        return fail(*error);
    CommandLine cl = std::get<CommandLine>(parsed);
#ifndef DRAWBRIDGE_WITH_GUI
    cl.headless = true;
#endif
    if (cl.action == CommandLine::Action::PrintHelp) {
        std::printf("%s", qPrintable(cl.helpText));
        return 0;
    }
    if (cl.action == CommandLine::Action::PrintVersion) {
        std::printf("drawbridge %s\n", DRAWBRIDGE_VERSION);
        return 0;
    }

    const QString defaultConfig = cl.ephemeral
        ? QString()
        : QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)
            + QStringLiteral("/drawbridge.toml");
    auto resolved
        = SettingsResolver::resolve(cl.overrides, QProcessEnvironment::systemEnvironment(), defaultConfig);
    if (!resolved)
        return fail(resolved.error());
    for (const QString &w : resolved->warnings)
        std::fprintf(stderr, "drawbridge: warning: %s\n", qPrintable(w));

    if (cl.action == CommandLine::Action::Connect) {
        ConnectCommand command(cl, std::move(*resolved));
        int connectCode = 0;
        command.run([&connectCode](int code) {
            connectCode = code;
            QMetaObject::invokeMethod(
                QCoreApplication::instance(), [code] { QCoreApplication::exit(code); }, Qt::QueuedConnection);
        });
        QCoreApplication::exec();
        return connectCode;
    }

#ifdef DRAWBRIDGE_WITH_GUI
    // A second desktop launch for the same profile raises the running instance (it holds the port).
    if (!cl.headless && cl.action == CommandLine::Action::Run
        && SingleInstance::raiseRunning(SingleInstance::serverNameFor(resolved->settings, cl.ephemeral))) {
        std::printf("drawbridge is already running; raised its window\n");
        return 0;
    }
#endif

    int exitCode = 0;
    int rc = 0;
    [[maybe_unused]] bool restart = false;
    {
        Application app(cl, std::move(*resolved));
        SignalWatcher signals;
        QObject::connect(&signals, &SignalWatcher::terminationRequested, &app,
                         [&app](int) { app.shutdown(); });
        QObject::connect(&app, &Application::stopped, qapp.get(), [] { QCoreApplication::exit(0); });
        QObject::connect(&app, &Application::keychainUnavailable, &app, [](const QString &reason) {
            std::fprintf(
                stderr,
                "drawbridge: warning: no OS keychain is available (%s); account secrets cannot be stored "
                "and the admin token lasts for this run only. Set DRAWBRIDGE_ADMIN_TOKEN to fix it.\n",
                qPrintable(reason));
        });

#ifdef DRAWBRIDGE_WITH_GUI
        std::unique_ptr<ApplicationDesktopServices> services;
        std::unique_ptr<DesktopShell> shell;
#endif
        app.start([&](const Status &status) {
            if (!status) {
                std::fprintf(stderr, "drawbridge: %s\n", qPrintable(status.error()));
                exitCode = 2;
                QCoreApplication::exit(2);
                return;
            }
            if (app.commandLine().action == CommandLine::Action::PrintAdminToken) {
                std::printf("%s\n", qPrintable(app.adminToken()));
                std::fflush(stdout);
                QCoreApplication::exit(0);
                return;
            }
            std::printf("drawbridge listening on %s\n", qPrintable(app.gateway().baseUrl()));
            std::fflush(stdout);
#ifdef DRAWBRIDGE_WITH_GUI
            if (!app.commandLine().headless) {
                services = std::make_unique<ApplicationDesktopServices>(app);
                shell = std::make_unique<DesktopShell>(*services);
                shell->show();
            }
#endif
        });
        rc = QCoreApplication::exec();
#ifdef DRAWBRIDGE_WITH_GUI
        restart = services && services->restartRequested();
        shell.reset();
        services.reset();
#endif
    }
#ifdef DRAWBRIDGE_WITH_GUI
    // Settings → Restart: the new process starts once this one has let go of its port and its single-instance
    // socket (Application and the shell are gone by now).
    if (restart && exitCode == 0)
        QProcess::startDetached(QCoreApplication::applicationFilePath(),
                                QCoreApplication::arguments().mid(1));
#endif
    return exitCode != 0 ? exitCode : rc;
}
