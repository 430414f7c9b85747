// SPDX-License-Identifier: MIT
#pragma once

#include <QRandomGenerator>

namespace Drawbridge {

/**
 * This thread's generator, for values that must be unique, not secret (UUIDs in the Kiro body and headers,
 * the ids of answers). Seeded once per thread with 256 bits from QRandomGenerator::system(); it needs no
 * lock, where QRandomGenerator::global() takes a mutex on every call (four times a request on the hot path).
 * Keys and tokens come from system() itself.
 */
QRandomGenerator &threadRandom();

} // namespace Drawbridge
