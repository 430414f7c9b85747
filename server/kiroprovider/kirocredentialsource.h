// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QSet>
#include <QString>

#include <functional>
#include <optional>

#include "server/kiro/kiroreasoningschema.h"

namespace Drawbridge {

/** What a chat call needs to talk to Kiro as one account. */
struct KiroAccountContext
{
    QString accountId;
    QString accessToken;
    QString profileArn; ///< empty for IdC accounts that have none
    QString region;
    QString machineId; ///< stable per account, for the fingerprint headers
    QString apiBaseUrl; ///< effective generateAssistantResponse base URL for this account
};

/**
 * @brief Supplies valid access tokens per account (refreshing them ahead of expiry, single-flight).
 *
 * Implemented by the account manager; used by KiroProvider on every chat call.
 */
class KiroCredentialSource
{
public:
    virtual ~KiroCredentialSource() = default;

    /** @p context is null on failure, with @p error saying why (the account state is already updated). */
    using TokenCallback = std::function<void(const KiroAccountContext *context, const QString &error)>;

    /**
     * Calls @p done with the account's context once a valid token is at hand: synchronously when a cached
     * token is still fresh (the hot path), later after a refresh. With @p forceRefresh the cached token is
     * not trusted (the upstream just called it invalid). @p done is dropped if @p guard is destroyed first.
     */
    virtual void accessToken(const QString &accountId, bool forceRefresh, QObject *guard, TokenCallback done)
        = 0;

    /** The upstream said the account's quota is used up: confirm via getUsageLimits and park it until reset.
     */
    virtual void quotaExhausted(const QString &accountId, const QString &message) = 0;

    /** Credits metered for one request served by the account (exact, from meteringEvent). */
    virtual void creditsUsed(const QString &accountId, double credits) = 0;

    /**
     * The account's API endpoint @p baseUrl refused it the way a wrong endpoint does (cannot connect, 404,
     * a token refused again right after a refresh): the account moves to its next endpoint. Returns the
     * endpoint it uses now; the same @p baseUrl means there is no other.
     */
    virtual QString endpointRefused(const QString &accountId, const QString &baseUrl, const QString &reason)
        = 0;

    /** Accounts whose model catalog says they may not use @p modelId (free and paid tiers differ). */
    virtual QSet<QString> accountsWithoutModel(const QString &modelId) const = 0;

    /** The context window the account's catalog gives @p modelId (maxInputTokens); 0 = not known. */
    virtual int contextWindow(const QString &accountId, const QString &modelId) const = 0;

    /**
     * What the catalogs say a request for @p modelId may carry for reasoning (the first account's catalog
     * that lists the model with such a schema: it describes the model, not the account); unsupported when
     * none does.
     */
    virtual KiroReasoningSchema reasoningSchema(const QString &modelId) const = 0;
};

} // namespace Drawbridge
