// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include "server/core/result.h"
#include "server/core/teamsnapshot.h"

namespace Drawbridge {

class Database;

/**
 * @brief Team mode's instance heartbeats: the `team_instances` row of each running instance (its start,
 * last-seen time, in-flight and queued requests, and its metrics as JSON). PostgreSQL only.
 *
 * beat() is one statement: it upserts the caller's row and reads back the team's live rows (those seen within
 * the lapse) and the live slot leases, so each tick is one round trip. Rows of instances dead for an hour are
 * deleted in passing, so the table stays as small as the team. Times come from each instance's Clock: the
 * instances' clocks must agree (NTP), as for the slot leases.
 */
class InstanceHeartbeatRepository final
{
public:
    /** What an instance reports of itself on each tick. */
    struct Beat
    {
        QString instanceId;
        qint64 startedAtMs = 0;
        int inFlight = 0;
        int queued = 0;
        QByteArray metricsJson; ///< Metrics::json(); longer than maxMetricsBytes is stored as "{}"
    };

    /** Bound of one instance's metrics JSON in the table. */
    static constexpr qsizetype maxMetricsBytes = 1024 * 1024;
    /** Rows not seen for this long are deleted (their instances are long dead). */
    static constexpr qint64 forgetAfterMs = 60 * 60 * 1000;

    explicit InstanceHeartbeatRepository(const Database &database);

    /**
     * Records @p beat as seen at @p nowMs and returns the team as it is now: the instances seen after
     * `nowMs - lapseMs` (this one included) and the slot leases that have not expired by @p nowMs.
     */
    Result<TeamSnapshot> beat(const Beat &beat, qint64 nowMs, qint64 lapseMs);
    /** Deletes @p instanceId's row (a clean stop): the others stop counting it at their next tick. */
    Status remove(const QString &instanceId);

private:
    const Database &m_database;
};

} // namespace Drawbridge
