// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

namespace Drawbridge {

/**
 * @brief The documented bounds of strings that clients choose (docs/api.md#errors, docs/security.md).
 *
 * Whatever a local client sends ends up in the usage ledger, metric labels, logs and the GUI; without a bound
 * one request with a megabyte "model" grows the database and /metrics for good.
 */
class ClientStringBounds final
{
public:
    static constexpr qsizetype maxModelBytes = 256; ///< UTF-8 bytes of a requested model id
    static constexpr qsizetype maxNameChars = 128; ///< characters of a key or account name

    /** Why @p model is unacceptable as a model id (too long, control characters), or nothing. */
    static std::optional<QString> modelProblem(QStringView model);
    /** Why @p name is unacceptable as a key or account name (empty, too long, control characters), or
     * nothing. */
    static std::optional<QString> nameProblem(QStringView name);
    /** What the ledger and metric labels record for a model that was refused as unknown. */
    static QString refusedModelLabel() { return QStringLiteral("(unknown)"); }
};

} // namespace Drawbridge
