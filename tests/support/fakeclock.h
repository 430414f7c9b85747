// SPDX-License-Identifier: MIT
#pragma once

#include "server/core/clock.h"

namespace Drawbridge::Test {

/** A clock tests move by hand; starts at a fixed, realistic instant. */
class FakeClock final : public Clock
{
public:
    explicit FakeClock(qint64 startMs = 1'780'000'000'000);
    qint64 nowMs() const override;
    qint64 monotonicNs() const override;
    void advanceMs(qint64 ms);
    void setNowMs(qint64 ms);

private:
    qint64 m_nowMs;
    qint64 m_monoNs = 1'000'000'000;
};

} // namespace Drawbridge::Test
