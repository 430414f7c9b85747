// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace Drawbridge {

/**
 * @brief Stored metadata of one client key (docs/api.md#authentication). Never the key itself.
 *
 * Times are milliseconds since the Unix epoch (UTC).
 */
struct ApiKeyRecord
{
    QString id; ///< the 8-character public `<id>` of `db-<id>-<secret>`
    QString name;
    QString keyHash; ///< lowercase hex SHA-256 of the whole key (64 characters)
    std::optional<int> rateLimitRpm; ///< nullopt = limits.default_rpm
    QStringList models; ///< empty = every model
    qint64 createdAtMs = 0;
    std::optional<qint64> expiresAtMs;
    std::optional<qint64> revokedAtMs;
    std::optional<qint64> lastUsedAtMs;

    friend bool operator==(const ApiKeyRecord &, const ApiKeyRecord &) = default;
};

} // namespace Drawbridge
