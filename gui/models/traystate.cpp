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
    if (!in.keychainAvailable || in.pool.enabledAccounts == 0)
        return TrayState::Error;
    if (in.pool.usableAccounts == 0) {
        const bool recovers = std::any_of(in.accountStatuses.begin(), in.accountStatuses.end(),
                                          [](AccountStatus s) { return accountStatusRecovers(s); });
        return recovers ? TrayState::Limited : TrayState::Error;
    }
    if (in.pool.availableSlots == 0 && in.pool.queued > 0)
        return TrayState::Limited;
    if (in.inFlight > 0 || in.pool.inFlight > 0)
        return TrayState::Serving;
    return TrayState::Idle;
}

QString trayIconPath(TrayState state)
{
    switch (state) {
    case TrayState::Idle:
        return QStringLiteral(":/icons/tray/idle.svg");
    case TrayState::Serving:
        return QStringLiteral(":/icons/tray/serving.svg");
    case TrayState::Limited:
        return QStringLiteral(":/icons/tray/limited.svg");
    case TrayState::Error:
        return QStringLiteral(":/icons/tray/error.svg");
    case TrayState::Draining:
        return QStringLiteral(":/icons/tray/draining.svg");
    case TrayState::Stopped:
        return QStringLiteral(":/icons/tray/stopped.svg");
    }
    return QStringLiteral(":/icons/tray/error.svg");
}

} // namespace Drawbridge
