// SPDX-License-Identifier: MIT
#include "threadrandom.h"

#include <array>

namespace Drawbridge {

namespace {

QRandomGenerator seededFromSystem()
{
    std::array<quint32, 8> seed;
    QRandomGenerator::system()->fillRange(seed.data(), qsizetype(seed.size()));
    return QRandomGenerator(seed.data(), qsizetype(seed.size()));
}

} // namespace

QRandomGenerator &threadRandom()
{
    thread_local QRandomGenerator generator = seededFromSystem();
    return generator;
}

} // namespace Drawbridge
