// SPDX-License-Identifier: MIT
#include "addaccountdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace Drawbridge {

AddAccountDialog::AddAccountDialog(int defaultSlots, QWidget *parent)
    : QDialog(parent)
    , m_name(new QLineEdit(this))
    , m_method(new QComboBox(this))
    , m_refreshToken(new QLineEdit(this))
    , m_clientId(new QLineEdit(this))
    , m_clientSecret(new QLineEdit(this))
    , m_slots(new QSpinBox(this))
    , m_defaultSlots(defaultSlots)
{
    setWindowTitle(tr("Add Kiro account"));
    setMinimumWidth(480);
    auto *form = new QFormLayout(this);
    auto *intro = new QLabel(tr("Paste the credentials of a Kiro login. They are checked once with the auth "
                                "service and then kept in the system keychain, never in the database."),
                             this);
    intro->setWordWrap(true);
    form->addRow(intro);
    m_name->setAccessibleName(tr("Account name"));
    form->addRow(tr("&Name:"), m_name);
    m_method->addItem(tr("Social login (Google, GitHub)"), QStringLiteral("social"));
    m_method->addItem(tr("AWS IAM Identity Center / Builder ID"), QStringLiteral("idc"));
    m_method->setAccessibleName(tr("Login method"));
    form->addRow(tr("&Login method:"), m_method);
    m_refreshToken->setEchoMode(QLineEdit::Password);
    m_refreshToken->setAccessibleName(tr("Refresh token"));
    form->addRow(tr("&Refresh token:"), m_refreshToken);
    m_clientId->setAccessibleName(tr("Client id"));
    form->addRow(tr("Client &id:"), m_clientId);
    m_clientSecret->setEchoMode(QLineEdit::Password);
    m_clientSecret->setAccessibleName(tr("Client secret"));
    form->addRow(tr("Client &secret:"), m_clientSecret);
    m_slots->setRange(1, KiroAccountManager::maxSlots);
    m_slots->setValue(defaultSlots);
    m_slots->setAccessibleName(tr("Concurrent requests"));
    m_slots->setToolTip(tr("How many requests this account serves at once. Keep it low: high concurrency can "
                           "get an account throttled or suspended."));
    form->addRow(tr("Concurrent &requests:"), m_slots);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Add"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_method, &QComboBox::currentIndexChanged, this, &AddAccountDialog::updateFields);
    connect(m_refreshToken, &QLineEdit::textChanged, this, [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_refreshToken->text().trimmed().isEmpty());
    });
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    updateFields();
}

void AddAccountDialog::updateFields()
{
    const bool idc = m_method->currentData().toString() == QLatin1String("idc");
    m_clientId->setEnabled(idc);
    m_clientSecret->setEnabled(idc);
}

KiroAccountManager::NewAccount AddAccountDialog::account() const
{
    KiroAccountManager::NewAccount a;
    a.name = m_name->text().trimmed();
    a.authMethod = m_method->currentData().toString();
    a.refreshToken = m_refreshToken->text().trimmed();
    if (a.authMethod == QLatin1String("idc")) {
        a.clientId = m_clientId->text().trimmed();
        a.clientSecret = m_clientSecret->text().trimmed();
    }
    if (m_slots->value() != m_defaultSlots)
        a.slots = m_slots->value();
    return a;
}

} // namespace Drawbridge
