// SPDX-License-Identifier: MIT
#include "kirotokenestimator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "server/core/cpufeatures.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if DRAWBRIDGE_HAS_AVX2_VARIANTS
#include <immintrin.h>
#endif

namespace Drawbridge {

qint64 KiroTokenEstimator::units(QStringView text)
{
    // Latin scripts (Basic Latin up to Latin Extended-B) tokenize at about four characters per token; CJK and
    // most other scripts at about one. Surrogate halves each count, which is close enough. So every code unit
    // is 1, and 4 from U+0250 up: the length plus 3 for each unit at or above U+0250. This runs over every
    // text of every request (0.76 M instructions of a 144 KiB one, one unit at a time), hence eight at a
    // time.
    const char16_t *p = text.utf16();
    const qsizetype n = text.size();
    qint64 wide = 0;
    qsizetype i = 0;
#if defined(__SSE2__)
    // Narrow units are counted per 16-bit lane (the compare gives -1 for each, subtracted from the counts)
    // and the lanes summed once per block of at most 8,192 rounds, so a lane never passes 32,767: no
    // popcount per round, which the baseline x86-64 target only has as a libgcc call.
    const __m128i below = _mm_set1_epi16(0x024F);
    const qsizetype vectorEnd = n - n % 8;
    while (i < vectorEnd) {
        const qsizetype blockStart = i;
        const qsizetype blockEnd = std::min(vectorEnd, i + qsizetype(8) * 8192);
        __m128i narrowCounts = _mm_setzero_si128();
        for (; i < blockEnd; i += 8) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
            // Unsigned v > 0x24F exactly when the saturating v - 0x24F is not 0.
            const __m128i narrow = _mm_cmpeq_epi16(_mm_subs_epu16(v, below), _mm_setzero_si128());
            narrowCounts = _mm_sub_epi16(narrowCounts, narrow);
        }
        __m128i sums = _mm_madd_epi16(narrowCounts, _mm_set1_epi16(1)); // four 32-bit sums of lane pairs
        sums = _mm_add_epi32(sums, _mm_shuffle_epi32(sums, _MM_SHUFFLE(1, 0, 3, 2)));
        sums = _mm_add_epi32(sums, _mm_shuffle_epi32(sums, _MM_SHUFFLE(2, 3, 0, 1)));
        wide += (blockEnd - blockStart) - qint64(_mm_cvtsi128_si32(sums));
    }
#endif
    for (; i < n; ++i)
        wide += p[i] >= 0x0250 ? 1 : 0;
    return qint64(n) + 3 * wide;
}

