// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

#include "server/kiroprovider/kiroaccountupstream.h"
#include "server/kiroprovider/kiroendpointlist.h"
#include "server/storage/accountrecord.h"

namespace Drawbridge {

/**
 * @brief One Kiro account as the provider keeps it in memory: its stored record and the state each part of
 * the account manager keeps about it. Secrets are not here; the token service holds them.
 */
struct KiroAccount
{
    AccountRecord record;
    qint64 secretsRetryAtMs = 0; ///< when reading the keychain failed: the next try
    /** The API base URLs the account may use, and the one that works (remembered until it is refused). */
    KiroEndpointList endpoints;

    /** KiroQuotaTracker's: getUsageLimits polls and metered credits. */
    struct Quota
    {
        std::unique_ptr<KiroPendingCall> usageCall;
        bool usageRunning = false; ///< waiting for a token or for getUsageLimits
        bool usageParksQuota = false; ///< the running poll follows a quota error
        qint64 nextUsagePollMs = 0;
        double creditsUsed = 0.0;
        double creditsSincePoll = 0.0;
    } quota;

    /** KiroQuotaTracker's too: the models the account's tier may use (ListAvailableModels). */
    struct Catalog
    {
        std::unique_ptr<KiroPendingCall> call;
        bool running = false;
        bool known = false; ///< an answer arrived; until then the account may serve any model
        QList<KiroAccountUpstream::ModelInfo> models;
        QList<KiroAccountUpstream::ModelInfo> pages; ///< the pages of the listing in progress
        int pageCount = 0;
        QStringList triedEndpoints; ///< endpoints of the account that did not serve this listing
        qint64 nextRefreshMs = 0;
    } catalog;

    /** KiroPoolStatePersistence's: what the database holds for the pool-owned state. */
    struct Persisted
    {
        QString status;
        QString error;
        std::optional<qint64> cooldownUntilMs;
        QString endpoint; ///< the API endpoint stored as the one that works
    } persisted;
};

} // namespace Drawbridge
