// SPDX-License-Identifier: MIT
#include "crc32.h"

#include <QtEndian>

#include <array>

#include "server/core/cpufeatures.h"

#if DRAWBRIDGE_HAS_AVX2_VARIANTS
#include <immintrin.h>
#endif

namespace Drawbridge {

namespace {

// Slicing-by-16: sixteen table lookups per 16 bytes, all independent of each other, instead of one chain of
// dependent lookups per byte. Every streamed byte of every response is checked once. Chosen by measuring
// (issue 18; -O2, per call, hot and with 128 KiB of other work between calls):
//
//               64 B            400 B               4 KiB      64 KiB         callgrind (400 B)
//   slicing-4   45 / 102 ns     284 / 357 ns       2.8 µs     45.6 µs        5.8 instr/byte
//   slicing-8   30 / 71 ns      182 / 252 ns       1.9 µs     30.1 µs        4.8 instr/byte
//   slicing-16  20 / 54 ns      118 / 192 ns       1.2 µs     19.3 µs        5.1 instr/byte
//   zlib 1.2.13 133 / 180 ns    213 / 261 ns       1.0 µs     13.1 µs        13.1 instr/byte
//
// Kiro's frames are a few hundred bytes: there slicing-by-16 is fastest even with its 16 KiB of tables out
// of the L1 cache, and it is still 2.4 times as fast as slicing-by-4 at 64 KiB. zlib's braided CRC wins only
// from a few KiB on and costs 2.6 times the instructions, so it stays out of the server. Where the CPU has
// PCLMULQDQ (every x86-64 CPU since 2010), input from 64 bytes on is folded with it instead (foldPclmul) and
// only the last 0-15 bytes go through the tables: the CRCs of a one-message response's frames, 6.2 k
// instructions per request with the tables, take 1.7 k (callgrind, bench --check).
constexpr int slices = 16;

constexpr std::array<std::array<quint32, 256>, slices> makeTables()
{
    std::array<std::array<quint32, 256>, slices> tables {};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
        tables[0][i] = c;
    }
    for (quint32 i = 0; i < 256; ++i) {
        for (int t = 1; t < slices; ++t)
            tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][tables[t - 1][i] & 0xFFu];
    }
    return tables;
}

constexpr auto tables = makeTables();

/** The four lookups of one little-endian word whose bytes are @p first .. @p first - 3 slices from the end.
 */
inline quint32 word(quint32 w, int first)
{
    return tables[size_t(first)][w & 0xFFu] ^ tables[size_t(first - 1)][(w >> 8) & 0xFFu]
        ^ tables[size_t(first - 2)][(w >> 16) & 0xFFu] ^ tables[size_t(first - 3)][w >> 24];
}

/** The table loop on the running state (the CRC inverted), over any length. */
quint32 slicing(const uchar *p, qsizetype size, quint32 crc)
{
    while (size >= 16) {
        crc = word(qFromLittleEndian<quint32>(p) ^ crc, 15) ^ word(qFromLittleEndian<quint32>(p + 4), 11)
            ^ word(qFromLittleEndian<quint32>(p + 8), 7) ^ word(qFromLittleEndian<quint32>(p + 12), 3);
        p += 16;
        size -= 16;
    }
    // Short input (the 8-byte prelude) and the tail: slicing-by-4 on the same tables.
    while (size >= 4) {
        crc = word(qFromLittleEndian<quint32>(p) ^ crc, 3);
        p += 4;
        size -= 4;
    }
    while (size-- > 0)
        crc = tables[0][(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
    return crc;
}

#if DRAWBRIDGE_HAS_AVX2_VARIANTS
/**
 * Folds @p size bytes (a multiple of 16, at least 64) into the running state @p crc with PCLMULQDQ: four
 * 128-bit lanes folded 64 bytes at a time, then into one lane, 16 bytes at a time, then a Barrett reduction
 * to 32 bits. The method of Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ" (2009), in
 * the bit-reflected domain of the zlib polynomial; its constants are x^(4·128±32), x^(128±32) and x^64 mod
 * P(x), reflected and shifted by one, P(x) itself and floor(x^64 / P(x)) (as zlib and Linux use them).
 * A frame's CRC over 100–300 bytes costs about a tenth of the table loop's instructions (issue 12's relayed
 * frames, issue 18's responses).
 */
DRAWBRIDGE_TARGET_PCLMUL quint32 foldPclmul(const uchar *p, qsizetype size, quint32 crc)
{
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    const auto load = [](const uchar *at) { return _mm_loadu_si128(reinterpret_cast<const __m128i *>(at)); };
    // One step: the lane times the two constants (its low and high halves moved 128 or 512 bits on), plus
    // the next 128 bits of input.
    const auto fold = [](__m128i lane, __m128i k, __m128i next) DRAWBRIDGE_TARGET_PCLMUL {
        return _mm_xor_si128(
            _mm_xor_si128(_mm_clmulepi64_si128(lane, k, 0x00), _mm_clmulepi64_si128(lane, k, 0x11)), next);
    };

    __m128i x1 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(int(crc)));
    __m128i x2 = load(p + 16);
    __m128i x3 = load(p + 32);
    __m128i x4 = load(p + 48);
    p += 64;
    size -= 64;
    while (size >= 64) {
        x1 = fold(x1, k1k2, load(p));
        x2 = fold(x2, k1k2, load(p + 16));
        x3 = fold(x3, k1k2, load(p + 32));
        x4 = fold(x4, k1k2, load(p + 48));
        p += 64;
        size -= 64;
    }
    x1 = fold(x1, k3k4, x2);
    x1 = fold(x1, k3k4, x3);
    x1 = fold(x1, k3k4, x4);
    while (size >= 16) {
        x1 = fold(x1, k3k4, load(p));
        p += 16;
        size -= 16;
    }

    // 128 bits to 64, then to 32 bits with a Barrett reduction.
    const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), _mm_clmulepi64_si128(x1, k3k4, 0x10));
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), _mm_clmulepi64_si128(_mm_and_si128(x1, low32), k5k0, 0x00));
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, low32), poly, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), poly, 0x00);
    return quint32(_mm_extract_epi32(_mm_xor_si128(x1, t), 1));
}
#endif

} // namespace

quint32 Crc32::compute(const char *data, qsizetype size, quint32 crc)
{
    return usePclmul() ? computePclmul(data, size, crc) : computeBaseline(data, size, crc);
}

quint32 Crc32::computeBaseline(const char *data, qsizetype size, quint32 crc)
{
    return ~slicing(reinterpret_cast<const uchar *>(data), size, ~crc);
}

quint32 Crc32::computePclmul(const char *data, qsizetype size, quint32 crc)
{
    const auto *p = reinterpret_cast<const uchar *>(data);
    crc = ~crc;
#if DRAWBRIDGE_HAS_AVX2_VARIANTS
    if (size >= 64) {
        const qsizetype folded = size & ~qsizetype(15);
        crc = foldPclmul(p, folded, crc);
        p += folded;
        size -= folded;
    }
#endif
    return ~slicing(p, size, crc);
}

} // namespace Drawbridge
