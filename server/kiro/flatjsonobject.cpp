// SPDX-License-Identifier: MIT
#include "flatjsonobject.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace Drawbridge {

namespace {

/** Byte equality, inlined: keys are short and compared on every lookup. */
bool same(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

/** Reads one JSON document of the accepted subset; every method returns false for anything else. */
class Scanner
{
public:
    explicit Scanner(QByteArrayView json)
        : m_p(reinterpret_cast<const uchar *>(json.data())), m_end(m_p + json.size())
    {
    }

    void skipSpace()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }
    bool atEnd() const { return m_p == m_end; }
    bool take(uchar c)
    {
        if (m_p < m_end && *m_p == c) {
            ++m_p;
            return true;
        }
        return false;
    }
    bool literal(QByteArrayView word)
    {
        if (m_end - m_p < word.size() || QByteArrayView(m_p, word.size()) != word)
            return false;
        m_p += word.size();
        return true;
    }

    /** A key: plain printable ASCII only, so that comparing bytes is comparing what Qt would decode. */
    bool key(QByteArrayView &out)
    {
        if (!take('"'))
            return false;
        const uchar *start = m_p;
        while (m_p < m_end && *m_p != '"') {
            if (*m_p < 0x20 || *m_p >= 0x80 || *m_p == '\\')
                return false;
            ++m_p;
        }
        if (m_p == m_end)
            return false;
        out = QByteArrayView(start, m_p - start);
        ++m_p;
        return true;
    }

    /** A string value after its opening quote, decoded to UTF-16. */
    bool string(QString &out)
    {
        // Every input byte yields at most one UTF-16 unit (four-byte sequences yield two), so the string's
        // bytes up to its closing quote bound the result: one allocation of about the string's size, not
        // the rest of the payload's. Decoding never steps over that quote without failing first (inside an
        // escape or a UTF-8 sequence a quote is invalid), so it stays within the allocation.
        const uchar *close = closingQuote();
        if (!close)
            return false;
        out = QString(close - m_p, Qt::Uninitialized);
        QChar *d = out.data();
        QChar *const begin = d;
        while (m_p <= close) {
#ifdef __SSE2__
            // Runs of plain ASCII (most of a text fragment) are widened 16 bytes at a time; the first byte
            // that is not plain (a quote, a backslash, a control character or a UTF-8 lead) goes through the
            // exact per-byte code below. The whole block is always stored: each byte read so far yielded at
            // most one unit, so at least close - m_p >= 16 units of room remain, and units past the plain
            // ones are overwritten or truncated away.
            while (close - m_p >= 16) {
                const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(m_p));
                // Signed compare: bytes >= 0x80 are negative, so "below 0x20" catches them with the controls.
                const __m128i special
                    = _mm_or_si128(_mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)),
                                   _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                                _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))));
                const __m128i zero = _mm_setzero_si128();
                auto *dst = reinterpret_cast<__m128i *>(d);
                _mm_storeu_si128(dst, _mm_unpacklo_epi8(bytes, zero));
                _mm_storeu_si128(dst + 1, _mm_unpackhi_epi8(bytes, zero));
                const int mask = _mm_movemask_epi8(special);
                if (mask != 0) {
                    const int plain = __builtin_ctz(unsigned(mask));
                    m_p += plain;
                    d += plain;
                    break;
                }
                m_p += 16;
                d += 16;
            }
