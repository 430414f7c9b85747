// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

#include "server/kiroprovider/kiroaccountmanager.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace Drawbridge {

/** Collects a Kiro account's credentials pasted by the user (refresh token; client id/secret for IdC). */
class AddAccountDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AddAccountDialog)

public:
    AddAccountDialog(int defaultSlots, QWidget *parent = nullptr);

    KiroAccountManager::NewAccount account() const;

private:
    void updateFields();

    QLineEdit *m_name;
    QComboBox *m_method;
    QLineEdit *m_refreshToken;
    QLineEdit *m_clientId;
    QLineEdit *m_clientSecret;
    QSpinBox *m_slots;
    int m_defaultSlots;
};

} // namespace Drawbridge
