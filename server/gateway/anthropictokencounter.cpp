// SPDX-License-Identifier: MIT
#include "anthropictokencounter.h"

#include <QHash>
#include <QJsonDocument>

#include <cstring>
#include <limits>

#ifdef __SSE2__
#include <emmintrin.h>
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

int AnthropicTokenCounter::estimateUtf8(QByteArrayView utf8)
{
    // The same quarter-token units per code point as estimateText(). In UTF-8 a code point below U+0250 is
    // one byte, or two with a lead byte C2–C8, or C9 followed by 80–8F; one from U+0250 to U+07FF (C9 90 up
    // to DF BF) weighs 2; from three bytes on it is decoded and weighed 4 if CJK, else 2. A message's text is
    // the client's UTF-8 (ChatMessage::textUtf8), so this spares the UTF-16 copy of every text (issue 18).
    // Blocks of 16 bytes without a lead byte of three or more are counted in SIMD lanes: one unit per byte
    // that is not a continuation (80–BF), one more per lead from CA and per C9 followed by 90 or more.
    const auto *p = reinterpret_cast<const unsigned char *>(utf8.data());
    const qsizetype n = utf8.size();
    qint64 units = 0;
    qsizetype i = 0;
    while (i < n) {
        qsizetype decodeTo = n; // the loop at the end decodes code points while i <= decodeTo
#ifdef __SSE2__
        // Each block reads 17 bytes: a C9's successor may be the next block's first. Lane counts are summed
        // every 255 blocks at most (a lane holds 255).
        const __m128i zero = _mm_setzero_si128();
        __m128i continuations = zero, wide = zero;
        qint64 blocks = 0;
        bool lanesFull = false;
        for (int rounds = 0; n - i >= 17; i += 16) {
            if (rounds == 255) {
                lanesFull = true;
                break;
            }
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
            if (!_mm_movemask_epi8(b)) {
                ++blocks; // 16 ASCII bytes
                continue;
            }
            // Unsigned b >= k exactly when max(b, k) == b.
            const auto atLeast
                = [&b](char k) { return _mm_cmpeq_epi8(_mm_max_epu8(b, _mm_set1_epi8(k)), b); };
            if (const int high = _mm_movemask_epi8(atLeast(char(0xe0)))) {
                // A three- or four-byte sequence: decode up to and including it below, then blocks again.
                decodeTo = i + __builtin_ctz(unsigned(high));
                break;
            }
            ++blocks;
            ++rounds;
            const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i + 1));
            const __m128i nextFrom90 = _mm_cmpeq_epi8(_mm_max_epu8(next, _mm_set1_epi8(char(0x90))), next);
            // A compare gives -1 per matching lane: subtracting it counts.
            continuations = _mm_sub_epi8(
                continuations,
                _mm_cmpeq_epi8(_mm_and_si128(b, _mm_set1_epi8(char(0xc0))), _mm_set1_epi8(char(0x80))));
            wide = _mm_sub_epi8(
                wide,
                _mm_or_si128(atLeast(char(0xca)),
                             _mm_and_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8(char(0xc9))), nextFrom90)));
        }
        const auto sum = [zero](__m128i counts) {
            quint64 halves[2];
            _mm_storeu_si128(reinterpret_cast<__m128i *>(halves), _mm_sad_epu8(counts, zero));
            return qint64(halves[0] + halves[1]);
        };
        units += 16 * blocks - sum(continuations) + sum(wide);
        if (lanesFull)
            continue;
#endif
        while (i < n && i <= decodeTo) {
            const unsigned char b = p[i];
            if (b < 0x80) {
                units += 1;
                ++i;
                continue;
            }
            if (b < 0xC0) { // a continuation whose lead a block above counted
                ++i;
                continue;
            }
            char32_t c;
            qsizetype len;
            if (b < 0xE0) {
                c = b & 0x1F;
                len = 2;
            } else if (b < 0xF0) {
                c = b & 0x0F;
                len = 3;
            } else {
                c = b & 0x07;
                len = 4;
            }
            if (n - i < len) { // cut short (not valid UTF-8, which callers do not pass): as U+FFFD, weighed 2
                units += 2;
                i = n;
                break;
            }
            for (qsizetype k = 1; k < len; ++k)
                c = (c << 6) | (p[i + k] & 0x3F);
            i += len;
            units += c < 0x0250 ? 1 : isCjk(c) ? 4 : 2;
        }
    }
    return int((units + 3) / 4);
}

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
        tokens += tokensPerTool + estimateText(tool.name) + estimateText(tool.description);
        if (!tool.parameters.isEmpty())
            tokens += schemaTokens(tool);
    }
    return int(qMin<qint64>(tokens, std::numeric_limits<int>::max()));
}

} // namespace Drawbridge
