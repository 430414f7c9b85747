// SPDX-License-Identifier: MIT
#include "accountstatus.h"

namespace Drawbridge {

QString accountStatusName(AccountStatus status)
{
    switch (status) {
    case AccountStatus::Active:
        return QStringLiteral("active");
    case AccountStatus::CoolingDown:
        return QStringLiteral("cooling_down");
    case AccountStatus::NeedsLogin:
        return QStringLiteral("needs_login");
    case AccountStatus::QuotaExhausted:
        return QStringLiteral("quota_exhausted");
    case AccountStatus::Suspended:
        return QStringLiteral("suspended");
    case AccountStatus::Error:
        return QStringLiteral("error");
    case AccountStatus::Disabled:
        return QStringLiteral("disabled");
    }
    return QStringLiteral("error");
}

bool accountStatusRecovers(AccountStatus status)
{
    return status == AccountStatus::CoolingDown || status == AccountStatus::QuotaExhausted
        || status == AccountStatus::Error || status == AccountStatus::Active;
}

} // namespace Drawbridge
