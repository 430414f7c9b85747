// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>

#include "server/core/adminmodule.h"
#include "server/kiroprovider/kiroaccountmanager.h"

namespace Drawbridge {

class AccountPool;

/**
 * @brief `/admin/accounts` (contract §4): list, add, import from the Kiro IDE, get, patch and delete Kiro
 * accounts.
 *
 * Thin: parses and checks JSON, calls KiroAccountManager and renders its answers. Secrets go in with POST and
 * never come out. Errors use the OpenAI error shape, with the codes `invalid_refresh_token` and
 * `import_failed` where the contract names them.
 */
class KiroAccountsAdminModule final : public QObject, public AdminModule
{
public:
    /** @p pool supplies the `pool` figures and the queue length; both must outlive the module. */
    KiroAccountsAdminModule(KiroAccountManager &manager, const AccountPool &pool, QObject *parent = nullptr);
    ~KiroAccountsAdminModule() override;
    Q_DISABLE_COPY_MOVE(KiroAccountsAdminModule)

    QString collection() const override;
    QStringList allowedMethods(const QStringList &segments) const override;
    void handle(const AdminRequest &request, std::function<void(AdminReply)> reply) override;

    /** One account in the contract's shape; also what the GUI may render. */
    static QJsonObject accountJson(const KiroAccountManager::AccountInfo &account, int queued);

private:
    AdminReply list() const;
    AdminReply get(const QString &id) const;
    void create(const QByteArray &body, std::function<void(AdminReply)> reply);
    void import(const QByteArray &body, std::function<void(AdminReply)> reply);
    AdminReply patch(const QString &id, const QByteArray &body);
    AdminReply remove(const QString &id);
    AdminReply accountReply(int status, const KiroAccountManager::AccountInfo &account) const;
    static AdminReply failureReply(const KiroAccountManager::Failure &failure);

    KiroAccountManager &m_manager;
    const AccountPool &m_pool;
};

} // namespace Drawbridge
