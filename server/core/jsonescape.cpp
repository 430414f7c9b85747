// SPDX-License-Identifier: MIT
#include "jsonescape.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace Drawbridge {

namespace {

constexpr bool needsEscape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

// Where the next byte that needs an escape is, from @p i; @p n if none.
qsizetype nextEscape(const char *d, qsizetype i, qsizetype n)
{
#if defined(__SSE2__)
    // 16 bytes at a time: agents' texts (code, JSON, prose) run for dozens of bytes between escapes.
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(d + i));
        // Unsigned v <= 0x1F exactly when max(v, 0x1F) == 0x1F.
        const __m128i hit
            = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax),
                           _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (const int mask = _mm_movemask_epi8(hit))
            return i + __builtin_ctz(unsigned(mask));
    }
#endif
    for (; i < n; ++i) {
        if (needsEscape(static_cast<unsigned char>(d[i])))
            return i;
    }
    return n;
}

} // namespace

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    const char *d = utf8.data();
    const qsizetype n = utf8.size();
    // Sized for the text and its quotes, written through one pointer (a QByteArray::append per run and
    // escape cost more than the copying); grown when escapes need more, trimmed to what was written.
    qsizetype w = out.size();
    out.resize(w + n + 2);
    char *base = out.data();
    base[w++] = '"';
    for (qsizetype i = 0; i < n;) {
        const qsizetype j = nextEscape(d, i, n);
        if (j > i)
            std::memcpy(base + w, d + i, size_t(j - i));
        w += j - i;
        if (j == n)
            break;
        const unsigned char c = static_cast<unsigned char>(d[j]);
        // At most 6 bytes for this one, then the rest of the text unescaped and the closing quote.
        if (const qsizetype need = w + 6 + (n - j - 1) + 1; need > out.size()) {
            out.resize(need + (n - j) / 8 + 16);
            base = out.data();
        }
        char *e = base + w;
        // nextEscape() stops only at a control character, '"' or '\\', all in the table.
        const char escape = jsonEscapes.c[c];
        e[0] = '\\';
        e[1] = escape;
        if (escape == 'u') {
            e[2] = '0';
            e[3] = '0';
            e[4] = jsonHexDigits[c >> 4];
            e[5] = jsonHexDigits[c & 0xf];
            w += 6;
        } else {
            w += 2;
        }
        i = j + 1;
    }
    base[w++] = '"';
    out.resize(w);
}

void appendJsonString(QByteArray &out, QStringView s)
{
    appendJsonString(out, QByteArrayView(s.toUtf8()));
}

} // namespace Drawbridge
