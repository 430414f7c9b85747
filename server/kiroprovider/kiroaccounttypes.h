// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

#include "server/core/accountstatus.h"
#include "server/storage/accountrecord.h"

namespace Drawbridge {

/** The value types of the Kiro account API shared by the registry, the manager, the admin API and the GUI. */

enum class KiroAccountErrorKind {
    InvalidRequest, ///< a parameter is missing or malformed (see KiroAccountFailure::param)
    InvalidRefreshToken, ///< the auth service rejected the credentials; nothing was stored
    ImportFailed, ///< the IDE token file (or its companion) is missing or unreadable
    NotFound, ///< no account with that id
    SecretStore, ///< the keychain refused; nothing was stored
    Storage, ///< the database failed
    Upstream, ///< the auth service could not be reached to prove new credentials; nothing changed
};

struct KiroAccountFailure
{
    KiroAccountErrorKind kind = KiroAccountErrorKind::Storage;
    QString message;
    QString param; ///< for InvalidRequest: the admin API field at fault
};

/** An account as the admin API and the GUI show it. No secrets. */
struct KiroAccountInfo
{
    AccountRecord record;
    AccountStatus status = AccountStatus::Active; ///< the pool's; Disabled when the user disabled it
    int slotsTotal = 0;
    int slotsInUse = 0;
    std::optional<qint64> cooldownUntilMs;
    QString lastError;
    std::optional<qint64>
        lastErrorAtMs; ///< when it happened, if this run saw it (a stored error has no time)
    qint64 requests = 0; ///< slot leases granted since start
    double creditsUsed = 0.0; ///< metered through this gateway
    std::optional<double> creditsRemaining; ///< last polled, minus credits metered since
    QString endpoint; ///< the API base URL the account uses now (the first of its list that works)
    QStringList models; ///< model ids the account may use (its catalog, else kiro.models)
};

struct KiroAccountOutcome
{
    std::optional<KiroAccountInfo> account; ///< set on success
    KiroAccountFailure failure;

    bool ok() const { return account.has_value(); }
};
using KiroAccountOutcomeCallback = std::function<void(const KiroAccountOutcome &outcome)>;

struct KiroNewAccount
{
    QString name;
    QString authMethod; ///< "social" | "idc"; empty = idc when a client id and secret are given
    QString refreshToken;
    QString clientId;
    QString clientSecret;
    QString region; ///< empty = kiro.region
    QString profileArn;
    std::optional<int> slots; ///< nullopt = kiro.slots_per_account
    int priority = 0;
    bool enabled = true;
};

struct KiroAccountChanges
{
    std::optional<QString> name;
    std::optional<std::optional<int>> slots; ///< set to nullopt = back to kiro.slots_per_account
    std::optional<bool> enabled;
    std::optional<int> priority;
};

} // namespace Drawbridge
