// SPDX-License-Identifier: MIT
#include "adminmoduleclient.h"

#include <QCoreApplication>
#include <QtTest>

#include <memory>
#include <optional>

#include "server/gateway/router.h"

namespace Drawbridge::Test {

AdminModuleClient::AdminModuleClient(AdminModule &module) : m_routes(module.routes()) { }

AdminModuleClient::Reply AdminModuleClient::call(const QByteArray &method, const QString &path,
                                                 const QByteArray &body, const QUrlQuery &query,
                                                 int timeoutMs)
{
    // The gateway's own router, so a test sees the same 404/405 and the same literal-beats-wildcard choice.
    Router<const AdminRoute *> router;
    for (const AdminRoute &r : m_routes)
        router.add(r.method, r.pattern, &r);
    const auto match = router.match(method, path);
    if (!match.handler)
        return Reply { match.allowed.isEmpty() ? 404 : 405, {} };

    struct State
    {
        std::optional<AdminReply> reply;
        int replies = 0;
    };
    // Shared: a module that answers after the timeout must not write into a returned stack frame.
    const auto state = std::make_shared<State>();
    const AdminRequest request { method, match.params, query, body, QDateTime::currentMSecsSinceEpoch() };
    (*match.handler)->handler(request, [state](AdminReply r) {
        state->reply = std::move(r);
        ++state->replies;
    });
    if (!QTest::qWaitFor([&] { return state->reply.has_value(); }, timeoutMs))
        return {};
    // A second reply would be queued behind the first; let pending events run once to see it.
    QCoreApplication::processEvents();
    if (state->replies != 1)
        return {};
    const AdminReply &reply = *state->reply;
    if (reply.error)
        return Reply { apiErrorInfo(reply.error->kind).status, openAiErrorBody(*reply.error) };
    return Reply { reply.status, reply.json };
}

} // namespace Drawbridge::Test
