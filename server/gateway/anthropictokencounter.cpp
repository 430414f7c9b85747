// SPDX-License-Identifier: MIT
#include "anthropictokencounter.h"

#include <QHash>
#include <QJsonDocument>

#include <cstring>
#include <limits>

#include "server/core/cpufeatures.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if DRAWBRIDGE_HAS_AVX2_VARIANTS
#include <immintrin.h>
#endif

namespace Drawbridge {

namespace {

bool isCjk(char32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) // hiragana, katakana
        || (c >= 0x3400 && c <= 0x4DBF) // CJK extension A
        || (c >= 0x4E00 && c <= 0x9FFF) // CJK unified ideographs
        || (c >= 0xAC00 && c <= 0xD7AF) // Hangul syllables
        || (c >= 0xF900 && c <= 0xFAFF) // CJK compatibility ideographs
        || (c >= 0xFF00 && c <= 0xFFEF) // half- and full-width forms
        || (c >= 0x3000 && c <= 0x303F) // CJK punctuation
        || (c >= 0x20000 && c <= 0x2FFFF); // supplementary ideographs
}

/**
 * The estimate of @p tool's schema as compact JSON text. Agents send the same tools with every request and
 * serialising a schema costs far more than counting it, so when the parser left the schema's text
 * (ToolDefinition::parametersJson: equal text, equal schema) the count is memoised per thread under it,
 * bounded like the builder's schema memo (256 schemas, 1 MiB of text, emptied when full). The count itself is
 * always taken from QJsonDocument's text, which is what the estimate has always counted (the parser's text
 * differs in key order and number format).
 */
qint64 schemaTokens(const ToolDefinition &tool)
{
    const auto compute = [&] {
        return AnthropicTokenCounter::estimateText(
            QString::fromUtf8(QJsonDocument(tool.parameters).toJson(QJsonDocument::Compact)));
    };
    if (tool.parametersJson.isEmpty())
        return compute();
    struct Memo
    {
        QHash<QByteArray, int> tokens;
        qsizetype bytes = 0;
    };
    thread_local Memo memo;
    if (const auto it = memo.tokens.constFind(tool.parametersJson); it != memo.tokens.constEnd())
        return it.value();
    const int tokens = compute();
    constexpr qsizetype maxEntries = 256, maxBytes = 1024 * 1024;
    const qsizetype size = tool.parametersJson.size();
    if (memo.tokens.size() >= maxEntries || memo.bytes + size > maxBytes) {
        memo.tokens.clear();
        memo.bytes = 0;
    }
    if (size <= maxBytes / 4) {
        memo.tokens.insert(tool.parametersJson, tokens);
        memo.bytes += size;
    }
    return tokens;
}

} // namespace

int AnthropicTokenCounter::estimateText(QStringView text)
{
    // Quarter-token units: Latin 1 (four characters a token), CJK 4 (one a token), other scripts 2.
    // Code points are read from the UTF-16 in place, the way QStringView::toUcs4() decodes them (a surrogate
    // pair is one code point; a lone surrogate, which toUcs4() turns into U+FFFD, counts 2 like that),
    // without its allocation and copy per text. Most text is ASCII: eight code units all below U+0200 (one
    // test of two 64-bit words) count 8 at once.
    const char16_t *const p = text.utf16();
    const qsizetype n = text.size();
    qint64 units = 0;
    qsizetype i = 0;
    while (i < n) {
        if (n - i >= 8) {
            quint64 lo, hi;
            std::memcpy(&lo, p + i, sizeof lo);
            std::memcpy(&hi, p + i + 4, sizeof hi);
            if (((lo | hi) & 0xFE00FE00FE00FE00ULL) == 0) {
                units += 8;
                i += 8;
                continue;
            }
        }
        const char16_t u = p[i++];
        if (u < 0x0250) {
            units += 1;
            continue;
        }
        char32_t c = u;
        if (QChar::isHighSurrogate(u) && i < n && QChar::isLowSurrogate(p[i]))
            c = QChar::surrogateToUcs4(u, p[i++]);
        units += isCjk(c) ? 4 : 2;
    }
    return int((units + 3) / 4);
}

