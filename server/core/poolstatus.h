// SPDX-License-Identifier: MIT
#pragma once

namespace Drawbridge {

/** Exact pool figures at one moment; what /health and /admin/accounts report. */
struct PoolStatus
{
    int enabledAccounts = 0; ///< accounts the user has enabled
    int usableAccounts = 0; ///< enabled and able to serve right now
    int totalSlots = 0; ///< slots of the usable accounts
    int availableSlots = 0; ///< free slots among them
    int inFlight = 0;
    int queued = 0;
};

} // namespace Drawbridge
