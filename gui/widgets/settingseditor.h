// SPDX-License-Identifier: MIT
#pragma once

#include <QGroupBox>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace Drawbridge {

class DesktopServices;

/**
 * @brief The settings a user changes most (address, limits, slots, CORS, history trimming, proxy), edited in
 * place and saved to drawbridge.toml (comments kept) when the gateway would accept them; they apply at the
 * next start, so a Restart button follows a save.
 */
class SettingsEditor final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsEditor)

public:
    explicit SettingsEditor(DesktopServices &services, QWidget *parent = nullptr);

    QLineEdit *host() const { return m_host; }
    QSpinBox *port() const { return m_port; }
    QSpinBox *defaultRpm() const { return m_rpm; }
    QSpinBox *maxQueue() const { return m_maxQueue; }
    QSpinBox *queueTimeout() const { return m_queueTimeout; }
    QSpinBox *slots() const { return m_slots; }
    QLineEdit *corsOrigins() const { return m_cors; }
    QSpinBox *retentionDays() const { return m_retention; }
    QCheckBox *trimHistory() const { return m_trim; }
    QLineEdit *proxy() const { return m_proxy; }
    QPushButton *saveButton() const { return m_save; }
    QPushButton *restartButton() const { return m_restart; }
    QLabel *status() const { return m_status; }

public Q_SLOTS:
    /** Validates and saves; false (and why, in status()) when nothing was written. */
    bool save();

Q_SIGNALS:
    /** A save went through; the settings that apply live are in effect. */
    void settingsSaved();

public:
    /** The words for a config key in "restart needed for: …". */
    static QString settingName(const QString &key);

private:
    void markChanged();

    DesktopServices &m_services;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QSpinBox *m_rpm;
    QSpinBox *m_maxQueue;
    QSpinBox *m_queueTimeout;
    QSpinBox *m_slots;
    QLineEdit *m_cors;
    QSpinBox *m_retention;
    QCheckBox *m_trim;
    QLineEdit *m_proxy;
    QPushButton *m_save;
    QPushButton *m_restart;
    QLabel *m_status;
};

} // namespace Drawbridge
