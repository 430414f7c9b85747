// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

#include "server/core/teamstatus.h"
#include "server/storage/instanceheartbeatrepository.h"

namespace Drawbridge {

class Clock;

/**
 * @brief Team mode: this instance's heartbeat and its cached view of the team.
 *
 * On each tick (a timer on the thread that owns it, never a request) it writes this instance's figures and
 * reads the team's in one statement (InstanceHeartbeatRepository::beat()), and keeps the snapshot in memory:
 * snapshot() answers from there, so `/health` never waits on the database. A failed tick keeps the previous
 * snapshot, whose `as_of` then tells how old it is. stop() deletes this instance's row; an instance that dies
 * without it lapses after Options::lapseMs.
 */
class TeamHeartbeat final : public QObject, public TeamStatus
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TeamHeartbeat)

public:
    struct Options
    {
        // Half the slot leases' 5 s renewal period: a change on one instance shows on every other within
        // two ticks (5 s) at most.
        qint64 intervalMs = 2'500;
        qint64 lapseMs = 15'000; ///< an instance not seen for this long no longer counts
    };

    /** This instance's figures at a tick. */
    struct Sample
    {
        int inFlight = 0;
        int queued = 0;
        QByteArray metricsJson;
    };

    TeamHeartbeat(InstanceHeartbeatRepository &repository, const Clock &clock, std::function<Sample()> sample,
                  Options options, QObject *parent = nullptr);
    ~TeamHeartbeat() override;

    /** Beats once now, then on every tick. */
    void start();
    /** Stops ticking and deletes this instance's row (a clean stop). Idempotent. */
    void stop();
    /** One tick: writes this instance's row and caches the team's snapshot. */
    Status beatNow();

    QString instanceId() const { return m_instanceId; }
    std::shared_ptr<const TeamSnapshot> snapshot() const override { return m_snapshot; }

private:
    InstanceHeartbeatRepository &m_repository;
    const Clock &m_clock;
    std::function<Sample()> m_sample;
    Options m_options;
    QString m_instanceId; ///< random per start
    qint64 m_startedAtMs = 0;
    QTimer m_timer;
    bool m_running = false;
    bool m_failing = false; ///< the last tick failed: warn once per outage, not every tick
    std::shared_ptr<const TeamSnapshot> m_snapshot;
};

} // namespace Drawbridge
