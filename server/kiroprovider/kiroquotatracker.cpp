// SPDX-License-Identifier: MIT
#include "kiroquotatracker.h"

#include <utility>

#include "server/core/accountpool.h"
#include "server/core/clock.h"
#include "server/core/logging.h"
#include "server/kiro/kiromodels.h"
#include "server/kiroprovider/kiroaccountregistry.h"
#include "server/kiroprovider/kirocredentialsource.h"
#include "server/storage/accountrepository.h"

namespace Drawbridge {

KiroQuotaTracker::KiroQuotaTracker(KiroAccountRegistry &registry, KiroCredentialSource &credentials,
                                   KiroAccountUpstream &upstream, AccountPool &pool,
                                   AccountRepository &repository, const Clock &clock,
                                   qint64 usagePollIntervalMs, qint64 catalogRefreshIntervalMs,
                                   QObject *parent)
    : QObject(parent)
    , m_registry(registry)
    , m_credentials(credentials)
    , m_upstream(upstream)
    , m_pool(pool)
    , m_repository(repository)
    , m_clock(clock)
    , m_usagePollIntervalMs(usagePollIntervalMs)
    , m_catalogRefreshIntervalMs(catalogRefreshIntervalMs)
{
}

const QString &KiroQuotaTracker::normalized(const QString &modelId) const
{
    if (auto it = m_normalized.constFind(modelId); it != m_normalized.constEnd())
        return *it;
    if (m_normalized.size() >= 4096)
        m_normalized.clear();
    return *m_normalized.insert(modelId, KiroModels::normalize(modelId));
}

const KiroAccountUpstream::ModelInfo *KiroQuotaTracker::catalogEntry(const KiroAccount &account,
                                                                     const QString &modelId) const
{
    const QString wanted = normalized(modelId);
    for (const auto &m : account.catalog.models) {
        if (m.modelId.compare(modelId, Qt::CaseInsensitive) == 0 || normalized(m.modelId) == wanted)
            return &m;
    }
    return nullptr;
}

int KiroQuotaTracker::contextWindow(const KiroAccount &account, const QString &modelId) const
{
    const auto *entry = catalogEntry(account, modelId);
    return entry ? entry->maxInputTokens : 0;
}

KiroReasoningSchema KiroQuotaTracker::reasoningSchema(const KiroAccount &account,
                                                      const QString &modelId) const
{
    const auto *entry = catalogEntry(account, modelId);
    return entry ? entry->reasoning : KiroReasoningSchema {};
}

bool KiroQuotaTracker::serves(const KiroAccount &account, const QString &modelId) const
{
    if (!account.catalog.known)
        return true;
    const QString wanted = normalized(modelId);
    for (const auto &m : account.catalog.models) {
        if (m.modelId.compare(modelId, Qt::CaseInsensitive) == 0 || normalized(m.modelId) == wanted)
            return true;
    }
    return false;
}

void KiroQuotaTracker::quotaExhausted(const QString &accountId, const QString &message)
{
    KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return;
    const qint64 now = m_clock.nowMs();
    const qint64 until = a->record.nextResetMs && *a->record.nextResetMs > now
        ? *a->record.nextResetMs
        : KiroUsageLimits::firstOfNextMonthMs(now);
    // Parked at once with the best date known; getUsageLimits then tells the real reset.
    m_pool.markQuotaExhausted(accountId, until,
                              message.isEmpty() ? QStringLiteral("The monthly quota is used up.") : message);
    if (a->quota.usageRunning)
        a->quota.usageParksQuota = true;
    else
        startUsagePoll(*a, true);
}

void KiroQuotaTracker::creditsUsed(const QString &accountId, double credits)
{
    KiroAccount *a = m_registry.find(accountId);
    if (!a || !(credits > 0.0))
        return;
    a->quota.creditsUsed += credits;
    a->quota.creditsSincePoll += credits;
    Q_EMIT accountUpdated(accountId);
}

void KiroQuotaTracker::setCreditsUsedTotal(const QString &accountId, double total)
{
    KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return;
    a->quota.creditsUsed = std::max(0.0, total);
    Q_EMIT accountUpdated(accountId);
}

void KiroQuotaTracker::pollNow(const QString &accountId)
{
    if (KiroAccount *a = m_registry.find(accountId); a && !a->quota.usageRunning)
        startUsagePoll(*a, false);
    if (KiroAccount *a = m_registry.find(accountId); a && !a->catalog.running)
        startCatalogRefresh(*a);
}

void KiroQuotaTracker::poll(const QString &accountId)
{
    KiroAccount *a = m_registry.find(accountId);
    if (a && !a->quota.usageRunning && a->quota.nextUsagePollMs <= m_clock.nowMs())
        startUsagePoll(*a, false);
    a = m_registry.find(accountId);
    if (a && !a->catalog.running && a->catalog.nextRefreshMs <= m_clock.nowMs())
        startCatalogRefresh(*a);
}

// --- the model catalog
// --------------------------------------------------------------------------------------------

void KiroQuotaTracker::startCatalogRefresh(KiroAccount &a)
{
    a.catalog.running = true;
    a.catalog.pages.clear();
    a.catalog.pageCount = 0;
    a.catalog.triedEndpoints.clear();
    // A failed listing is tried again sooner than a good one is refreshed.
    a.catalog.nextRefreshMs = m_clock.nowMs() + std::min<qint64>(m_catalogRefreshIntervalMs, 15 * 60'000);
    const QString id = a.record.id;
    m_credentials.accessToken(
        id, false, this, [this, id](const KiroAccountContext *ctx, const QString &error) {
            KiroAccount *acc = m_registry.find(id);
            if (!acc)
                return;
            if (!ctx) {
                acc->catalog.running = false;
                qCDebug(lcKiro) << "model catalog of account" << id << "not read:" << error;
                Q_EMIT catalogRefreshed(id, false);
                return;
            }
            requestCatalogPage(id, *ctx);
        });
}

void KiroQuotaTracker::requestCatalogPage(const QString &accountId, const KiroAccountContext &ctx)
{
    KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return;
    KiroAccountUpstream::ModelsInput input;
    input.apiBaseUrl = ctx.apiBaseUrl;
    input.accessToken = ctx.accessToken;
    if (a->record.authMethod == QStringLiteral("social"))
        input.profileArn = ctx.profileArn;
    input.fingerprint = m_registry.fingerprint(*a);
    a->catalog.call = m_upstream.listAvailableModels(
        input, [this, accountId, ctx](const KiroAccountUpstream::ModelsResult &r) {
            onCatalogPage(accountId, r, ctx);
        });
}

void KiroQuotaTracker::onCatalogPage(const QString &accountId, const KiroAccountUpstream::ModelsResult &r,
                                     const KiroAccountContext &ctx)
{
    KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return;
    const std::unique_ptr<KiroPendingCall> finished = std::move(a->catalog.call);
    const bool notServedHere = r.connectFailed
        || (r.httpError
            && (r.httpError->httpStatus == 404
                || r.httpError->errorType.startsWith(QStringLiteral("UnknownOperation"))));
    if (!r.models && notServedHere && a->catalog.pageCount == 0) {
        // Not every host serves the catalog (runtime.{R}.kiro.dev reportedly does not): ask the account's
        // other endpoints, without moving the account off the one it chats on.
        a->catalog.triedEndpoints.append(ctx.apiBaseUrl);
        for (const QString &url : a->endpoints.urls()) {
            if (a->catalog.triedEndpoints.contains(url))
                continue;
            KiroAccountContext other = ctx;
            other.apiBaseUrl = url;
            requestCatalogPage(accountId, other);
            return;
        }
    }
    if (!r.models) {
        // Keep what was known; an account never listed serves whatever kiro.models offers.
        a->catalog.running = false;
        qCInfo(lcKiro) << "account" << accountId << ": model catalog not read, using"
                       << (a->catalog.known ? "the last one" : "kiro.models") << ":" << r.message;
        Q_EMIT catalogRefreshed(accountId, false);
        return;
    }
    a->catalog.pages += *r.models;
    ++a->catalog.pageCount;
    // Bounded: a catalog has a few pages at most; a service that keeps paging is not answering one.
    constexpr int maxPages = 10;
    if (!r.nextToken.isEmpty() && a->catalog.pageCount < maxPages) {
        KiroAccountUpstream::ModelsInput input;
        input.apiBaseUrl = ctx.apiBaseUrl;
        input.accessToken = ctx.accessToken;
        if (a->record.authMethod == QStringLiteral("social"))
            input.profileArn = ctx.profileArn;
        input.nextToken = r.nextToken;
        input.fingerprint = m_registry.fingerprint(*a);
        a->catalog.call = m_upstream.listAvailableModels(
            input, [this, accountId, ctx](const KiroAccountUpstream::ModelsResult &next) {
                onCatalogPage(accountId, next, ctx);
            });
        return;
    }
    a->catalog.running = false;
    a->catalog.known = true;
    a->catalog.models = std::exchange(a->catalog.pages, {});
    a->catalog.nextRefreshMs = m_clock.nowMs() + m_catalogRefreshIntervalMs;
    qCInfo(lcKiro) << "account" << accountId << "may use" << a->catalog.models.size() << "model(s)";
    Q_EMIT accountUpdated(accountId);
    Q_EMIT catalogRefreshed(accountId, true);
}

void KiroQuotaTracker::startUsagePoll(KiroAccount &a, bool parkQuota, bool retriedAuth)
{
    a.quota.usageRunning = true;
    a.quota.usageParksQuota = a.quota.usageParksQuota || parkQuota;
    a.quota.nextUsagePollMs = m_clock.nowMs() + m_usagePollIntervalMs;
    const QString id = a.record.id;
    Q_EMIT usagePollStarted(id);
    m_credentials.accessToken(
        id, retriedAuth, this, [this, id, retriedAuth](const KiroAccountContext *ctx, const QString &error) {
            KiroAccount *acc = m_registry.find(id);
            if (!acc)
                return;
            if (!ctx) {
                acc->quota.usageRunning = false;
                qCDebug(lcKiro) << "usage poll of account" << id << "skipped:" << error;
                Q_EMIT usagePollFinished(id, false);
                return;
            }
            KiroAccountUpstream::UsageInput input;
            input.apiBaseUrl = ctx->apiBaseUrl;
            input.accessToken = ctx->accessToken;
            // Sent for social logins only: enterprise IdC accounts are reported to get a 400 with it.
            if (acc->record.authMethod == QStringLiteral("social"))
                input.profileArn = ctx->profileArn;
            input.fingerprint = m_registry.fingerprint(*acc);
            acc->quota.usageCall = m_upstream.usageLimits(
                input, [this, id, retriedAuth](const KiroAccountUpstream::UsageResult &r) {
                    onUsageLimits(id, r, retriedAuth);
                });
        });
}

void KiroQuotaTracker::onUsageLimits(const QString &accountId, const KiroAccountUpstream::UsageResult &r,
                                     bool retriedAuth)
{
    KiroAccount *a = m_registry.find(accountId);
    if (!a)
        return;
    const std::unique_ptr<KiroPendingCall> finished = std::move(a->quota.usageCall);
    a->quota.usageRunning = false;
    const bool park = std::exchange(a->quota.usageParksQuota, false);
    const qint64 now = m_clock.nowMs();

    if (r.limits) {
        const KiroUsageLimits &limits = *r.limits;
        a->record.creditsRemaining = limits.remaining();
        a->record.usageLimit = limits.usageLimit;
        a->record.nextResetMs = limits.nextResetMs;
        a->quota.creditsSincePoll = 0.0;
        if (auto saved = m_repository.updateQuota(accountId, a->record.creditsRemaining, a->record.usageLimit,
                                                  a->record.nextResetMs);
            !saved) {
            qCWarning(lcKiro) << "could not store the quota of account" << accountId << ":" << saved.error();
        }
        const qint64 until = limits.nextResetMs && *limits.nextResetMs > now
            ? *limits.nextResetMs
            : KiroUsageLimits::firstOfNextMonthMs(now);
        if (const auto view = m_pool.account(accountId)) {
            if (view->status == AccountStatus::QuotaExhausted && park) {
                m_pool.markQuotaExhausted(accountId, until, view->lastError);
            } else if (view->status == AccountStatus::Active && limits.remaining() <= 0.0
                       && !limits.overageEnabled) {
                m_pool.markQuotaExhausted(accountId, until,
                                          QStringLiteral("No credits left (%1 of %2 used).")
                                              .arg(limits.currentUsage)
                                              .arg(limits.usageLimit));
            }
        }
        Q_EMIT accountUpdated(accountId);
        Q_EMIT usagePollFinished(accountId, true);
        return;
    }

    if (r.httpError) {
        switch (r.httpError->kind) {
        case KiroErrorKind::TokenInvalid:
            if (!retriedAuth) {
                a->quota.usageParksQuota = park;
                startUsagePoll(*a, park, true);
                return;
            }
            break;
        case KiroErrorKind::Suspended:
            m_pool.markSuspended(accountId, r.httpError->accountNote());
            break;
        default:
            break;
        }
    }
    qCWarning(lcKiro) << "account" << accountId << ":" << r.message;
    Q_EMIT usagePollFinished(accountId, false);
}

} // namespace Drawbridge
