// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>

#include "server/core/apierror.h"
#include "server/core/chatrequest.h"

namespace Drawbridge {

class ChatDialect;
class GatewayServer;
struct ApiKeyRecord;
struct RouteRequest;

/**
 * @brief The one admission and exchange path of every chat dialect (docs/api.md, "Admission").
 *
 * In order: drain, client key and the key's rate window (one window per key, shared by every route), the
 * dialect's parser, model resolution, the key's model allow-list, thinking defaults; then the ledger record
 * and the ChatExchange that drives the provider and the dialect's renderer. The routes differ only in the
 * dialect they pass, so a refusal reads and counts the same on every route.
 */
class ChatAdmission final
{
public:
    /** Thinking budget when a client asks for thinking without saying how much (a `-thinking` model id). */
    static constexpr int defaultThinkingBudgetTokens = 10000;

    /** Called with the refusal and, when parsing got that far, the parsed request. */
    using Refuse = std::function<void(const ApiError &error, const ChatRequest *parsed)>;

    /**
     * Parses the body with @p dialect and checks the model against the catalog and @p key; @p refuse is
     * called (and nothing returned) when the request cannot be served. Sends nothing itself.
     */
    static std::optional<ChatRequest> admit(GatewayServer &server, RouteRequest &request,
                                            ChatDialect &dialect, const ApiKeyRecord &key,
                                            const Refuse &refuse);

    /** Serves @p request end to end: admission, then one ChatExchange, with exactly one ledger record. */
    static void serve(GatewayServer &server, RouteRequest &request, ChatDialect &dialect);
};

} // namespace Drawbridge
