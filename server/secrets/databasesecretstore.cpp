// SPDX-License-Identifier: MIT
#include "databasesecretstore.h"

#include "server/core/sealedsecrettable.h"

namespace Drawbridge {

DatabaseSecretStore::DatabaseSecretStore(SealedSecretTable &table, SecretCipher cipher, QObject *parent)
    : SecretStore(parent), m_table(table), m_cipher(std::move(cipher))
{
}

DatabaseSecretStore::~DatabaseSecretStore() = default;

void DatabaseSecretStore::read(const QString &key, QObject *context, Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    auto sealed = m_table.readSealed(key);
    if (!sealed)
        return deliver(context, std::move(callback), { SecretError::NoBackend, sealed.error(), {} });
    if (!sealed->has_value())
        return deliver(context, std::move(callback),
                       { SecretError::NotFound, QStringLiteral("no secret stored"), {} });
    auto plain = m_cipher.open(key, **sealed);
    if (!plain)
        return deliver(context, std::move(callback), { SecretError::AccessDenied, plain.error(), {} });
    deliver(context, std::move(callback), { SecretError::None, QString(), *plain });
}

void DatabaseSecretStore::write(const QString &key, const QByteArray &secret, QObject *context,
                                Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    if (auto written = m_table.writeSealed(key, m_cipher.seal(key, secret)); !written)
        return deliver(context, std::move(callback), { SecretError::NoBackend, written.error(), {} });
    deliver(context, std::move(callback), {});
}

void DatabaseSecretStore::remove(const QString &key, QObject *context, Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    if (auto removed = m_table.removeSealed(key); !removed)
        return deliver(context, std::move(callback), { SecretError::NoBackend, removed.error(), {} });
    deliver(context, std::move(callback), {});
}

void DatabaseSecretStore::checkAvailable(QObject *context, Callback callback)
{
    // Reading a name nobody uses proves the table answers; the key itself was checked when it was parsed.
    auto probe = m_table.readSealed(QStringLiteral("drawbridge/availability-probe"));
    if (!probe)
        return deliver(context, std::move(callback), { SecretError::NoBackend, probe.error(), {} });
    deliver(context, std::move(callback), {});
}

Result<DatabaseSecretStore::Rotation> DatabaseSecretStore::rotate()
{
    auto all = m_table.listSealed();
    if (!all)
        return Error { all.error() };
    Rotation done;
    for (const auto &[name, sealed] : *all) {
        if (m_cipher.isCurrent(sealed)) {
            ++done.current;
            continue;
        }
        auto plain = m_cipher.open(name, sealed);
        if (!plain)
            return Error { plain.error() };
        auto replaced = m_table.replaceSealed(name, sealed, m_cipher.seal(name, *plain));
        if (!replaced)
            return Error { replaced.error() };
        if (*replaced)
            ++done.resealed;
        else
            ++done.changedMeanwhile;
    }
    return done;
}

} // namespace Drawbridge
