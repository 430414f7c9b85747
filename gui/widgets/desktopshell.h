// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

#include <memory>

class QTranslator;

namespace Drawbridge {

class DesktopServices;
class DialogPrompter;
class MainWindow;
class SingleInstance;
class TrayIcon;

/**
 * @brief The desktop app around a running gateway: tray icon, main window, translations and the
 * single-instance guard. Closing the window keeps Drawbridge in the tray; Quit shuts the gateway down.
 */
class DesktopShell final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DesktopShell)

public:
    explicit DesktopShell(DesktopServices &app, QObject *parent = nullptr);
    ~DesktopShell() override;

    /** Shows the tray icon (when the desktop has a tray) and the main window. */
    void show();
    void quit();
    /** The first time the window is closed to the tray, a balloon says so; false when it was shown before. */
    bool showCloseToTrayNotice();
    static QString closeToTrayNoticeKey();

    MainWindow &window() const { return *m_window; }
    TrayIcon &tray() const { return *m_tray; }

private:
    DesktopServices &m_app;
    std::unique_ptr<QTranslator> m_translator;
    std::unique_ptr<DialogPrompter> m_prompter;
    std::unique_ptr<MainWindow> m_window;
    TrayIcon *m_tray;
    SingleInstance *m_instance;
};

} // namespace Drawbridge
