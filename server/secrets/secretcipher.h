// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include "server/core/result.h"

namespace Drawbridge {

/**
 * @brief Seals secrets for storage in a shared database: AES-256-GCM (OpenSSL EVP), a fresh random 96-bit
 * nonce per seal, the secret's name as associated data (a sealed value moved to another row does not open).
 *
 * Sealed text: `v1.<key id>.<base64url(nonce | ciphertext | tag)>`, where the key id is the first 16 hex
 * digits of SHA-256("drawbridge-secret-key-id" | key): it tells which key sealed a value (rotation) without
 * revealing the key. A cipher may also hold the previous key, to open values sealed before a rotation; seal()
 * always uses the current key.
 */
class SecretCipher final
{
public:
    static constexpr int keyBytes = 32;

    /**
     * A cipher from 64 hex digits (DRAWBRIDGE_SECRET_KEY); @p previousHex, when not empty, is the key being
     * rotated away from. The error never contains key material.
     */
    static Result<SecretCipher> fromHex(const QString &currentHex, const QString &previousHex = QString());
    /** 32 random bytes as 64 hex digits, for a new key. */
    static QString generateKeyHex();

    QByteArray seal(const QString &name, const QByteArray &plain) const;
    /** The plain secret, or an error when @p sealed is malformed, tampered with, moved, or of an unknown key.
     */
    Result<QByteArray> open(const QString &name, const QByteArray &sealed) const;
    /** Whether @p sealed was sealed with the current key (rotation is done for it). */
    bool isCurrent(const QByteArray &sealed) const;

    QByteArray keyId() const { return m_currentId; }

private:
    SecretCipher() = default;
    static QByteArray idOf(const QByteArray &key);

    QByteArray m_current;
    QByteArray m_currentId;
    QByteArray m_previous; ///< empty when no rotation is under way
    QByteArray m_previousId;
};

} // namespace Drawbridge
