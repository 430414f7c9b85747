// SPDX-License-Identifier: MIT
#pragma once

#include <QRandomGenerator>
#include <QtGlobal>

namespace Drawbridge::Test {

/**
 * The seed of a randomized test: DRAWBRIDGE_FUZZ_SEED when it is set (to reproduce a failure, whose message
 * prints the seed), else a fresh random one, so every run tries inputs no earlier run tried.
 */
inline quint64 fuzzSeed()
{
    bool ok = false;
    const quint64 v = qEnvironmentVariable("DRAWBRIDGE_FUZZ_SEED").toULongLong(&ok);
    return ok ? v : QRandomGenerator::global()->generate64();
}

/** DRAWBRIDGE_FUZZ_ITERATIONS when it is set and positive (to extend a run), else @p fallback. */
inline int fuzzIterations(int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue("DRAWBRIDGE_FUZZ_ITERATIONS", &ok);
    return ok && v > 0 ? v : fallback;
}

} // namespace Drawbridge::Test
