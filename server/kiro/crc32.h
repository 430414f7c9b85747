// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Drawbridge {

/**
 * @brief CRC-32/ISO-HDLC (the zlib/IEEE polynomial), as AWS event-stream frames use it.
 *
 * Qt only offers CRC-16 (qChecksum); zlib's crc32() was measured and is slower on frame-sized input
 * (crc32.cpp). Folds with carry-less multiplication where the CPU has it, by tables elsewhere; tst_crc32
 * holds both to zlib's crc32().
 */
class Crc32 final
{
public:
    /** Continues @p crc (0 to start) over @p size bytes of @p data. */
    static quint32 compute(const char *data, qsizetype size, quint32 crc = 0);

    /** compute() with the table loop alone (any CPU); compute() takes it where PCLMULQDQ is missing. */
    static quint32 computeBaseline(const char *data, qsizetype size, quint32 crc = 0);
    /**
     * compute() folding 64 and 16 bytes at a time with carry-less multiplication, the rest by the table;
     * only where cpuSupportsPclmul() (server/core/cpufeatures.h).
     */
    static quint32 computePclmul(const char *data, qsizetype size, quint32 crc = 0);
};

} // namespace Drawbridge
