// SPDX-License-Identifier: MIT
#pragma once

#include <QSystemTrayIcon>

#include "gui/models/traystate.h"

class QAction;
class QMenu;
class QTimer;

namespace Drawbridge {

class DesktopServices;

/**
 * @brief The tray icon: its icon and tooltip show the gateway's state; its menu opens the window, copies the
 * base URL or a fresh client key, drains the server and quits.
 */
class TrayIcon final : public QSystemTrayIcon
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)

public:
    explicit TrayIcon(DesktopServices &app, QObject *parent = nullptr);
    ~TrayIcon() override;

    TrayState state() const { return m_state; }
    QString stateText() const;
    QMenu *menu() const { return m_menu; }

public Q_SLOTS:
    void updateState();
    void copyBaseUrl();
    /** Creates a client key named after the time and copies it; false when it could not be created. */
    bool copyNewKey();
    void drain();

Q_SIGNALS:
    void openWindowRequested();
    void connectToolRequested();
    void quitRequested();

private:
    DesktopServices &m_app;
    QMenu *m_menu;
    QAction *m_drain;
    QTimer *m_timer;
    TrayState m_state = TrayState::Idle;
    bool m_stopped = false;
    bool m_initialized = false;
};

} // namespace Drawbridge
