// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <vector>

#include "server/core/accountstatus.h"
#include "server/core/poolstatus.h"

namespace Drawbridge {

/** What the tray icon shows, most urgent first in trayStateFor's order. */
enum class TrayState { Idle, Serving, Busy, Limited, Error, Draining, Stopped, SetUp, Paused };

/** Everything trayStateFor looks at. */
struct TrayInputs
{
    bool stopped = false;
    bool draining = false;
    bool keychainAvailable = true;
    PoolStatus pool;
    std::vector<AccountStatus> accountStatuses; ///< of the enabled accounts
    int accounts = 0; ///< every account, paused (disabled) ones included
    int inFlight = 0;
};

/**
 * Stopped > draining > error (keychain unavailable) > set up (no account yet: a first run, not an error) >
 * paused (every account paused by the user) > error (no enabled account can serve and none recovers by
 * itself) > limited (every enabled account cooling down or out of quota) > busy (every slot in use: requests
 * wait, nothing is wrong) > serving > idle.
 */
TrayState trayStateFor(const TrayInputs &inputs);
/** The icon's resource path, e.g. ":/icons/tray/idle.svg". */
QString trayIconPath(TrayState state);

} // namespace Drawbridge
