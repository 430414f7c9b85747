// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <vector>

#include "server/core/poolstatus.h"

namespace Drawbridge {

/**
 * @brief What the instances of a team (team mode) last reported of themselves through the shared database,
 * and the slot leases the team holds, as one instance read it at @ref asOfMs.
 *
 * Renders the `team` objects of `/health` and `/admin/metrics` (docs/api.md).
 */
struct TeamSnapshot
{
    struct Instance
    {
        QString id;
        qint64 startedAtMs = 0;
        qint64 lastSeenMs = 0;
        int inFlight = 0;
        int queued = 0;
        QByteArray metricsJson; ///< its Metrics::json() at its last heartbeat
    };

    qint64 asOfMs = 0; ///< when the snapshot was read (this instance's clock)
    std::vector<Instance> instances; ///< the live ones, oldest first
    int slotsInUse = 0; ///< live slot leases team-wide

    int inFlight() const;
    int queued() const;

    /**
     * `/health`'s `team` object. @p pool is this instance's view of the shared accounts (their states and
     * slots are the team's); @p nowMs says how old the snapshot is.
     */
    QJsonObject healthJson(const PoolStatus &pool, qint64 nowMs) const;
    /** `/admin/metrics`'s `team` object: every instance's snapshot and the counters summed over them. */
    QJsonObject metricsJson(qint64 nowMs) const;
    /** The `status` the shared account states give (`healthy`, `degraded` or `unavailable`). */
    static QString accountStatus(const PoolStatus &pool);
};

} // namespace Drawbridge
