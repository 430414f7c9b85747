// SPDX-License-Identifier: MIT
#include "memorysecretstore.h"

namespace Drawbridge {

MemorySecretStore::MemorySecretStore(QObject *parent) : SecretStore(parent) { }

MemorySecretStore::~MemorySecretStore() = default;

bool MemorySecretStore::failIfSet(QObject *context, Callback &callback) const
{
    if (m_failure == SecretError::None)
        return false;
    deliver(context, std::move(callback), { m_failure, m_failureMessage, {} });
    return true;
}

void MemorySecretStore::read(const QString &key, QObject *context, Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    if (failIfSet(context, callback))
        return;
    const auto it = m_secrets.constFind(key);
    if (it == m_secrets.cend())
        return deliver(context, std::move(callback),
                       { SecretError::NotFound, QStringLiteral("no secret stored under %1").arg(key), {} });
    deliver(context, std::move(callback), { SecretError::None, QString(), *it });
}

void MemorySecretStore::write(const QString &key, const QByteArray &secret, QObject *context,
                              Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    if (failIfSet(context, callback))
        return;
    if (m_writesBeforeOneFailure == 0) {
        m_writesBeforeOneFailure = -1;
        return deliver(context, std::move(callback), { m_oneFailure, m_oneFailureMessage, {} });
    }
    if (m_writesBeforeOneFailure > 0)
        --m_writesBeforeOneFailure;
    // Applied now rather than at delivery, so a read started after this write sees it, as with a real
    // keychain whose jobs run in order.
    m_secrets.insert(key, secret);
    deliver(context, std::move(callback), {});
}

void MemorySecretStore::remove(const QString &key, QObject *context, Callback callback)
{
    if (SecretResult invalid = validateKey(key); !invalid.ok())
        return deliver(context, std::move(callback), std::move(invalid));
    if (failIfSet(context, callback))
        return;
    m_secrets.remove(key);
    deliver(context, std::move(callback), {});
}

void MemorySecretStore::checkAvailable(QObject *context, Callback callback)
{
    if (failIfSet(context, callback))
        return;
    deliver(context, std::move(callback), {});
}

void MemorySecretStore::setFailure(SecretError error, const QString &message)
{
    m_failure = error;
    m_failureMessage = message.isEmpty() && error != SecretError::None
        ? QStringLiteral("simulated secret store failure")
        : message;
}

void MemorySecretStore::failOneWrite(int succeeding, SecretError error, const QString &message)
{
    m_writesBeforeOneFailure = qMax(succeeding, 0);
    m_oneFailure = error;
    m_oneFailureMessage = message;
}

QStringList MemorySecretStore::keys() const
{
    QStringList keys = m_secrets.keys();
    keys.sort();
    return keys;
}

} // namespace Drawbridge
