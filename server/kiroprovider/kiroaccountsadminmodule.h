// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>

#include <deque>
#include <map>
#include <memory>

#include "server/core/adminmodule.h"
#include "server/kiroprovider/kiroaccountmanager.h"

namespace Drawbridge {

class AccountPool;

/**
 * @brief `/admin/accounts` (docs/api.md#accounts): list, add, import from the Kiro IDE, get, patch and delete
 * Kiro accounts, and sign in by device code (`/admin/accounts/login`: a new account, or an existing one
 * again).
 *
 * Thin: reads the JSON fields, calls KiroAccountManager and renders its answers. Secrets go in with POST and
 * never come out. Failures are ApiErrors (`invalid_refresh_token`, `import_failed`,
 * `secret_store_unavailable` where docs/api.md names them); the gateway renders them.
 */
class KiroAccountsAdminModule final : public QObject, public AdminModule
{
public:
    /** @p pool supplies the `pool` figures and the queue length; both must outlive the module. */
    KiroAccountsAdminModule(KiroAccountManager &manager, const AccountPool &pool, QObject *parent = nullptr);
    ~KiroAccountsAdminModule() override;
    Q_DISABLE_COPY_MOVE(KiroAccountsAdminModule)

    std::vector<AdminRoute> routes() override;

    /** One account in the shape of docs/api.md#accounts; also what the GUI may render. */
    static QJsonObject accountJson(const KiroAccountManager::AccountInfo &account, int queued);

    /** Device-code sign-ins kept at once (pending or answered); the oldest answered one makes room. */
    static constexpr std::size_t maxLogins = 16;

private:
    struct Login;

    AdminReply list() const;
    AdminReply get(const QString &id) const;
    void create(const QByteArray &body, AdminResponder reply);
    void import(const QByteArray &body, AdminResponder reply);
    AdminReply patch(const QString &id, const QByteArray &body);
    AdminReply remove(const QString &id);
    void startLogin(const QByteArray &body, AdminResponder reply);
    AdminReply loginState(const QString &loginId) const;
    void onSignedIn(const QString &loginId, const QString &refreshToken, const QString &clientId,
                    const QString &clientSecret);
    void finishLogin(const QString &loginId, const QString &status, const QString &error);
    bool makeRoomForLogin();
    AdminReply accountReply(int status, const KiroAccountManager::AccountInfo &account) const;
    static AdminReply failureReply(const KiroAccountManager::Failure &failure);

    KiroAccountManager &m_manager;
    const AccountPool &m_pool;
    std::map<QString, std::unique_ptr<Login>> m_logins;
    std::deque<QString> m_loginOrder; ///< oldest first
};

} // namespace Drawbridge
