// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QUrl;

namespace Drawbridge {

class DesktopServices;
class KiroDeviceLogin;
class KiroSocialLogin;
struct KiroNewAccount;

/**
 * @brief Adds a Kiro account by signing in with AWS Builder ID or IAM Identity Center: shows the code, opens
 * the verification page, waits for the confirmation (KiroDeviceLogin) and adds the account, or signs an
 * existing account in again (setAccountToReplace()).
 */
class SignInDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignInDialog)

public:
    explicit SignInDialog(DesktopServices &services, QWidget *parent = nullptr);
    ~SignInDialog() override;

    QComboBox *method() const { return m_method; }
    QLineEdit *startUrl() const { return m_startUrl; }
    QLineEdit *region() const { return m_region; }
    QLineEdit *name() const { return m_name; }
    QLabel *code() const { return m_code; }
    QLabel *status() const { return m_status; }
    QPushButton *signInButton() const { return m_signIn; }
    QPushButton *openPageButton() const { return m_openPage; }
    /** Google/GitHub: where the address the browser ended on is pasted, and the button that finishes. */
    QLineEdit *pastedAddress() const { return m_pasted; }
    QPushButton *finishButton() const { return m_finish; }
    /** The id of the account that was added (or signed in again), once accepted. */
    QString accountId() const { return m_accountId; }
    /**
     * "Sign in again": the login replaces the credentials of the account @p accountId (named @p name) in
     * place, keeping its id, settings and history, instead of adding an account. Call before signIn().
     */
    void setAccountToReplace(const QString &accountId, const QString &name);
    QString accountToReplace() const { return m_replaceId; }
    /** Opens the verification page (tests replace the browser). */
    void setUrlOpener(std::function<void(const QUrl &)> opener) { m_openUrl = std::move(opener); }

public Q_SLOTS:
    void signIn();
    /** Google/GitHub: exchanges the pasted address for the login and adds (or replaces) the account. */
    void finishSocial();

private:
    void updateFields();
    void showStatus(const QString &text);
    void onSignedIn(const QString &region, const QString &refreshToken, const QString &clientId,
                    const QString &clientSecret);
    /** Adds @p account, or gives its credentials to the account being signed in again. */
    void store(const KiroNewAccount &account);
    bool socialMethod() const;

    DesktopServices &m_services;
    QComboBox *m_method;
    QLineEdit *m_startUrl;
    QLineEdit *m_region;
    QLineEdit *m_name;
    QLabel *m_code;
    QLabel *m_status;
    QPushButton *m_signIn;
    QPushButton *m_openPage;
    QLineEdit *m_pasted;
    QPushButton *m_finish;
    QString m_pageUrl;
    QString m_accountId;
    QString m_replaceId;
    std::unique_ptr<KiroDeviceLogin> m_login;
    std::unique_ptr<KiroSocialLogin> m_social;
    std::function<void(const QUrl &)> m_openUrl;
};

} // namespace Drawbridge
