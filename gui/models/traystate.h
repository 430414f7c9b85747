// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <vector>

#include "server/core/accountstatus.h"
#include "server/core/poolstatus.h"

namespace Drawbridge {

/** What the tray icon shows, most urgent first in trayStateFor's order. */
enum class TrayState { Idle, Serving, Limited, Error, Draining, Stopped };

/** Everything trayStateFor looks at. */
struct TrayInputs
{
    bool stopped = false;
    bool draining = false;
    bool keychainAvailable = true;
    PoolStatus pool;
    std::vector<AccountStatus> accountStatuses; ///< of the enabled accounts
    int inFlight = 0;
};

/**
 * Stopped > draining > error (keychain unavailable, or no enabled account can serve and none recovers by
 * itself) > limited (every enabled account cooling or out of quota, or no slot free) > serving > idle.
 */
TrayState trayStateFor(const TrayInputs &inputs);
/** The icon's resource path, e.g. ":/icons/tray/idle.svg". */
QString trayIconPath(TrayState state);

} // namespace Drawbridge
