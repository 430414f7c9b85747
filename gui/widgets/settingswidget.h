// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLineEdit;
class QPushButton;

namespace Drawbridge {

class DesktopServices;

/** The Settings tab: the effective settings (read-only) and the admin token (reveal / copy). */
class SettingsWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsWidget)

public:
    explicit SettingsWidget(DesktopServices &app, QWidget *parent = nullptr);

    QLineEdit *adminTokenField() const { return m_token; }

private:
    QLineEdit *m_token;
    QPushButton *m_reveal;
};

} // namespace Drawbridge
