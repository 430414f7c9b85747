// SPDX-License-Identifier: MIT
#pragma once

namespace Drawbridge {

class GatewayServer;
struct RouteRequest;

/** POST /v1/messages (Anthropic Messages API) */
void handleAnthropicMessages(GatewayServer &server, RouteRequest &request);
/** POST /v1/messages/count_tokens: a local estimate, no upstream call */
void handleAnthropicCountTokens(GatewayServer &server, RouteRequest &request);

} // namespace Drawbridge
