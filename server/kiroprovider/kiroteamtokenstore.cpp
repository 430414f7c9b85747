// SPDX-License-Identifier: MIT
#include "kiroteamtokenstore.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "server/core/logging.h"
#include "server/core/sealedsecrettable.h"
#include "server/kiroprovider/kiroaccountregistry.h"

namespace Drawbridge {

namespace {

QString lockName(const QString &accountId)
{
    return QStringLiteral("kiro-refresh/") + accountId;
}

} // namespace

KiroTeamTokenStore::KiroTeamTokenStore(const Database &database, const SealedSecretTable &secrets,
                                       SecretCipher cipher)
    : m_locks(database), m_secrets(secrets), m_cipher(std::move(cipher))
{
}

Result<bool> KiroTeamTokenStore::tryLock(const QString &accountId)
{
    return m_locks.tryLock(lockName(accountId));
}

void KiroTeamTokenStore::unlock(const QString &accountId)
{
    // Not held any more only when the connection was lost, which released it already.
    if (const auto released = m_locks.unlock(lockName(accountId)); !released)
        qCWarning(lcKiro) << "could not release the refresh lock of account" << accountId << ":"
                          << released.error();
}

Result<QByteArray> KiroTeamTokenStore::open(const QString &name) const
{
    auto sealed = m_secrets.readSealed(name);
    if (!sealed)
        return Error { sealed.error() };
    if (!sealed->has_value())
        return QByteArray();
    return m_cipher.open(name, **sealed);
}

Result<KiroTeamTokenStore::Tokens> KiroTeamTokenStore::read(const QString &accountId)
{
    auto refresh = open(KiroAccountRegistry::secretKey(accountId, QStringLiteral("refresh_token")));
    if (!refresh)
        return Error { refresh.error() };
    auto access = open(KiroAccountRegistry::secretKey(accountId, QStringLiteral("access_token")));
    if (!access)
        return Error { access.error() };
    Tokens tokens;
    tokens.refreshToken = QString::fromUtf8(*refresh);
    // The cached access token as the registry stores it: {"accessToken": …, "expiresAtMs": …}.
    const QJsonObject cached = QJsonDocument::fromJson(*access).object();
    tokens.accessToken = cached.value(QStringLiteral("accessToken")).toString();
    tokens.accessExpiresMs = qint64(cached.value(QStringLiteral("expiresAtMs")).toDouble());
    return tokens;
}

} // namespace Drawbridge
