// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

namespace Drawbridge {

/**
 * @brief Stored metadata and last known state of one upstream account. Never its tokens or client secret.
 *
 * Times are milliseconds since the Unix epoch (UTC). Empty strings are stored as NULL and read back empty.
 */
struct AccountRecord
{
    QString id;
    QString name;
    QString type = QStringLiteral("kiro");
    QString authMethod; ///< "social" | "idc"
    QString region; ///< empty = kiro.region
    QString profileArn;
    std::optional<int> slots; ///< nullopt = kiro.slots_per_account
    bool enabled = true;
    QString status = QStringLiteral("active"); ///< docs/api.md#accounts status words, owned by the pool
    QString lastError;
    std::optional<qint64> cooldownUntilMs;
    QString machineId;
    std::optional<double> creditsRemaining;
    std::optional<double> usageLimit;
    std::optional<qint64> nextResetMs;
    int priority = 0; ///< higher is preferred
    QString apiEndpoint; ///< the upstream API base URL that last worked; empty = none known (Kiro)
    qint64 createdAtMs = 0; ///< set by AccountRepository::insert
    qint64 updatedAtMs = 0; ///< set by every AccountRepository write

    friend bool operator==(const AccountRecord &, const AccountRecord &) = default;
};

} // namespace Drawbridge
