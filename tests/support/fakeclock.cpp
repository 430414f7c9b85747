// SPDX-License-Identifier: MIT
#include "fakeclock.h"

namespace Drawbridge::Test {

FakeClock::FakeClock(qint64 startMs) : m_nowMs(startMs) { }

qint64 FakeClock::nowMs() const
{
    return m_nowMs;
}

qint64 FakeClock::monotonicNs() const
{
    return m_monoNs;
}

void FakeClock::advanceMs(qint64 ms)
{
    m_nowMs += ms;
    m_monoNs += ms * 1'000'000;
}

void FakeClock::setNowMs(qint64 ms)
{
    if (ms > m_nowMs)
        m_monoNs += (ms - m_nowMs) * 1'000'000;
    m_nowMs = ms;
}

} // namespace Drawbridge::Test
