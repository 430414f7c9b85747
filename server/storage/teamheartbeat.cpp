// SPDX-License-Identifier: MIT
#include "teamheartbeat.h"

#include <QUuid>

#include "server/core/clock.h"
#include "server/core/logging.h"

namespace Drawbridge {

TeamHeartbeat::TeamHeartbeat(InstanceHeartbeatRepository &repository, const Clock &clock,
                             std::function<Sample()> sample, Options options, QObject *parent)
    : QObject(parent)
    , m_repository(repository)
    , m_clock(clock)
    , m_sample(std::move(sample))
    , m_options(options)
    , m_instanceId(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_startedAtMs(clock.nowMs())
{
    connect(&m_timer, &QTimer::timeout, this, [this] { static_cast<void>(beatNow()); });
}

TeamHeartbeat::~TeamHeartbeat()
{
    stop();
}

void TeamHeartbeat::start()
{
    m_running = true;
    static_cast<void>(beatNow());
    m_timer.start(std::chrono::milliseconds(m_options.intervalMs));
}

void TeamHeartbeat::stop()
{
    m_timer.stop();
    if (!m_running)
        return;
    m_running = false;
    if (const Status removed = m_repository.remove(m_instanceId); !removed)
        qCWarning(lcStorage) << "could not remove this instance's heartbeat:" << removed.error();
}

Status TeamHeartbeat::beatNow()
{
    const Sample sample = m_sample ? m_sample() : Sample {};
    auto team
        = m_repository.beat(InstanceHeartbeatRepository::Beat { m_instanceId, m_startedAtMs, sample.inFlight,
                                                                sample.queued, sample.metricsJson },
                            m_clock.nowMs(), m_options.lapseMs);
    if (!team) {
        if (!m_failing)
            qCWarning(lcStorage) << "team heartbeat failed (keeping the last team snapshot):" << team.error();
        m_failing = true;
        return Error { team.error() };
    }
    if (m_failing)
        qCInfo(lcStorage) << "team heartbeat recovered";
    m_failing = false;
    m_snapshot = std::make_shared<const TeamSnapshot>(std::move(*team));
    return Ok {};
}

} // namespace Drawbridge
