// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief What GET /getUsageLimits says about one account's credits (protocol §5.1).
 *
 * Pure parsing: limit = base + free trial (if ACTIVE) + every ACTIVE bonus, used the same sum of current
 * usages, remaining = limit − used. The `*WithPrecision` fields win over the integer ones.
 */
struct KiroUsageLimits
{
    double usageLimit = 0.0;
    double currentUsage = 0.0;
    std::optional<qint64> nextResetMs; ///< when the monthly allowance resets; nullopt when not reported
    QString subscriptionTitle; ///< e.g. "KIRO FREE"
    QString email;
    bool overageEnabled = false; ///< usage past the limit is billed instead of refused

    double remaining() const { return usageLimit - currentUsage; }

    /** Parses a 200 response body; an error when it is not the documented JSON shape. */
    static Result<KiroUsageLimits> parse(QByteArrayView json);
    /** The fallback reset when the upstream names none: the 1st of the next month, 00:00 UTC. */
    static qint64 firstOfNextMonthMs(qint64 nowMs);
};

} // namespace Drawbridge
