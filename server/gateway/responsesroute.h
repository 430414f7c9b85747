// SPDX-License-Identifier: MIT
#pragma once

namespace Drawbridge {

class GatewayServer;
struct RouteRequest;

/** POST /v1/responses (OpenAI Responses API, stateless) */
void handleResponses(GatewayServer &server, RouteRequest &request);

} // namespace Drawbridge
