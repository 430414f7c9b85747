// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QUrlQuery>

#include "server/core/adminmodule.h"

namespace Drawbridge::Test {

/**
 * @brief Calls an AdminModule's routes the way the gateway does, without a server: picks the route for a
 * method and a path below /admin/ (the most literal pattern wins), waits for the one reply and renders an
 * error reply as the OpenAI error body the client would get.
 */
class AdminModuleClient final
{
public:
    explicit AdminModuleClient(AdminModule &module);

    struct Reply
    {
        int status = 0; ///< 0: no reply in time, or more than one; 404/405: no route (as the gateway answers)
        QByteArray body;
    };
    Reply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
               const QUrlQuery &query = {}, int timeoutMs = 5000);

private:
    std::vector<AdminRoute> m_routes;
};

} // namespace Drawbridge::Test
