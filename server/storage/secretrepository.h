// SPDX-License-Identifier: MIT
#pragma once

#include "server/core/sealedsecrettable.h"

namespace Drawbridge {

class Clock;
class Database;

/**
 * @brief The `secrets` table: sealed secrets by name (team mode's DatabaseSecretStore). Never plain text: the
 * values arrive sealed and leave sealed. Every call uses the calling thread's connection.
 */
class SecretRepository final : public SealedSecretTable
{
public:
    /** Longest sealed value accepted: a refresh token is a few KiB; anything near this is not a secret. */
    static constexpr qsizetype maxSealedBytes = 64 * 1024;

    SecretRepository(const Database &database, const Clock &clock);

    Result<std::optional<QByteArray>> readSealed(const QString &name) const override;
    Status writeSealed(const QString &name, const QByteArray &sealed) override;
    Result<bool> replaceSealed(const QString &name, const QByteArray &expected,
                               const QByteArray &sealed) override;
    Status removeSealed(const QString &name) override;
    Result<std::vector<std::pair<QString, QByteArray>>> listSealed() const override;

private:
    const Database &m_database;
    const Clock &m_clock;
};

} // namespace Drawbridge
