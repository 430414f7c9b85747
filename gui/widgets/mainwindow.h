// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

#include <functional>

class QLabel;
class QTabWidget;

namespace Drawbridge {

class AccountsWidget;
class ConnectDialog;
class DesktopServices;
class KeysWidget;
class LimitsWidget;
class LogWidget;
class Prompter;
class RequestLogModel;
class SettingsWidget;
class SignInDialog;
class UsageWidget;

/** The main window: one tab per area (keys, accounts, usage, limits, log, settings). Closing it only hides
 * it. */
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum Tab { KeysTab, AccountsTab, UsageTab, LimitsTab, LogTab, SettingsTab };

    MainWindow(DesktopServices &app, Prompter &prompter, QWidget *parent = nullptr);

    QTabWidget *tabs() const { return m_tabs; }
    KeysWidget *keysWidget() const { return m_keys; }
    AccountsWidget *accountsWidget() const { return m_accounts; }
    UsageWidget *usageWidget() const { return m_usage; }
    LimitsWidget *limitsWidget() const { return m_limits; }
    LogWidget *logWidget() const { return m_log; }
    SettingsWidget *settingsWidget() const { return m_settings; }
    RequestLogModel *requestLog() const { return m_requestLog; }
    /** Shown only when the OS keychain is unavailable (and not with --ephemeral). */
    QLabel *keychainBanner() const { return m_keychainBanner; }

    /** Shows, un-minimizes and raises the window. */
    void bringToFront();
    /** Opens the Connect a tool dialog (modal); @p hook sees it before it runs (tests close it). */
    void openConnectDialog();
    void setConnectDialogHook(std::function<void(ConnectDialog &)> hook) { m_connectHook = std::move(hook); }
    /** Opens the device-code sign-in (modal); @p hook sees it before it runs. */
    void openSignInDialog();
    void setSignInDialogHook(std::function<void(SignInDialog &)> hook) { m_signInHook = std::move(hook); }
    /** The same sign-in for an existing account that needs a new login (the same hook sees it). */
    void openSignInAgainDialog(const QString &accountId, const QString &name);

Q_SIGNALS:
    /** The user closed the window (it is hidden, not destroyed). */
    void closed();
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void updateStatus();

    DesktopServices &m_app;
    RequestLogModel *m_requestLog;
    QTabWidget *m_tabs;
    KeysWidget *m_keys;
    AccountsWidget *m_accounts;
    UsageWidget *m_usage;
    LimitsWidget *m_limits;
    LogWidget *m_log;
    SettingsWidget *m_settings;
    QLabel *m_status;
    QLabel *m_keychainBanner;
    std::function<void(ConnectDialog &)> m_connectHook;
    std::function<void(SignInDialog &)> m_signInHook;
};

} // namespace Drawbridge