namespace {

// Read once (zero, the baseline, should a static initializer elsewhere count a text before this one ran).
const bool avx2 = useAvx2();

/**
 * unitsUtf8() of @p p[@p i, @p n) added to @p units. A code point of up to three bytes is one UTF-16 unit,
 * one of four bytes two (a surrogate pair); a unit weighs 1, and 4 from U+0250 up, which is every lead byte
 * from 0xCA, 0xC9 followed by 0x90 or more, and the second unit of a four-byte sequence. The estimator's
 * UTF-16 loop counted through libgcc's popcount call (the build does not assume the instruction); here 16
 * bytes at a time go into byte counters, summed every 255 rounds (issue 18). Each byte counts on its own, so
 * any split of the text into pieces counted by different loops gives the same sum.
 */
qint64 unitsUtf8From(const unsigned char *p, qsizetype n, qsizetype i, qint64 units)
{
#ifdef __SSE2__
    // Each round reads 17 bytes: a lead byte's successor is needed for 0xC9.
    while (n - i >= 17) {
        const __m128i zero = _mm_setzero_si128();
        __m128i continuations = zero, wide = zero, fourByte = zero;
        int rounds = 0; // of blocks with a byte from 0x80, counted in the vectors
        qint64 asciiBytes = 0;
        for (; rounds < 255 && n - i >= 17; i += 16) {
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
            // Agent texts are mostly ASCII: a block without a high bit is 16 units.
            if (!_mm_movemask_epi8(b)) {
                asciiBytes += 16;
                continue;
            }
            ++rounds;
            const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i + 1));
            // A compare gives -1 per matching lane: subtracting it counts.
            continuations = _mm_sub_epi8(
                continuations,
                _mm_cmpeq_epi8(_mm_and_si128(b, _mm_set1_epi8(char(0xc0))), _mm_set1_epi8(char(0x80))));
            // Unsigned b >= k exactly when max(b, k) == b.
            const __m128i fromCA = _mm_cmpeq_epi8(_mm_max_epu8(b, _mm_set1_epi8(char(0xca))), b);
            const __m128i c9 = _mm_cmpeq_epi8(b, _mm_set1_epi8(char(0xc9)));
            const __m128i next90 = _mm_cmpeq_epi8(_mm_max_epu8(next, _mm_set1_epi8(char(0x90))), next);
            wide = _mm_sub_epi8(wide, _mm_or_si128(fromCA, _mm_and_si128(c9, next90)));
            fourByte = _mm_sub_epi8(fourByte, _mm_cmpeq_epi8(_mm_max_epu8(b, _mm_set1_epi8(char(0xf0))), b));
        }
        const auto sum = [zero](__m128i counts) {
            quint64 halves[2];
            _mm_storeu_si128(reinterpret_cast<__m128i *>(halves), _mm_sad_epu8(counts, zero));
            return qint64(halves[0] + halves[1]);
        };
        units += asciiBytes + 16 * qint64(rounds) - sum(continuations) + 3 * sum(wide) + 4 * sum(fourByte);
    }
#endif
    for (; i < n; ++i) {
        const unsigned char b = p[i];
        if ((b & 0xc0) == 0x80)
            continue;
        units += 1;
        if (b >= 0xca || (b == 0xc9 && i + 1 < n && p[i + 1] >= 0x90))
            units += 3;
        if (b >= 0xf0)
            units += 4;
    }
    return units;
}

} // namespace

qint64 KiroTokenEstimator::unitsUtf8(QByteArrayView utf8)
{
    return avx2 ? detail::unitsUtf8Avx2(utf8) : detail::unitsUtf8Baseline(utf8);
}

qint64 detail::unitsUtf8Baseline(QByteArrayView utf8)
{
    return unitsUtf8From(reinterpret_cast<const unsigned char *>(utf8.data()), utf8.size(), 0, 0);
}

