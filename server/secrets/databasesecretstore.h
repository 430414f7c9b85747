// SPDX-License-Identifier: MIT
#pragma once

#include "server/secrets/secretcipher.h"
#include "server/secrets/secretstore.h"

namespace Drawbridge {

class SealedSecretTable;

/**
 * @brief Team mode's SecretStore: secrets sealed with SecretCipher (AES-256-GCM) in a table every instance
 * shares, so refresh tokens, client secrets and the admin token are never stored in plain text and one
 * instance's write is the next read of all the others.
 *
 * The table is used synchronously on the caller's thread; results are still delivered asynchronously, per
 * the SecretStore contract. Values sealed with the previous key (a rotation under way) open normally, and
 * rotate() re-seals them with the current key.
 */
class DatabaseSecretStore final : public SecretStore
{
    Q_OBJECT

public:
    DatabaseSecretStore(SealedSecretTable &table, SecretCipher cipher, QObject *parent = nullptr);
    ~DatabaseSecretStore() override;
    Q_DISABLE_COPY_MOVE(DatabaseSecretStore)

    void read(const QString &key, QObject *context, Callback callback) override;
    void write(const QString &key, const QByteArray &secret, QObject *context, Callback callback) override;
    void remove(const QString &key, QObject *context, Callback callback) override;
    void checkAvailable(QObject *context, Callback callback) override;

    /** What rotate() did. */
    struct Rotation
    {
        int resealed = 0; ///< opened with the previous key and sealed again with the current one
        int current = 0; ///< already sealed with the current key
        int changedMeanwhile = 0; ///< rewritten by another instance during the rotation (left as it is)
    };
    /**
     * Re-seals every value still sealed with the previous key. Fails, changing nothing more, on a value that
     * neither key opens (it names the secret, never its content).
     */
    Result<Rotation> rotate();

private:
    SealedSecretTable &m_table;
    const SecretCipher m_cipher;
};

} // namespace Drawbridge
