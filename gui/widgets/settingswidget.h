// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;

namespace Drawbridge {

class DesktopServices;
class SettingsEditor;

/**
 * The Settings tab: the effective settings (read-only), the admin token (reveal / copy), the base URLs to
 * copy and the desktop's own settings (launch at login, low-credit warning, open the config file, the data
 * folder and the log).
 */
class SettingsWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsWidget)

public:
    explicit SettingsWidget(DesktopServices &app, QWidget *parent = nullptr);

    QLineEdit *adminTokenField() const { return m_token; }
    QPushButton *copyOpenAiButton() const { return m_copyOpenAi; }
    QPushButton *copyAnthropicButton() const { return m_copyAnthropic; }
    QCheckBox *launchAtLogin() const { return m_launchAtLogin; }
    QDoubleSpinBox *lowCreditThreshold() const { return m_lowCredits; }
    SettingsEditor *editor() const { return m_editor; }
    QPushButton *openLogsButton() const { return m_openLogs; }
    /** The shown default rate limit (kept current when a save applies it live). */
    QLabel *defaultRpmValue() const { return m_rpmValue; }

private:
    /** "Copied" on @p button for a moment: the copy happened. */
    void flashCopied(QPushButton *button);
    /** The settings a save can change live, as they are in effect now. */
    void showLiveSettings();

    DesktopServices &m_app;
    QLineEdit *m_token;
    QPushButton *m_reveal;
    QPushButton *m_copyOpenAi = nullptr;
    QPushButton *m_copyAnthropic = nullptr;
    QCheckBox *m_launchAtLogin = nullptr;
    QDoubleSpinBox *m_lowCredits = nullptr;
    SettingsEditor *m_editor = nullptr;
    QPushButton *m_openLogs = nullptr;
    QLabel *m_corsValue = nullptr;
    QLabel *m_rpmValue = nullptr;
    QLabel *m_queueValue = nullptr;
};

} // namespace Drawbridge
