// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace Drawbridge {

/**
 * Client key format `db-<id>-<secret>` (docs/api.md#authentication): generation, parsing, hashing and
 * comparison.
 */
class ApiKeyCodec final
{
public:
    static constexpr int idLength = 8; ///< lowercase base32
    static constexpr int secretLength = 40; ///< base62

    struct Generated
    {
        QString id;
        QString key; ///< the full key; shown once, never stored
        QByteArray hash;
    };

    /** A new key from the system CSPRNG. */
    static Generated generate();
    /** The public id of a well-formed key, or nullopt. */
    static std::optional<QString> parseId(QStringView key);
    /** SHA-256 of the whole key, hex encoded: the only form ever stored. */
    static QByteArray hash(QStringView key);
    /** Compares in time independent of where the inputs differ. */
    static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
    /**
     * Whether hash(key) equals storedHash (as hash() writes it), in time independent of where they differ;
     * hashes the key even when storedHash cannot match (empty for an unknown id).
     */
    static bool hashMatches(QStringView key, QStringView storedHash);
    /** A random token for the admin API (base62, 48 chars). */
    static QString generateAdminToken();
};

} // namespace Drawbridge
