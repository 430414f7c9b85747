// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>

#include "server/core/adminmodule.h"

namespace Drawbridge {

struct ApiKeyRecord;
struct GatewayServices;

/**
 * @brief `/admin/keys` (docs/api.md#keys): create, list, get, patch and revoke client keys.
 *
 * Served by the gateway because the keys' cache, rate windows and waiting requests live there; the secret of
 * a key is shown once, in the answer to its creation.
 */
class KeysAdminModule final : public AdminModule
{
public:
    /** @p services must outlive the module. */
    explicit KeysAdminModule(GatewayServices &services);

    std::vector<AdminRoute> routes() override;

private:
    AdminReply create(const AdminRequest &request);
    AdminReply list() const;
    AdminReply get(const QString &id) const;
    AdminReply patch(const QString &id, const AdminRequest &request);
    AdminReply revoke(const QString &id);
    QJsonObject keyJson(const ApiKeyRecord &record) const;

    GatewayServices &m_services;
};

} // namespace Drawbridge