#if DRAWBRIDGE_HAS_AVX2_VARIANTS
DRAWBRIDGE_TARGET_AVX2 qint64 detail::unitsUtf8Avx2(QByteArrayView utf8)
{
    // The baseline's counts in 32-byte blocks, and mostly-ASCII agent text 64 bytes per test; the last
    // 32 bytes or fewer (all of a short text) as one more block instead of the baseline's loops, whose byte
    // loop cost 16 k of the 65 k instructions this took otherwise. The texts of a 144 KiB agent request (113
    // of them) take 54 k, against the baseline's 97 k (callgrind).
    const auto *p = reinterpret_cast<const unsigned char *>(utf8.data());
    const qsizetype n = utf8.size();
    const auto load = [p](qsizetype at) DRAWBRIDGE_TARGET_AVX2 {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p + at));
    };
    const __m256i zero = _mm256_setzero_si256();
    const auto sum = [zero](__m256i counts) DRAWBRIDGE_TARGET_AVX2 {
        quint64 quarters[4];
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(quarters), _mm256_sad_epu8(counts, zero));
        return qint64(quarters[0] + quarters[1] + quarters[2] + quarters[3]);
    };
    qint64 units = 0;
    qsizetype i = 0;
    // Each round reads 33 bytes: a lead byte's successor is needed for 0xC9.
    while (n - i >= 33) {
        __m256i continuations = zero, wide = zero, fourByte = zero;
        int rounds = 0; // of blocks with a byte from 0x80, counted in the vectors
        qint64 asciiBytes = 0;
        while (rounds < 255 && n - i >= 33) {
            const __m256i b = load(i);
            if (n - i >= 64 && !_mm256_movemask_epi8(_mm256_or_si256(b, load(i + 32)))) {
                asciiBytes += 64;
                i += 64;
                continue;
            }
            if (!_mm256_movemask_epi8(b)) {
                asciiBytes += 32;
                i += 32;
                continue;
            }
            ++rounds;
            const __m256i next = load(i + 1);
            continuations
                = _mm256_sub_epi8(continuations,
                                  _mm256_cmpeq_epi8(_mm256_and_si256(b, _mm256_set1_epi8(char(0xc0))),
                                                    _mm256_set1_epi8(char(0x80))));
            const __m256i fromCA = _mm256_cmpeq_epi8(_mm256_max_epu8(b, _mm256_set1_epi8(char(0xca))), b);
            const __m256i c9 = _mm256_cmpeq_epi8(b, _mm256_set1_epi8(char(0xc9)));
            const __m256i next90
                = _mm256_cmpeq_epi8(_mm256_max_epu8(next, _mm256_set1_epi8(char(0x90))), next);
            wide = _mm256_sub_epi8(wide, _mm256_or_si256(fromCA, _mm256_and_si256(c9, next90)));
            fourByte = _mm256_sub_epi8(
                fourByte, _mm256_cmpeq_epi8(_mm256_max_epu8(b, _mm256_set1_epi8(char(0xf0))), b));
            i += 32;
        }
        units += asciiBytes;
        if (rounds) // an all-ASCII text needs no sums
            units += 32 * qint64(rounds) - sum(continuations) + 3 * sum(wide) + 4 * sum(fourByte);
    }
    if (const qsizetype rest = n - i; rest > 0) {
        // The last 32 bytes of the text, of which the top rest lanes are not counted yet; a short text from a
        // copy padded with zeros (ASCII), its bytes in the low lanes. A last C9 has no successor: 0 is
        // shifted in, as the padding has it.
        __m256i b;
        unsigned text;
        if (n >= 32) {
            b = load(n - 32);
            text = ~0u << (32 - rest);
        } else {
            unsigned char copy[32] = {};
            std::memcpy(copy, p, size_t(n));
            b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(copy));
            text = (1u << n) - 1;
        }
        const __m256i next = _mm256_alignr_epi8(_mm256_permute2x128_si256(b, b, 0x81), b, 1);
        const auto lanes = [text](__m256i matches) DRAWBRIDGE_TARGET_AVX2 {
            return __builtin_popcount(unsigned(_mm256_movemask_epi8(matches)) & text);
        };
        const __m256i fromCA = _mm256_cmpeq_epi8(_mm256_max_epu8(b, _mm256_set1_epi8(char(0xca))), b);
        const __m256i c9 = _mm256_cmpeq_epi8(b, _mm256_set1_epi8(char(0xc9)));
        const __m256i next90 = _mm256_cmpeq_epi8(_mm256_max_epu8(next, _mm256_set1_epi8(char(0x90))), next);
        units += rest
            - lanes(_mm256_cmpeq_epi8(_mm256_and_si256(b, _mm256_set1_epi8(char(0xc0))),
                                      _mm256_set1_epi8(char(0x80))))
            + 3 * lanes(_mm256_or_si256(fromCA, _mm256_and_si256(c9, next90)))
            + 4 * lanes(_mm256_cmpeq_epi8(_mm256_max_epu8(b, _mm256_set1_epi8(char(0xf0))), b));
    }
    return units;
}
#else
qint64 detail::unitsUtf8Avx2(QByteArrayView utf8)
{
    return unitsUtf8Baseline(utf8); // never chosen: cpuSupportsAvx2() is false here
}
#endif

int KiroTokenEstimator::tokensFromUnits(qint64 units)
{
    if (units <= 0)
        return 0;
    const double base = double(units) / 4.0;
    double factor = 1.0;
    if (base < 100)
        factor = 1.5;
    else if (base < 200)
        factor = 1.3;
    else if (base < 300)
        factor = 1.25;
    else if (base < 800)
        factor = 1.2;
    return int(std::ceil(base * factor));
}

} // namespace Drawbridge
