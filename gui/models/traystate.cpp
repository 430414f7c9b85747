// SPDX-License-Identifier: MIT
#include "traystate.h"

#include <algorithm>

namespace Drawbridge {

TrayState trayStateFor(const TrayInputs &in)
{
    if (in.stopped)
        return TrayState::Stopped;
    if (in.draining)
        return TrayState::Draining;
    if (!in.keychainAvailable)
        return TrayState::Error;
    if (in.accounts == 0)
        return TrayState::SetUp;
    if (in.pool.enabledAccounts == 0)
        return TrayState::Paused;
    if (in.pool.usableAccounts == 0) {
        const bool recovers = std::any_of(in.accountStatuses.begin(), in.accountStatuses.end(),
                                          [](AccountStatus s) { return accountStatusRecovers(s); });
        return recovers ? TrayState::Limited : TrayState::Error;
    }
    if (in.pool.availableSlots == 0 && (in.pool.queued > 0 || in.pool.inFlight > 0))
        return TrayState::Busy;
    if (in.inFlight > 0 || in.pool.inFlight > 0)
        return TrayState::Serving;
    return TrayState::Idle;
}

QString trayIconPath(TrayState state)
{
    switch (state) {
    case TrayState::Idle:
    case TrayState::SetUp: // neutral: nothing is wrong yet
        return QStringLiteral(":/icons/tray/idle.svg");
    case TrayState::Serving:
    case TrayState::Busy:
        return QStringLiteral(":/icons/tray/serving.svg");
    case TrayState::Limited:
        return QStringLiteral(":/icons/tray/limited.svg");
    case TrayState::Error:
        return QStringLiteral(":/icons/tray/error.svg");
    case TrayState::Draining:
        return QStringLiteral(":/icons/tray/draining.svg");
    case TrayState::Stopped:
    case TrayState::Paused:
        return QStringLiteral(":/icons/tray/stopped.svg");
    }
    return QStringLiteral(":/icons/tray/error.svg");
}

} // namespace Drawbridge
