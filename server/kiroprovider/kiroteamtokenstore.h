// SPDX-License-Identifier: MIT
#pragma once

#include "server/kiroprovider/kirotokenservice.h"
#include "server/secrets/secretcipher.h"
#include "server/storage/advisorylocks.h"

namespace Drawbridge {

class Database;
class SealedSecretTable;

/**
 * @brief Team mode's KiroTokenService::TeamStore: the account's refresh lock is a PostgreSQL advisory lock
 * (released by the server when an instance dies), and the tokens are read from the shared, sealed secrets
 * table synchronously, where KiroAccountRegistry's writes put them.
 */
class KiroTeamTokenStore final : public KiroTokenService::TeamStore
{
public:
    KiroTeamTokenStore(const Database &database, const SealedSecretTable &secrets, SecretCipher cipher);

    Result<bool> tryLock(const QString &accountId) override;
    void unlock(const QString &accountId) override;
    Result<Tokens> read(const QString &accountId) override;

private:
    Result<QByteArray> open(const QString &name) const;

    AdvisoryLocks m_locks;
    const SealedSecretTable &m_secrets;
    const SecretCipher m_cipher;
};

} // namespace Drawbridge
