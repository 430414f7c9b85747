// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <optional>
#include <variant>
#include <vector>

#include "server/core/apierror.h"
#include "server/core/result.h"
#include "server/storage/apikeyrecord.h"

namespace Drawbridge {

class Clock;
class KeyRepository;

/**
 * @brief Client keys: creation, authentication and edits, with an in-memory cache in front of the database.
 *
 * Authentication never touches the database: every key's metadata is cached at start-up and every change goes
 * through this class, which writes the database first and then updates the cache, so a revocation or patch
 * takes effect on the very next request.
 */
class KeyService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyService)

public:
    KeyService(KeyRepository &repository, const Clock &clock, QObject *parent = nullptr);

    /** Loads every key into the cache. */
    Status load();

    struct NewKey
    {
        QString name;
        std::optional<int> rateLimitRpm;
        QStringList models;
        std::optional<qint64> expiresAtMs;
    };
    struct Created
    {
        ApiKeyRecord record;
        QString key; ///< the full key, shown once
    };
    Result<Created> create(const NewKey &request);

    struct Patch
    {
        std::optional<QString> name;
        std::optional<std::optional<int>> rateLimitRpm; ///< set to nullopt = back to the default
        std::optional<QStringList> models;
        std::optional<std::optional<qint64>> expiresAtMs;
    };
    /** nullopt result value = unknown id. */
    Result<std::optional<ApiKeyRecord>> update(const QString &id, const Patch &patch);
    Result<bool> revoke(const QString &id);

    /** The key's record if @p presentedKey is a valid, unrevoked, unexpired key; else the error to answer. */
    std::variant<const ApiKeyRecord *, ApiError> authenticate(QStringView presentedKey) const;

    std::optional<ApiKeyRecord> find(const QString &id) const;
    std::vector<ApiKeyRecord> list() const;
    /** In-memory usage figures, kept current per request (the ledger persists them). */
    void noteUsed(const QString &id, qint64 atMs);
    qint64 requestCount(const QString &id) const { return m_requests.value(id); }
    void setRequestCounts(const QHash<QString, qint64> &counts) { m_requests = counts; }

    static bool modelAllowed(const ApiKeyRecord &record, const QString &requestedModel);
    /**
     * Why key @p id may no longer make a request for @p requestedModel (revoked, deleted, expired, model
     * taken away), or nothing. For requests admitted earlier that still wait for an upstream slot.
     */
    std::optional<ApiError> accessError(const QString &id, const QString &requestedModel) const;

Q_SIGNALS:
    void keyAdded(const QString &id);
    void keyChanged(const QString &id);
    void keyRevoked(const QString &id);

private:
    KeyRepository &m_repository;
    const Clock &m_clock;
    QHash<QString, ApiKeyRecord> m_keys;
    QHash<QString, qint64> m_requests;
};

} // namespace Drawbridge
