// SPDX-License-Identifier: MIT
#pragma once

namespace Drawbridge {

class GatewayServer;
struct RouteRequest;

/** POST /v1/chat/completions */
void handleChatCompletions(GatewayServer &server, RouteRequest &request);

} // namespace Drawbridge