#endif
            const uchar c = *m_p;
            if (c == '"') {
                if (m_p != close)
                    return false;
                ++m_p;
                out.truncate(d - begin);
                return true;
            }
            if (c < 0x20)
                return false;
            if (c < 0x80) {
                if (c != '\\') {
                    *d++ = QChar(char16_t(c));
                    ++m_p;
                    continue;
                }
                if (!escape(d))
                    return false;
                continue;
            }
            if (!utf8(d))
                return false;
        }
        return false;
    }

    /**
     * A number, strictly by RFC 8259's grammar, read correctly rounded (std::from_chars) as Qt's parser
     * reads it (double-conversion, also correctly rounded). Refused, for QJsonDocument to decide: what Qt
     * reads differently or might (negative zero, which it stores as the integer 0; integer literals of more
     * than 15 digits, which it keeps as exact 64-bit integers a double cannot hold; overflow, underflow to
     * zero and subnormals, which it may report as errors), and anything long.
     */
    bool number(double &out)
    {
        constexpr qsizetype maxLength = 64;
        const uchar *p = m_p;
        const bool negative = p < m_end && *p == '-';
        if (negative)
            ++p;
        const uchar *const digits = p;
        if (p < m_end && *p == '0') {
            ++p;
        } else {
            if (p == m_end || *p < '1' || *p > '9')
                return false;
            while (p < m_end && isDigit(*p))
                ++p;
        }
        const qsizetype integerDigits = p - digits;
        bool integral = true;
        if (p < m_end && *p == '.') {
            ++p;
            const uchar *fraction = p;
            while (p < m_end && isDigit(*p))
                ++p;
            if (p == fraction)
                return false;
            integral = false;
        }
        const uchar *const mantissaEnd = p;
        if (p < m_end && (*p == 'e' || *p == 'E')) {
            ++p;
            if (p < m_end && (*p == '+' || *p == '-'))
                ++p;
            const uchar *exponent = p;
            while (p < m_end && isDigit(*p))
                ++p;
            if (p == exponent)
                return false;
            integral = false;
        }
        if (p - m_p > maxLength || (integral && integerDigits > 15))
            return false;
        const auto [end, error]
            = std::from_chars(reinterpret_cast<const char *>(m_p), reinterpret_cast<const char *>(p), out);
        if (error != std::errc() || end != reinterpret_cast<const char *>(p) || !std::isfinite(out))
            return false;
        if (out == 0) {
            if (negative)
                return false;
            for (const uchar *d = digits; d < mantissaEnd; ++d) {
                if (*d >= '1' && *d <= '9')
                    return false; // underflow
            }
        } else if (std::fabs(out) < DBL_MIN) {
            return false;
        }
        m_p = p;
        return true;
    }

private:
    static bool isDigit(uchar c)
    {
        return c >= '0' && c <= '9';
    }

    /**
     * The string's closing quote, stepping over every backslash and the byte after it, or nullptr when the
     * payload ends first. Nothing but quotes and backslashes matters here, so plain blocks are skipped 16
     * bytes at a time.
     */
    const uchar *closingQuote() const
    {
        const uchar *close = m_p;
#ifdef __SSE2__
        while (m_end - close >= 16) {
            const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(close));
            const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                                            _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))));
            if (mask == 0) {
                close += 16;
                continue;
            }
            close += __builtin_ctz(unsigned(mask));
            if (*close == '"')
                return close;
            if (m_end - close < 2)
                return nullptr;
            close += 2;
        }
