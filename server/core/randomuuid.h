// SPDX-License-Identifier: MIT
#pragma once

#include <QUuid>

namespace Drawbridge {

/**
 * A version 4 UUID from this thread's seeded generator (threadRandom()), for ids that must be unique, not
 * secret (a conversation's id, an SDK invocation id). QUuid::createUuid() asks QRandomGenerator::system()
 * instead, which on x86 executes RDSEED for every UUID: a few microseconds each on a virtual machine, twice
 * per request on the hot path before this (perf, 2 % of a small request's CPU). Keys and tokens still come
 * from system().
 */
QUuid randomUuid();

/** The number of characters randomUuidText() writes. */
constexpr qsizetype uuidTextSize = 36;

/**
 * A fresh randomUuid() as QUuid::toByteArray(QUuid::WithoutBraces) writes it (lower-case, 8-4-4-4-12), into
 * @p out: without QUuid's string building and its allocation, for a header value written on every call.
 */
void randomUuidText(char (&out)[uuidTextSize]);

} // namespace Drawbridge
