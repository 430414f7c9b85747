// SPDX-License-Identifier: MIT
#include "keyservice.h"

#include <algorithm>

#include "server/core/apikeycodec.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/storage/keyrepository.h"

namespace Drawbridge {

KeyService::KeyService(KeyRepository &repository, const Clock &clock, QObject *parent)
    : QObject(parent), m_repository(repository), m_clock(clock)
{
}

Status KeyService::load()
{
    auto all = m_repository.list();
    if (!all)
        return Error { all.error() };
    m_keys.clear();
    for (ApiKeyRecord &r : *all)
        m_keys.insert(r.id, std::move(r));
    return Ok {};
}

Result<KeyService::Created> KeyService::create(const NewKey &request)
{
    // A collision of the 40-bit public id is possible in principle; draw again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const ApiKeyCodec::Generated g = ApiKeyCodec::generate();
        ApiKeyRecord r;
        r.id = g.id;
        r.name = request.name;
        r.keyHash = QString::fromLatin1(g.hash);
        r.rateLimitRpm = request.rateLimitRpm;
        r.models = request.models;
        r.createdAtMs = m_clock.nowMs();
        r.expiresAtMs = request.expiresAtMs;
        const Result<bool> inserted = m_repository.insert(r);
        if (!inserted)
            return Error { inserted.error() };
        if (!*inserted)
            continue;
        m_keys.insert(r.id, r);
        qCInfo(lcGateway) << "created client key" << r.id;
        Q_EMIT keyAdded(r.id);
        return Created { r, g.key };
    }
    return Error { QStringLiteral("could not allocate a unique key id") };
}

Result<std::optional<ApiKeyRecord>> KeyService::update(const QString &id, const Patch &patch)
{
    auto it = m_keys.find(id);
    if (it == m_keys.end())
        return std::optional<ApiKeyRecord>();
    ApiKeyRecord r = *it;
    if (patch.name)
        r.name = *patch.name;
    if (patch.rateLimitRpm)
        r.rateLimitRpm = *patch.rateLimitRpm;
    if (patch.models)
        r.models = *patch.models;
    if (patch.expiresAtMs)
        r.expiresAtMs = *patch.expiresAtMs;
    const Result<bool> updated = m_repository.update(r);
    if (!updated)
        return Error { updated.error() };
    *it = r;
    Q_EMIT keyChanged(id);
    return std::optional<ApiKeyRecord>(r);
}

Result<bool> KeyService::revoke(const QString &id)
{
    auto it = m_keys.find(id);
    if (it == m_keys.end())
        return false;
    const Result<bool> revoked = m_repository.revoke(id);
    if (!revoked)
        return Error { revoked.error() };
    if (!it->revokedAtMs)
        it->revokedAtMs = m_clock.nowMs();
    qCInfo(lcGateway) << "revoked client key" << id;
    Q_EMIT keyRevoked(id);
    return true;
}

std::variant<const ApiKeyRecord *, ApiError> KeyService::authenticate(QStringView presentedKey) const
{
    // Built only on the way out with it: a request with a good key needs none.
    const auto unknown = [] {
        return ApiError { ApiErrorKind::InvalidApiKey,
                          QStringLiteral("Incorrect API key provided. Create a key in Drawbridge (db-…) and "
                                         "send it as a Bearer token.") };
    };
    const std::optional<QString> id = ApiKeyCodec::parseId(presentedKey);
    if (!id)
        return unknown();
    auto it = m_keys.constFind(*id);
    // Hashes even when the id is unknown (against an empty stored hash) so timing does not reveal which ids
    // exist.
    const bool matches = ApiKeyCodec::hashMatches(
        presentedKey, it == m_keys.constEnd() ? QStringView() : QStringView(it->keyHash));
    if (it == m_keys.constEnd() || !matches)
        return unknown();
    if (it->revokedAtMs)
        return ApiError { ApiErrorKind::KeyRevoked, QStringLiteral("This API key has been revoked.") };
    if (it->expiresAtMs && *it->expiresAtMs <= m_clock.nowMs())
        return ApiError { ApiErrorKind::KeyExpired, QStringLiteral("This API key has expired.") };
    return &it.value();
}

std::optional<ApiKeyRecord> KeyService::find(const QString &id) const
{
    auto it = m_keys.constFind(id);
    if (it == m_keys.constEnd())
        return std::nullopt;
    return *it;
}

std::vector<ApiKeyRecord> KeyService::list() const
{
    std::vector<ApiKeyRecord> out(m_keys.cbegin(), m_keys.cend());
    std::sort(out.begin(), out.end(), [](const ApiKeyRecord &a, const ApiKeyRecord &b) {
        return a.createdAtMs != b.createdAtMs ? a.createdAtMs < b.createdAtMs : a.id < b.id;
    });
    return out;
}

void KeyService::noteUsed(const QString &id, qint64 atMs)
{
    auto it = m_keys.find(id);
    if (it == m_keys.end())
        return;
    if (!it->lastUsedAtMs || *it->lastUsedAtMs < atMs)
        it->lastUsedAtMs = atMs;
    ++m_requests[id];
}

std::optional<ApiError> KeyService::accessError(const QString &id, const QString &requestedModel) const
{
    auto it = m_keys.constFind(id);
    if (it == m_keys.constEnd() || it->revokedAtMs)
        return ApiError { ApiErrorKind::KeyRevoked, QStringLiteral("This API key has been revoked.") };
    if (it->expiresAtMs && *it->expiresAtMs <= m_clock.nowMs())
        return ApiError { ApiErrorKind::KeyExpired, QStringLiteral("This API key has expired.") };
    if (!requestedModel.isEmpty() && !modelAllowed(*it, requestedModel))
        return ApiError { ApiErrorKind::ModelNotAllowed,
                          QStringLiteral("Key %1 may no longer use model '%2'.").arg(id, requestedModel),
                          QStringLiteral("model") };
    return std::nullopt;
}

bool KeyService::modelAllowed(const ApiKeyRecord &record, const QString &requestedModel)
{
    return record.models.isEmpty() || record.models.contains(requestedModel);
}

} // namespace Drawbridge
