// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Drawbridge {

/** Account states of docs/kiro.md#account-states (`status` in /admin/accounts). */
enum class AccountStatus { Active, CoolingDown, NeedsLogin, QuotaExhausted, Suspended, Error, Disabled };

QString accountStatusName(AccountStatus status);
/** Whether the state passes by itself (cooldown, quota reset, transient error) or needs the user. */
bool accountStatusRecovers(AccountStatus status);

} // namespace Drawbridge
