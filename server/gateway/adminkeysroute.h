// SPDX-License-Identifier: MIT
#pragma once

namespace Drawbridge {

class GatewayServer;
struct RouteRequest;

/** /admin/keys (contract §4): create, list, get, patch, revoke. */
void handleCreateKey(GatewayServer &server, RouteRequest &request);
void handleListKeys(GatewayServer &server, RouteRequest &request);
void handleGetKey(GatewayServer &server, RouteRequest &request);
void handlePatchKey(GatewayServer &server, RouteRequest &request);
void handleRevokeKey(GatewayServer &server, RouteRequest &request);

} // namespace Drawbridge
