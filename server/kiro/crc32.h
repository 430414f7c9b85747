// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Drawbridge {

/**
 * @brief CRC-32/ISO-HDLC (the zlib/IEEE polynomial), as AWS event-stream frames use it.
 *
 * Qt only offers CRC-16 (qChecksum); zlib's crc32() was measured and is slower on frame-sized input
 * (crc32.cpp).
 */
class Crc32 final
{
public:
    /** Continues @p crc (0 to start) over @p size bytes of @p data. */
    static quint32 compute(const char *data, qsizetype size, quint32 crc = 0);
};

} // namespace Drawbridge
