// SPDX-License-Identifier: MIT
#include "signindialog.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QFont>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

#include "gui/models/desktopservices.h"
#include "server/kiroprovider/kiroaccountmanager.h"
#include "server/kiroprovider/kirodevicelogin.h"
#include "server/kiroprovider/kirosociallogin.h"

namespace Drawbridge {

SignInDialog::SignInDialog(DesktopServices &services, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_method(new QComboBox(this))
    , m_startUrl(new QLineEdit(this))
    , m_region(new QLineEdit(this))
    , m_name(new QLineEdit(this))
    , m_code(new QLabel(this))
    , m_status(new QLabel(this))
    , m_signIn(new QPushButton(tr("&Sign in"), this))
    , m_openPage(new QPushButton(tr("&Open the sign-in page"), this))
    , m_pasted(new QLineEdit(this))
    , m_finish(new QPushButton(tr("&Finish"), this))
    , m_openUrl([](const QUrl &url) { QDesktopServices::openUrl(url); })
{
    setWindowTitle(tr("Sign in to Kiro"));
    setMinimumWidth(520);
    m_method->addItem(tr("AWS Builder ID"), QStringLiteral("builder_id"));
    m_method->addItem(tr("IAM Identity Center (organisation)"), QStringLiteral("idc"));
    // Kiro's own identity providers; the value is the idp the auth service expects.
    m_method->addItem(tr("Google (Kiro social login)"), QStringLiteral("Google"));
    m_method->addItem(tr("GitHub (Kiro social login)"), QStringLiteral("Github"));
    m_method->setAccessibleName(tr("Sign-in method"));
    m_startUrl->setPlaceholderText(tr("https://my-company.awsapps.com/start"));
    m_startUrl->setAccessibleName(tr("Start URL"));
    m_region->setText(services.settings().kiro.region);
    m_region->setAccessibleName(tr("Region"));
    m_name->setPlaceholderText(tr("e.g. work"));
    m_name->setAccessibleName(tr("Account name"));
    auto *form = new QFormLayout;
    form->addRow(tr("&Method:"), m_method);
    form->addRow(tr("S&tart URL:"), m_startUrl);
    form->addRow(tr("&Region:"), m_region);
    form->addRow(tr("&Name:"), m_name);
    m_pasted->setPlaceholderText(QStringLiteral("kiro://kiro.kiroAgent/authenticate-success?code=…&state=…"));
    m_pasted->setAccessibleName(tr("Address the browser ended on"));
    m_pasted->setMaxLength(KiroSocialLogin::maxPastedLength);
    m_finish->setEnabled(false);
    auto *pasteRow = new QHBoxLayout;
    pasteRow->addWidget(m_pasted, 1);
    pasteRow->addWidget(m_finish);
    form->addRow(tr("&Browser ended on:"), pasteRow);
    connect(m_finish, &QPushButton::clicked, this, &SignInDialog::finishSocial);
    connect(m_pasted, &QLineEdit::returnPressed, this, &SignInDialog::finishSocial);

    QFont big = m_code->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    m_code->setFont(big);
    m_code->setAlignment(Qt::AlignCenter);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_code->setAccessibleName(tr("Your code"));
    m_status->setWordWrap(true);
    m_status->setText(
        tr("Drawbridge shows a code; confirm it on the page that opens, and the account is added."));
    m_openPage->setEnabled(false);
    connect(m_openPage, &QPushButton::clicked, this, [this] { m_openUrl(QUrl(m_pageUrl)); });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->addButton(m_signIn, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_signIn, &QPushButton::clicked, this, &SignInDialog::signIn);
    connect(m_method, &QComboBox::currentIndexChanged, this, &SignInDialog::updateFields);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_code);
    layout->addWidget(m_openPage, 0, Qt::AlignCenter);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    updateFields();
}

SignInDialog::~SignInDialog() = default;

void SignInDialog::setAccountToReplace(const QString &accountId, const QString &name)
{
    m_replaceId = accountId;
    setWindowTitle(tr("Sign in again"));
    m_name->setText(name);
    m_name->setEnabled(false);
    m_status->setText(tr("Drawbridge shows a code; confirm it on the page that opens, and the account \"%1\" "
                         "uses the new login. Its settings and history stay.")
                          .arg(name));
}

void SignInDialog::onSignedIn(const QString &region, const QString &refreshToken, const QString &clientId,
                              const QString &clientSecret)
{
    KiroAccountManager::NewAccount account;
    account.name = m_name->text().trimmed();
    account.authMethod = QStringLiteral("idc");
    account.refreshToken = refreshToken;
    account.clientId = clientId;
    account.clientSecret = clientSecret;
    account.region = region;
    store(account);
}

void SignInDialog::store(const KiroNewAccount &account)
{
    const bool replacing = !m_replaceId.isEmpty();
    auto finished = [this, replacing](const KiroAccountManager::Outcome &o) {
        if (!o.ok()) {
            m_signIn->setEnabled(true);
            showStatus(replacing
                           ? tr("Signed in, but the account kept its old login: %1").arg(o.failure.message)
                           : tr("Signed in, but the account was not added: %1").arg(o.failure.message));
            return;
        }
        m_accountId = o.account->record.id;
        accept();
    };
    if (replacing) {
        showStatus(tr("Signed in. Updating the account…"));
        m_services.accounts().replaceCredentials(m_replaceId, account, this, finished);
    } else {
        showStatus(tr("Signed in. Adding the account…"));
        m_services.accounts().addAccount(account, this, finished);
    }
}

bool SignInDialog::socialMethod() const
{
    const QString method = m_method->currentData().toString();
    return method == QLatin1String("Google") || method == QLatin1String("Github");
}

void SignInDialog::updateFields()
{
    const bool idc = m_method->currentData().toString() == QLatin1String("idc");
    const bool social = socialMethod();
    m_startUrl->setEnabled(idc);
    m_region->setEnabled(idc);
    m_pasted->setEnabled(social);
    m_finish->setEnabled(social && m_social);
}

void SignInDialog::showStatus(const QString &text)
{
    m_status->setText(text);
}

void SignInDialog::finishSocial()
{
    if (!m_social || !m_finish->isEnabled())
        return;
    m_finish->setEnabled(false);
    showStatus(tr("Checking the sign-in…"));
    m_social->complete(m_pasted->text());
}

void SignInDialog::signIn()
{
    if (socialMethod()) {
        // The service sends the browser to kiro://, which only the Kiro IDE opens: the user brings the
        // address back here (KiroSocialLogin explains why there is no loopback redirect).
        m_social = m_services.createSocialLogin(m_method->currentData().toString());
        connect(m_social.get(), &KiroSocialLogin::failed, this, [this](const QString &message) {
            m_finish->setEnabled(true);
            showStatus(message);
        });
        connect(m_social.get(), &KiroSocialLogin::signedIn, this,
                [this](const KiroSocialLogin::Credentials &c) {
                    KiroAccountManager::NewAccount account;
                    account.name = m_name->text().trimmed();
                    account.authMethod = QStringLiteral("social");
                    account.refreshToken = c.refreshToken;
                    account.profileArn = c.profileArn;
                    store(account);
                });
        m_pageUrl = m_social->loginUrl().toString();
        m_openPage->setEnabled(true);
        m_pasted->clear();
        m_pasted->setEnabled(true);
        m_finish->setEnabled(true);
        m_openUrl(QUrl(m_pageUrl));
        showStatus(
            tr("Sign in with %1 on the page that opened. The browser then ends on an address starting with "
               "kiro:// (it may say it cannot open it, or offer the Kiro IDE: decline). Copy that whole "
               "address from the address bar, paste it above and click Finish.")
                .arg(m_method->currentText()));
        m_pasted->setFocus();
        return;
    }
    const bool idc = m_method->currentData().toString() == QLatin1String("idc");
    const QString startUrl = idc ? m_startUrl->text().trimmed() : KiroDeviceLogin::builderIdStartUrl();
    const QUrl parsed(startUrl);
    if (idc && (!parsed.isValid() || parsed.scheme() != QLatin1String("https") || parsed.host().isEmpty())) {
        showStatus(tr("Enter your organisation's start URL (https://…/start)."));
        return;
    }
    const QString region = idc ? m_region->text().trimmed() : QStringLiteral("us-east-1");
    m_signIn->setEnabled(false);
    m_code->clear();
    showStatus(tr("Asking for a code…"));
    m_login = m_services.createDeviceLogin(startUrl, region);
    connect(m_login.get(), &KiroDeviceLogin::codeReady, this, [this](const KiroDeviceLogin::Code &code) {
        m_code->setText(code.userCode);
        m_pageUrl = code.verificationUriComplete;
        m_openPage->setEnabled(true);
        m_openUrl(QUrl(m_pageUrl));
        showStatus(tr("Confirm the code %1 on the page that opened (%2). Waiting…")
                       .arg(code.userCode, code.verificationUri));
    });
    connect(m_login.get(), &KiroDeviceLogin::failed, this, [this](const QString &message, bool) {
        m_signIn->setEnabled(true);
        m_openPage->setEnabled(false);
        showStatus(message);
    });
    connect(m_login.get(), &KiroDeviceLogin::signedIn, this,
            [this, region](const KiroDeviceLogin::Credentials &c) {
                onSignedIn(region, c.refreshToken, c.clientId, c.clientSecret);
            });
    m_login->start();
}

} // namespace Drawbridge
