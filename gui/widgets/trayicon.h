// SPDX-License-Identifier: MIT
#pragma once

#include <QSet>
#include <QSystemTrayIcon>

#include "gui/models/traystate.h"

class QAction;
class QMenu;
class QTimer;

namespace Drawbridge {

class DesktopServices;

/**
 * @brief The tray icon: its icon and tooltip show the gateway's state, free slots and credits left; its menu
 * opens the window, copies the base URL or a fresh client key, connects a tool, pauses accounts, stops and
 * resumes serving and quits. It warns once when an account's credits fall below the configured threshold.
 */
class TrayIcon final : public QSystemTrayIcon
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)

public:
    /** The desktop preference holding the low-credit threshold (credits; 0 = never warn). */
    static QString lowCreditThresholdKey();
    static constexpr double defaultLowCreditThreshold = 10.0;
    /** How long a balloon stays; every balloon has a timeout so none lingers. */
    static constexpr int balloonMs = 5000;

    explicit TrayIcon(DesktopServices &app, QObject *parent = nullptr);
    ~TrayIcon() override;

    TrayState state() const { return m_state; }
    QString stateText() const;
    /** "4 of 6 slots free · 812.5 credits left", as in the tooltip and the menu. */
    QString capacityText() const;
    QMenu *menu() const { return m_menu; }
    QMenu *accountsMenu() const { return m_accountsMenu; }
    QAction *serveAction() const { return m_serve; }
    /** The last balloon's text (tests read it; the desktop shows it). */
    QString lastMessage() const { return m_lastMessage; }

public Q_SLOTS:
    void updateState();
    void copyBaseUrl();
    /** Creates a client key named after the time and copies it; false when it could not be created. */
    bool copyNewKey();
    /** Stops serving (requests in flight finish), or resumes when stopped. */
    void drain();
    /** Pauses (or resumes) one account; false when the account manager refused. */
    bool setAccountPaused(const QString &accountId, bool paused);

Q_SIGNALS:
    void openWindowRequested();
    void connectToolRequested();
    void quitRequested();

private:
    void rebuildAccountsMenu();
    void checkCredits();
    void notify(const QString &text, MessageIcon icon);

    DesktopServices &m_app;
    QMenu *m_menu;
    QMenu *m_accountsMenu;
    QAction *m_capacity;
    QAction *m_serve;
    QTimer *m_timer;
    TrayState m_state = TrayState::Idle;
    QSet<QString> m_lowCreditWarned; ///< accounts already warned about, until they are above the threshold
    QString m_lastMessage;
    bool m_stopped = false;
    bool m_initialized = false;
};

} // namespace Drawbridge