namespace {

/** Units of the three- or four-byte sequence at @p p (lead byte E0 or more), or 0 when it is cut short. */
int wideSequenceUnits(const unsigned char *p, qsizetype available, qsizetype &length)
{
    const unsigned char b = p[0];
    length = b < 0xF0 ? 3 : 4;
    if (available < length)
        return 0;
    char32_t c = b & (b < 0xF0 ? 0x0F : 0x07);
    for (qsizetype k = 1; k < length; ++k)
        c = (c << 6) | (p[k] & 0x3F);
    return c < 0x0250 ? 1 : isCjk(c) ? 4 : 2;
}

#ifdef __SSE2__
int bitCount16(unsigned x)
{
    // The baseline x86-64 target has no popcnt instruction; __builtin_popcount would be a libgcc call.
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return int((x + (x >> 8)) & 0x1Fu);
}
#endif

// Read once (zero, the baseline, should a static initializer elsewhere count a text before this one ran).
const bool avx2 = useAvx2();

/**
 * estimateUtf8() of @p p[@p i, @p n), @p units counted before @p i: the baseline loops. The AVX2 variant
 * counts its blocks and hands the rest over to these at a byte where they would have been too (see there).
 */
int estimateUtf8From(const unsigned char *p, qsizetype n, qsizetype i, qint64 units)
{
    // The same quarter-token units per code point as estimateText(). In UTF-8 a code point below U+0250 is
    // one byte, or two with a lead byte C2–C8, or C9 followed by 80–8F; one from U+0250 to U+07FF (C9 90 up
    // to DF BF) weighs 2; from three bytes on it is decoded and weighed 4 if CJK, else 2. A message's text is
    // the client's UTF-8 (ChatMessage::textUtf8), so this spares the UTF-16 copy of every text (issue 18).
    // Blocks of 16 bytes are counted in SIMD: one unit per byte that is not a continuation (80–BF), one more
    // per lead from CA and per C9 followed by 90 or more; a three- or four-byte sequence ends the block there
    // (the bytes before it counted from the same masks) and is decoded on its own.
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    __m128i continuations = zero, wide = zero; // per-lane counts of whole blocks, at most 255 each
    int rounds = 0;
    const auto sum = [zero](__m128i counts) {
        quint64 halves[2];
        _mm_storeu_si128(reinterpret_cast<__m128i *>(halves), _mm_sad_epu8(counts, zero));
        return qint64(halves[0] + halves[1]);
    };
    const auto flush = [&] {
        units += 16 * qint64(rounds) - sum(continuations) + sum(wide);
        continuations = wide = zero;
        rounds = 0;
    };
    // Each block reads 17 bytes: a C9's successor may be the next block's first.
    while (n - i >= 17) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
        if (!_mm_movemask_epi8(b)) {
            units += 16; // ASCII
            i += 16;
            continue;
        }
        // Unsigned b >= k exactly when max(b, k) == b.
        const auto atLeast = [&b](char k) { return _mm_cmpeq_epi8(_mm_max_epu8(b, _mm_set1_epi8(k)), b); };
        const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i + 1));
        const __m128i nextFrom90 = _mm_cmpeq_epi8(_mm_max_epu8(next, _mm_set1_epi8(char(0x90))), next);
        const __m128i isContinuation
            = _mm_cmpeq_epi8(_mm_and_si128(b, _mm_set1_epi8(char(0xc0))), _mm_set1_epi8(char(0x80)));
        const __m128i isWide = _mm_or_si128(
            atLeast(char(0xca)), _mm_and_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8(char(0xc9))), nextFrom90));
        if (const int high = _mm_movemask_epi8(atLeast(char(0xe0)))) {
            // The bytes before the first three- or four-byte lead, from the masks (no lead before it waits
            // for a byte at or after it), then that sequence decoded.
            const int k = __builtin_ctz(unsigned(high));
            const unsigned before = (1u << k) - 1;
            units += k - bitCount16(unsigned(_mm_movemask_epi8(isContinuation)) & before)
                + bitCount16(unsigned(_mm_movemask_epi8(isWide)) & before);
            i += k;
            qsizetype length = 0;
            const int weight = wideSequenceUnits(p + i, n - i, length);
            if (weight == 0) { // cut short (not valid UTF-8, which callers do not pass): as U+FFFD
                units += 2;
                i = n;
                break;
            }
            units += weight;
            i += length;
            continue;
        }
        // A compare gives -1 per matching lane: subtracting it counts.
        continuations = _mm_sub_epi8(continuations, isContinuation);
        wide = _mm_sub_epi8(wide, isWide);
        i += 16;
        if (++rounds == 255)
            flush();
    }
    flush();
