// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include "server/core/teamsnapshot.h"

namespace Drawbridge {

/**
 * @brief Where the gateway finds the team's latest snapshot (team mode). Implementations answer from memory:
 * `/health` must never wait on the database.
 */
class TeamStatus
{
public:
    virtual ~TeamStatus() = default;

    /** The latest snapshot read (shared, never changed once made); null before the first one succeeded. */
    virtual std::shared_ptr<const TeamSnapshot> snapshot() const = 0;
};

} // namespace Drawbridge
