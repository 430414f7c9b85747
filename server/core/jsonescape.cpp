// SPDX-License-Identifier: MIT
#include "jsonescape.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "server/core/cpufeatures.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if DRAWBRIDGE_HAS_AVX2_VARIANTS
#include <immintrin.h>
#endif

namespace Drawbridge {

namespace {

/** What each ASCII byte that needs one is written as (up to 6 bytes, padded to 8), and how long that is. */
struct EscapeForms
{
    char bytes[128][8] {};
    quint8 length[128] {};
};
constexpr EscapeForms escapeForms = [] {
    EscapeForms f;
    for (int c = 0; c < 128; ++c) {
        const char e = jsonEscapes.c[c];
        if (!e)
            continue;
        f.bytes[c][0] = '\\';
        f.bytes[c][1] = e;
        f.length[c] = 2;
        if (e == 'u') {
            f.bytes[c][2] = '0';
            f.bytes[c][3] = '0';
            f.bytes[c][4] = jsonHexDigits[c >> 4];
            f.bytes[c][5] = jsonHexDigits[c & 0xf];
            f.length[c] = 6;
        }
    }
    return f;
}();

#if defined(__SSE2__)
/** One bit per byte of the 16 at @p at that needs an escape: a control character, '"' or '\\'. */
inline unsigned escapeMask(const char *at)
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
    // Unsigned v <= 0x1F exactly when min(v, 0x1F) == v.
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    const __m128i special
        = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    return unsigned(_mm_movemask_epi8(_mm_or_si128(control, special)));
}

inline void copy32(char *to, const char *from)
{
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(from));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(from + 16));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(to), a);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(to + 16), b);
}
#endif

/** Room to ask for with @p remaining bytes of text left: an eighth more for escapes, and a margin. */
constexpr qsizetype roomFor(qsizetype remaining)
{
    return remaining + remaining / 8 + 256;
}

// Read once (zero, the baseline, should a static initializer elsewhere escape a string before this one ran).
const bool avx2 = useAvx2();

} // namespace

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    if (avx2)
        detail::appendJsonStringAvx2(out, utf8);
    else
        detail::appendJsonStringBaseline(out, utf8);
}

void detail::appendJsonStringBaseline(QByteArray &out, QByteArrayView utf8)
{
    // Written through one pointer into reserved room and trimmed after (a QByteArray::append per run and
    // escape cost more than the copying). Stores run up to 32 bytes past what is written, and an escape
    // writes 8 bytes (its form padded); the room asked for covers that. The invariant: room for the rest of
    // the text plus 41 bytes (closing quote, a 32-byte store, an 8-byte escape).
    const qsizetype start = out.size();
    resizeGrowing(out, start + 1 + roomFor(utf8.size()));
    char *p = out.data() + start;
    char *limit = out.data() + out.size();
    const auto ensureRoom = [&](qsizetype remaining, qsizetype extra) {
        if (limit - p >= remaining + extra)
            return;
        const qsizetype at = p - out.constData();
        resizeGrowing(out, at + roomFor(remaining) + extra);
        p = out.data() + at;
        limit = out.data() + out.size();
    };
    *p++ = '"';
    const char *src = utf8.data();
    const char *const end = src + utf8.size();
#if defined(__SSE2__)
    // 32 bytes at a time, stored whole. Each byte in them that needs an escape (one in about 20 bytes of
    // source code) gets its escape written in place and the rest of the block stored again after it: no trip
    // to a byte-wise loop per escape (issue 18). A block reads up to 64 bytes from its start, so the text
    // is written in place up to its last 32-63 bytes, and those from a padded copy.
    // Writes [from, stop); @p after is how many bytes of the text follow stop, for the room check.
    const auto writeBlocks = [&](const char *from, const char *const stop, qsizetype after) {
        while (from < stop) {
            const char *const block = from;
            std::uint32_t escapes = escapeMask(block) | (escapeMask(block + 16) << 16);
            if (stop - block < 32)
                escapes &= (std::uint32_t(1) << (stop - block)) - 1; // the padding is not text
            copy32(p, block);
            if (escapes) {
                ensureRoom(stop - from + after, 5 * 32 + 41); // every byte of the block might take six
                do {
                    const char *const at = block + __builtin_ctz(escapes);
                    p += at - from; // the plain bytes before it are in place
                    const auto c = static_cast<unsigned char>(*at);
                    std::memcpy(p, escapeForms.bytes[c], 8);
                    p += escapeForms.length[c];
                    from = at + 1;
                    copy32(p, from);
                    escapes &= escapes - 1;
                } while (escapes);
            }
            const char *const next = std::min(block + 32, stop);
            p += next - from;
            from = next;
        }
    };
    const qsizetype inPlace = utf8.size() >= 64 ? (utf8.size() - 32) & ~qsizetype(31) : 0;
    writeBlocks(src, src + inPlace, utf8.size() - inPlace);
    src += inPlace;
    char tail[96]; // under 64 bytes of text, padded for the loads of two blocks
    const qsizetype rest = end - src;
    if (rest > 0) // an empty view may have no data pointer at all
        std::memcpy(tail, src, size_t(rest));
    std::memset(tail + rest, ' ', sizeof tail - size_t(rest));
    writeBlocks(tail, tail + rest, 0);
#else
    while (src != end) {
        const auto c = static_cast<unsigned char>(*src++);
        if (c >= 0x80 || !escapeForms.length[c]) {
            *p++ = char(c);
            continue;
        }
        ensureRoom(end - src, 41);
        std::memcpy(p, escapeForms.bytes[c], 8);
        p += escapeForms.length[c];
    }
#endif
    *p++ = '"';
    resizeGrowing(out, p - out.constData());
}