#endif
    while (i < n) {
        const unsigned char b = p[i];
        if (b < 0x80) {
            units += 1;
            ++i;
        } else if (b < 0xC0) { // a continuation whose lead a block above counted
            ++i;
        } else if (b < 0xE0) {
            if (n - i < 2) { // cut short (not valid UTF-8, which callers do not pass): as U+FFFD
                units += 2;
                break;
            }
            const char32_t c = (char32_t(b & 0x1F) << 6) | (p[i + 1] & 0x3F);
            units += c < 0x0250 ? 1 : 2;
            i += 2;
        } else {
            qsizetype length = 0;
            const int weight = wideSequenceUnits(p + i, n - i, length);
            if (weight == 0) {
                units += 2;
                break;
            }
            units += weight;
            i += length;
        }
    }
    return int((units + 3) / 4);
}

} // namespace

int AnthropicTokenCounter::estimateUtf8(QByteArrayView utf8)
{
    return avx2 ? detail::estimateUtf8Avx2(utf8) : detail::estimateUtf8Baseline(utf8);
}

int detail::estimateUtf8Baseline(QByteArrayView utf8)
{
    return estimateUtf8From(reinterpret_cast<const unsigned char *>(utf8.data()), utf8.size(), 0, 0);
}

#if DRAWBRIDGE_HAS_AVX2_VARIANTS
DRAWBRIDGE_TARGET_AVX2 int detail::estimateUtf8Avx2(QByteArrayView utf8)
{
    // The baseline's counts in 32-byte blocks, and mostly-ASCII text 64 bytes per test: about 96 k
    // instructions for the texts of a 144 KiB agent body against the baseline's 134 k (callgrind; each
    // three-byte character, a dash or an arrow in agent text, still ends a block). The result must be
    // the baseline's for any bytes, and there the baseline's own split matters: its scalar tail reads a lead
    // C2-DF with whatever byte follows, the blocks count each byte alone. Both loops count every byte before
    // the next lead from E0 the same way in any block and decode that sequence the same way, so they agree
    // as long as the blocks here stop where the baseline's 16-byte blocks would be too: every step here is a
    // whole number of those blocks or a decoded sequence, and it hands over with 32 bytes or fewer left,
    // where the baseline's blocks (while 17 bytes are left) take it on.
    const auto *p = reinterpret_cast<const unsigned char *>(utf8.data());
    const qsizetype n = utf8.size();
    const auto load = [p](qsizetype at) DRAWBRIDGE_TARGET_AVX2 {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p + at));
    };
    const __m256i zero = _mm256_setzero_si256();
    __m256i continuations = zero, wide = zero; // per-lane counts of whole blocks, at most 255 each
    int rounds = 0;
    qint64 units = 0;
    qsizetype i = 0;
    const auto sum = [zero](__m256i counts) DRAWBRIDGE_TARGET_AVX2 {
        quint64 quarters[4];
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(quarters), _mm256_sad_epu8(counts, zero));
        return qint64(quarters[0] + quarters[1] + quarters[2] + quarters[3]);
    };
    const auto flush = [&]() DRAWBRIDGE_TARGET_AVX2 {
        units += 32 * qint64(rounds) - sum(continuations) + sum(wide);
        continuations = wide = zero;
        rounds = 0;
    };
    // Each block reads 33 bytes: a C9's successor may be the next block's first.
    while (n - i >= 33) {
        const __m256i b = load(i);
        if (n - i >= 64 && !_mm256_movemask_epi8(_mm256_or_si256(b, load(i + 32)))) {
            units += 64; // ASCII
            i += 64;
            continue;
        }
        if (!_mm256_movemask_epi8(b)) {
            units += 32;
            i += 32;
            continue;
        }
        // Unsigned b >= k exactly when max(b, k) == b.
        const auto atLeast = [&b](char k) DRAWBRIDGE_TARGET_AVX2 {
            return _mm256_cmpeq_epi8(_mm256_max_epu8(b, _mm256_set1_epi8(k)), b);
        };
        const __m256i next = load(i + 1);
        const __m256i nextFrom90
            = _mm256_cmpeq_epi8(_mm256_max_epu8(next, _mm256_set1_epi8(char(0x90))), next);
        const __m256i isContinuation = _mm256_cmpeq_epi8(_mm256_and_si256(b, _mm256_set1_epi8(char(0xc0))),
                                                         _mm256_set1_epi8(char(0x80)));
        const __m256i isWide = _mm256_or_si256(
            atLeast(char(0xca)),
            _mm256_and_si256(_mm256_cmpeq_epi8(b, _mm256_set1_epi8(char(0xc9))), nextFrom90));
        if (const auto high = unsigned(_mm256_movemask_epi8(atLeast(char(0xe0))))) {
            const int k = __builtin_ctz(high);
            const unsigned before = (1u << k) - 1;
            units += k - __builtin_popcount(unsigned(_mm256_movemask_epi8(isContinuation)) & before)
                + __builtin_popcount(unsigned(_mm256_movemask_epi8(isWide)) & before);
            i += k;
            qsizetype length = 0;
            const int weight = wideSequenceUnits(p + i, n - i, length);
            if (weight == 0) { // cut short: as U+FFFD, and the baseline stops there too
                units += 2;
                i = n;
                break;
            }
            units += weight;
            i += length;
            continue;
        }
        continuations = _mm256_sub_epi8(continuations, isContinuation);
        wide = _mm256_sub_epi8(wide, isWide);
        i += 32;
        if (++rounds == 255)
            flush();
    }
    flush();
    return estimateUtf8From(p, n, i, units);
}
#else
int detail::estimateUtf8Avx2(QByteArrayView utf8)
{
    return estimateUtf8Baseline(utf8); // never chosen: cpuSupportsAvx2() is false here
}
#endif

int AnthropicTokenCounter::overhead(const ChatRequest &request)
{
    return request.tools.empty() ? 0 : ToolUsePrompt::tokensFor(request.toolChoice);
}

int AnthropicTokenCounter::estimate(const ChatRequest &request)
{
    qint64 tokens = overhead(request);
    for (const ChatMessage &m : request.messages) {
        tokens += tokensPerMessage + (m.textUtf8.isEmpty() ? estimateText(m.text) : estimateUtf8(m.textUtf8));
        tokens += qint64(m.images.size()) * tokensPerImage;
        for (const ToolCall &call : m.toolCalls)
            tokens += tokensPerTool + estimateText(call.name) + estimateText(call.arguments);
        if (!m.toolCallId.isEmpty())
            tokens += estimateText(m.toolCallId);
    }
    for (const ToolDefinition &tool : request.tools) {
        tokens += tokensPerTool + estimateText(tool.name)
            + (tool.descriptionUtf8.isEmpty() ? estimateText(tool.description)
                                              : estimateUtf8(tool.descriptionUtf8));
        if (!tool.parameters.isEmpty())
            tokens += schemaTokens(tool);
    }
    return int(qMin<qint64>(tokens, std::numeric_limits<int>::max()));
}

} // namespace Drawbridge
