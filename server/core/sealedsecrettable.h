// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>
#include <utility>
#include <vector>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief Where sealed (encrypted and authenticated) secrets are kept in team mode: a table every instance
 * shares. It only ever sees ciphertext; sealing and opening happen above it (DatabaseSecretStore).
 *
 * Synchronous, and used from one thread (the one that owns its database connection).
 */
class SealedSecretTable
{
public:
    virtual ~SealedSecretTable() = default;

    /** The sealed value stored under @p name; nullopt when there is none. */
    virtual Result<std::optional<QByteArray>> readSealed(const QString &name) const = 0;
    /** Creates or replaces the sealed value under @p name. */
    virtual Status writeSealed(const QString &name, const QByteArray &sealed) = 0;
    /**
     * Replaces the value under @p name only if it is still @p expected (key rotation must not overwrite a
     * secret another instance changed meanwhile); false when it was not.
     */
    virtual Result<bool> replaceSealed(const QString &name, const QByteArray &expected,
                                       const QByteArray &sealed)
        = 0;
    virtual Status removeSealed(const QString &name) = 0;
    /** Every name with its sealed value, for key rotation. */
    virtual Result<std::vector<std::pair<QString, QByteArray>>> listSealed() const = 0;
};

} // namespace Drawbridge