#if DRAWBRIDGE_HAS_AVX2_VARIANTS
DRAWBRIDGE_TARGET_AVX2 void detail::appendJsonStringAvx2(QByteArray &out, QByteArrayView utf8)
{
    // The baseline loop in blocks of 64 bytes, each tested with two 256-bit compares and stored (whole, and
    // its rest after each escape) with two 256-bit stores: 215 k instructions of a 144 KiB agent request
    // under callgrind, against the baseline's 301 k (240 k in 32-byte blocks; the escapes, one in about 20
    // bytes, are most of what is left). A block reads up to 128 bytes from its start, so
    // the text is written in place up to its last 64-127 bytes, and those from a padded copy; stores run up
    // to 64 bytes past what is written, so the invariant is room for the rest of the text plus 73 bytes
    // (closing quote, a 64-byte store, an 8-byte escape), which roomFor()'s margin covers.
    const auto escapeMask32 = [](const char *at) DRAWBRIDGE_TARGET_AVX2 {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(at));
        // Unsigned v <= 0x1F exactly when min(v, 0x1F) == v.
        const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v);
        const __m256i special = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')),
                                                _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')));
        return std::uint32_t(_mm256_movemask_epi8(_mm256_or_si256(control, special)));
    };
    const auto copy64 = [](char *to, const char *from) DRAWBRIDGE_TARGET_AVX2 {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(from));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(from + 32));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(to), a);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(to + 32), b);
    };
    const qsizetype start = out.size();
    resizeGrowing(out, start + 1 + roomFor(utf8.size()));
    char *p = out.data() + start;
    char *limit = out.data() + out.size();
    const auto ensureRoom = [&](qsizetype remaining, qsizetype extra) {
        if (limit - p >= remaining + extra)
            return;
        const qsizetype at = p - out.constData();
        resizeGrowing(out, at + roomFor(remaining) + extra);
        p = out.data() + at;
        limit = out.data() + out.size();
    };
    *p++ = '"';
    const char *src = utf8.data();
    const char *const end = src + utf8.size();
    const auto writeBlocks = [&](const char *from, const char *const stop,
                                 qsizetype after) DRAWBRIDGE_TARGET_AVX2 {
        while (from < stop) {
            const char *const block = from;
            std::uint64_t escapes = escapeMask32(block) | (std::uint64_t(escapeMask32(block + 32)) << 32);
            if (stop - block < 64)
                escapes &= (std::uint64_t(1) << (stop - block)) - 1; // the padding is not text
            copy64(p, block);
            if (escapes) {
                ensureRoom(stop - from + after, 5 * 64 + 73); // every byte of the block might take six
                do {
                    const char *const at = block + __builtin_ctzll(escapes);
                    p += at - from; // the plain bytes before it are in place
                    const auto c = static_cast<unsigned char>(*at);
                    std::memcpy(p, escapeForms.bytes[c], 8);
                    p += escapeForms.length[c];
                    from = at + 1;
                    copy64(p, from);
                    escapes &= escapes - 1;
                } while (escapes);
            }
            const char *const next = std::min(block + 64, stop);
            p += next - from;
            from = next;
        }
    };
    const qsizetype inPlace = utf8.size() >= 128 ? (utf8.size() - 64) & ~qsizetype(63) : 0;
    writeBlocks(src, src + inPlace, utf8.size() - inPlace);
    src += inPlace;
    char tail[192]; // under 128 bytes of text, padded for the loads of two blocks
    const qsizetype rest = end - src;
    if (rest > 0) // an empty view may have no data pointer at all
        std::memcpy(tail, src, size_t(rest));
    std::memset(tail + rest, ' ', sizeof tail - size_t(rest));
    writeBlocks(tail, tail + rest, 0);
    *p++ = '"';
    resizeGrowing(out, p - out.constData());
}
#else
void detail::appendJsonStringAvx2(QByteArray &out, QByteArrayView utf8)
{
    appendJsonStringBaseline(out, utf8); // never chosen: cpuSupportsAvx2() is false here
}
#endif

void appendJsonString(QByteArray &out, QStringView s)
{
    appendJsonString(out, QByteArrayView(s.toUtf8()));
}

} // namespace Drawbridge
