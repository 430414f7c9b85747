// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include "server/kiroprovider/kiroaccountupstream.h"

namespace Drawbridge {

class AccountPool;
class AccountRepository;
class Clock;
class KiroAccountRegistry;
class KiroCredentialSource;
struct KiroAccount;
struct KiroAccountContext;

/**
 * @brief Each account's quota: getUsageLimits polled periodically and after a quota error, credits metered
 * through the gateway, and parking an account whose quota is used up until its reset.
 */
class KiroQuotaTracker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KiroQuotaTracker)

public:
    KiroQuotaTracker(KiroAccountRegistry &registry, KiroCredentialSource &credentials,
                     KiroAccountUpstream &upstream, AccountPool &pool, AccountRepository &repository,
                     const Clock &clock, qint64 usagePollIntervalMs, qint64 catalogRefreshIntervalMs,
                     QObject *parent = nullptr);

    /** True unless the account's known catalog lacks @p modelId (an unknown catalog restricts nothing). */
    bool serves(const KiroAccount &account, const QString &modelId) const;
    /** maxInputTokens of @p modelId in the account's catalog; 0 = not known. */
    int contextWindow(const KiroAccount &account, const QString &modelId) const;
    /** additionalModelRequestFieldsSchema of @p modelId in the account's catalog; unsupported = not known. */
    KiroReasoningSchema reasoningSchema(const KiroAccount &account, const QString &modelId) const;

    /** The upstream said the quota is used up: park the account now, then learn the real reset date. */
    void quotaExhausted(const QString &accountId, const QString &message);
    void creditsUsed(const QString &accountId, double credits);
    void setCreditsUsedTotal(const QString &accountId, double total);
    /** Polls getUsageLimits now (first poll of a new account). */
    void pollNow(const QString &accountId);
    /** Polls getUsageLimits when the account's poll is due. */
    void poll(const QString &accountId);

Q_SIGNALS:
    void accountUpdated(const QString &accountId);
    void usagePollStarted(const QString &accountId);
    /** @p ok = the limits were read and stored. */
    void usagePollFinished(const QString &accountId, bool ok);
    /** @p ok = the account's catalog was read (else it keeps what it had). */
    void catalogRefreshed(const QString &accountId, bool ok);

private:
    /** @p modelId's entry in the account's catalog (by id, or the same id normalized); nullptr = none. */
    const KiroAccountUpstream::ModelInfo *catalogEntry(const KiroAccount &account,
                                                       const QString &modelId) const;
    /**
     * KiroModels::normalize(@p modelId), remembered: every request looks its model up in every account's
     * catalog, and normalizing is five regular-expression passes. Bounded (emptied at 4,096 names: the
     * catalogs' ids and the models clients ask for).
     */
    const QString &normalized(const QString &modelId) const;
    void startUsagePoll(KiroAccount &account, bool parkQuota, bool retriedAuth = false);
    void startCatalogRefresh(KiroAccount &account);
    void requestCatalogPage(const QString &accountId, const KiroAccountContext &context);
    void onCatalogPage(const QString &accountId, const KiroAccountUpstream::ModelsResult &result,
                       const KiroAccountContext &context);
    void onUsageLimits(const QString &accountId, const KiroAccountUpstream::UsageResult &result,
                       bool retriedAuth);

    KiroAccountRegistry &m_registry;
    KiroCredentialSource &m_credentials;
    KiroAccountUpstream &m_upstream;
    AccountPool &m_pool;
    AccountRepository &m_repository;
    const Clock &m_clock;
    qint64 m_usagePollIntervalMs;
    qint64 m_catalogRefreshIntervalMs;
    mutable QHash<QString, QString> m_normalized;
};

} // namespace Drawbridge