#endif
        while (close < m_end && *close != '"') {
            if (*close == '\\' && m_end - close < 2)
                return nullptr;
            close += *close == '\\' ? 2 : 1;
        }
        return close < m_end ? close : nullptr;
    }

    static int hexDigit(uchar c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    /** Four hex digits after "\u". */
    bool hex4(char16_t &unit)
    {
        if (m_end - m_p < 4)
            return false;
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            const int h = hexDigit(m_p[k]);
            if (h < 0)
                return false;
            v = v * 16 + unsigned(h);
        }
        m_p += 4;
        unit = char16_t(v);
        return true;
    }

    bool escape(QChar *&d)
    {
        if (m_end - m_p < 2)
            return false;
        const uchar e = m_p[1];
        m_p += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            *d++ = QChar(char16_t(e));
            return true;
        case 'b':
            *d++ = QChar(u'\b');
            return true;
        case 'f':
            *d++ = QChar(u'\f');
            return true;
        case 'n':
            *d++ = QChar(u'\n');
            return true;
        case 'r':
            *d++ = QChar(u'\r');
            return true;
        case 't':
            *d++ = QChar(u'\t');
            return true;
        case 'u': {
            char16_t unit = 0;
            if (!hex4(unit))
                return false;
            if (!QChar::isSurrogate(unit)) {
                *d++ = QChar(unit);
                return true;
            }
            // Only a high surrogate escape followed by a low one is a character; what QJsonDocument makes
            // of a lone one is left to QJsonDocument.
            char16_t low = 0;
            if (!QChar::isHighSurrogate(unit) || !literal("\\u") || !hex4(low) || !QChar::isLowSurrogate(low))
                return false;
            *d++ = QChar(unit);
            *d++ = QChar(low);
            return true;
        }
        default:
            return false;
        }
    }

    /** One multi-byte UTF-8 sequence, strictly: no overlong forms, no surrogates, nothing above U+10FFFF. */
    bool utf8(QChar *&d)
    {
        const uchar c = *m_p;
        int extra = 0;
        uchar lo = 0x80, hi = 0xbf;
        char32_t cp = 0;
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            cp = c & 0x0f;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            cp = c & 0x07;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return false;
        }
        if (m_end - m_p <= extra)
            return false;
        for (int k = 1; k <= extra; ++k) {
            const uchar b = m_p[k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
                return false;
            cp = (cp << 6) | (b & 0x3f);
        }
        m_p += extra + 1;
        if (QChar::requiresSurrogates(cp)) {
            *d++ = QChar(QChar::highSurrogate(cp));
            *d++ = QChar(QChar::lowSurrogate(cp));
        } else {
            *d++ = QChar(char16_t(cp));
        }
        return true;
    }

    const uchar *m_p;
    const uchar *m_end;
};

} // namespace

bool FlatJsonObject::parse(QByteArrayView json)
{
    Scanner s(json);
    FlatJsonObject &object = *this;
    object.m_count = 0;
    s.skipSpace();
    if (!s.take('{'))
        return false;
    s.skipSpace();
    if (!s.take('}')) {
        for (;;) {
            if (object.m_count == maxMembers)
                return false;
            Member &m = object.m_members[object.m_count];
            if (!s.key(m.key))
                return false;
            // A repeated key: which one QJsonDocument keeps is its business.
            for (int i = 0; i < object.m_count; ++i) {
                if (same(object.m_members[i].key, m.key))
                    return false;
            }
            s.skipSpace();
            if (!s.take(':'))
                return false;
            s.skipSpace();
            if (s.take('"')) {
                m.kind = Kind::String;
                if (!s.string(m.text))
                    return false;
            } else if (s.number(m.number)) {
                m.kind = Kind::Number;
            } else if (s.literal("true")) {
                m.kind = Kind::True;
            } else if (s.literal("false")) {
                m.kind = Kind::False;
            } else if (s.literal("null")) {
                m.kind = Kind::Null;
            } else {
                return false;
            }
            ++object.m_count;
            s.skipSpace();
            if (s.take(','))
                s.skipSpace();
            else if (s.take('}'))
                break;
            else
                return false;
        }
    }
    s.skipSpace();
    return s.atEnd();
}

const FlatJsonObject::Member *FlatJsonObject::find(QLatin1StringView key) const
{
    for (int i = 0; i < m_count; ++i) {
        if (same(m_members[i].key, QByteArrayView(key.data(), key.size())))
            return &m_members[i];
    }
    return nullptr;
}

QString FlatJsonObject::string(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::String ? m->text : QString();
}

bool FlatJsonObject::boolean(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::True;
}

bool FlatJsonObject::isString(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::String;
}

bool FlatJsonObject::isNumber(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::Number;
}

double FlatJsonObject::number(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::Number ? m->number : 0.0;
}

qint64 FlatJsonObject::integer(QLatin1StringView key) const
{
    // QJsonValue::toInteger() of a double: only an integral value in qint64's range (2^63 itself is not).
    const double v = number(key);
    return v >= -9223372036854775808.0 && v < 9223372036854775808.0 && std::trunc(v) == v ? qint64(v) : 0;
}

} // namespace Drawbridge
