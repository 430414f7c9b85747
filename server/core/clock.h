// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Drawbridge {

/**
 * @brief Source of time for everything that measures windows, cooldowns or expiry.
 *
 * Injected so tests advance a FakeClock instead of sleeping.
 */
class Clock
{
public:
    virtual ~Clock() = default;
    /** Wall-clock time in milliseconds since the Unix epoch (UTC). */
    virtual qint64 nowMs() const = 0;
    /** Monotonic nanoseconds, for durations only. */
    virtual qint64 monotonicNs() const = 0;
};

class SystemClock final : public Clock
{
public:
    qint64 nowMs() const override;
    qint64 monotonicNs() const override;
};

} // namespace Drawbridge
