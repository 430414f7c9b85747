// SPDX-License-Identifier: MIT
#include "crc32.h"

#include <array>

namespace Drawbridge {

namespace {

// Slicing-by-4 tables: four times fewer dependent table lookups than the byte-wise loop, which matters
// because every streamed byte of every response is checked once.
constexpr std::array<std::array<quint32, 256>, 4> makeTables()
{
    std::array<std::array<quint32, 256>, 4> tables {};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
        tables[0][i] = c;
    }
    for (quint32 i = 0; i < 256; ++i) {
        for (int t = 1; t < 4; ++t)
            tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][tables[t - 1][i] & 0xFFu];
    }
    return tables;
}

constexpr auto tables = makeTables();

} // namespace

quint32 Crc32::compute(const char *data, qsizetype size, quint32 crc)
{
    const auto *p = reinterpret_cast<const uchar *>(data);
    crc = ~crc;
    while (size >= 4) {
        crc ^= quint32(p[0]) | (quint32(p[1]) << 8) | (quint32(p[2]) << 16) | (quint32(p[3]) << 24);
        crc = tables[3][crc & 0xFFu] ^ tables[2][(crc >> 8) & 0xFFu] ^ tables[1][(crc >> 16) & 0xFFu]
            ^ tables[0][crc >> 24];
        p += 4;
        size -= 4;
    }
    while (size-- > 0)
        crc = tables[0][(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

} // namespace Drawbridge
