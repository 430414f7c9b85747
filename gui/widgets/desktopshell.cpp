// SPDX-License-Identifier: MIT
#include "desktopshell.h"

#include <QApplication>
#include <QIcon>
#include <QLocale>
#include <QTranslator>

#include "dialogprompter.h"
#include "gui/models/desktopservices.h"
#include "mainwindow.h"
#include "singleinstance.h"
#include "trayicon.h"

namespace Drawbridge {

DesktopShell::DesktopShell(DesktopServices &app, QObject *parent)
    : QObject(parent)
    , m_app(app)
    , m_translator(std::make_unique<QTranslator>())
    , m_prompter(std::make_unique<DialogPrompter>())
    , m_tray(nullptr)
    , m_instance(nullptr)
{
    // The .qm files are embedded under :/i18n by qt_add_translations. English is the fallback: its file holds
    // the plural forms ("1 request" / "2 requests").
    if (m_translator->load(QLocale(), QStringLiteral("drawbridge"), QStringLiteral("_"),
                           QStringLiteral(":/i18n"))
        || m_translator->load(QStringLiteral("drawbridge_en"), QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(m_translator.get());
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/app/drawbridge.svg")));
    QApplication::setQuitOnLastWindowClosed(false);

    m_window = std::make_unique<MainWindow>(app, *m_prompter);
    m_tray = new TrayIcon(app, this);
    connect(m_tray, &TrayIcon::openWindowRequested, m_window.get(), &MainWindow::bringToFront);
    connect(m_tray, &TrayIcon::quitRequested, this, &DesktopShell::quit);
    connect(m_tray, &TrayIcon::connectToolRequested, m_window.get(), [this] {
        m_window->bringToFront();
        m_window->openConnectDialog();
    });
    connect(m_window.get(), &MainWindow::quitRequested, this, &DesktopShell::quit);
    connect(m_window.get(), &MainWindow::closed, this, [this] {
        // Without a tray there is no way back to a hidden window: closing it quits.
        if (!QSystemTrayIcon::isSystemTrayAvailable()) {
            quit();
            return;
        }
        showCloseToTrayNotice();
    });

    const QString name = SingleInstance::serverNameFor(app.settings(), app.isEphemeral());
    if (!name.isEmpty()) {
        m_instance = new SingleInstance(name, this);
        m_instance->listen();
        connect(m_instance, &SingleInstance::raiseRequested, m_window.get(), &MainWindow::bringToFront);
    }
}

DesktopShell::~DesktopShell()
{
    if (m_translator)
        QCoreApplication::removeTranslator(m_translator.get());
}

QString DesktopShell::closeToTrayNoticeKey()
{
    return QStringLiteral("notices/closeToTrayShown");
}

bool DesktopShell::showCloseToTrayNotice()
{
    // Once: afterwards the user knows where the window went.
    if (m_app.desktopPreference(closeToTrayNoticeKey(), false).toBool())
        return false;
    m_app.setDesktopPreference(closeToTrayNoticeKey(), true);
    m_tray->showMessage(
        tr("Drawbridge is still running"),
        tr("The gateway keeps serving from the tray. Choose Quit in the tray menu to stop it."),
        QSystemTrayIcon::Information, TrayIcon::balloonMs);
    return true;
}

void DesktopShell::show()
{
    if (QSystemTrayIcon::isSystemTrayAvailable())
        m_tray->show();
    m_window->show();
}

void DesktopShell::quit()
{
    m_window->hide();
    m_app.quit();
}

} // namespace Drawbridge
