// SPDX-License-Identifier: MIT
#include "jsonwriter.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstring>

#include <simdjson.h>

#include "server/core/jsonescape.h"
#include "server/core/qtcompactjson.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace Drawbridge {

namespace {

constexpr size_t maxCanonicalDepth = 512;

/** A short token (a bracket, a key, a fixed value) composed on the stack, behind a comma if @p comma. */
class Token
{
public:
    explicit Token(bool comma)
    {
        if (comma)
            m_buffer[m_size++] = ',';
    }
    Token &operator<<(char c)
    {
        m_buffer[m_size++] = c;
        return *this;
    }
    /** False when @p text does not fit; the caller then writes piece by piece. */
    bool add(QByteArrayView text)
    {
        if (text.size() > qsizetype(sizeof(m_buffer)) - 4 - m_size)
            return false;
        std::memcpy(m_buffer + m_size, text.data(), size_t(text.size()));
        m_size += text.size();
        return true;
    }
    void writeTo(QByteArray &out) const { appendBytes(out, m_buffer, m_size); }

private:
    char m_buffer[96];
    qsizetype m_size = 0;
};

} // namespace

bool JsonWriter::appendQtCompactObject(QByteArray &out, QByteArrayView json, bool dropEmptyKey)
{
    // One parser per thread, reused (the builder is a static function on the event-loop thread); tool
    // arguments are small, so its buffers stay small.
    thread_local simdjson::dom::parser parser;
    if (parser.max_depth() != maxCanonicalDepth
        && parser.allocate(std::max(parser.capacity(), size_t(4096)), maxCanonicalDepth))
        return false;
    simdjson::dom::element root;
    if (parser.parse(json.data(), size_t(json.size()), true).get(root))
        return false;
    return QtCompactJson::appendObject(out, root, dropEmptyKey);
}

void JsonWriter::appendString(QByteArray &out, QStringView s)
{
    // Write through a raw pointer into reserved space and trim after, instead of growing the array per
    // character. A code unit takes at most 3 bytes of UTF-8 (a surrogate pair 4 for two units); only escapes
    // take more (6), so room is checked when one is written.
    const qsizetype start = out.size();
    resizeGrowing(out, start + 2 + s.size() * 3);
    char *p = out.data() + start;
    char *limit = out.data() + out.size();
    *p++ = '"';
    const char16_t *src = s.utf16();
    const char16_t *const end = src + s.size();
    const auto roomForEscape = [&] {
        const qsizetype need = 6 + 3 * (end - src) + 1;
        if (limit - p >= need)
            return;
        const qsizetype at = p - out.constData();
        resizeGrowing(out, std::max(at + need, out.size() + out.size() / 2));
        p = out.data() + at;
        limit = out.data() + out.size();
    };
    while (src != end) {
#ifdef __SSE2__
        // Most text is printable ASCII: 8 code units at a time, narrowed to 8 bytes, while none of them needs
        // an escape or more than one byte.
        while (end - src >= 8) {
            const __m128i units = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
            // Lanes outside 0x20..0x7f are non-zero here (unsigned saturating differences) ...
            const __m128i outside = _mm_or_si128(_mm_subs_epu16(units, _mm_set1_epi16(0x7f)),
                                                 _mm_subs_epu16(_mm_set1_epi16(0x20), units));
            // ... and '"' and '\\' need an escape.
            const __m128i special = _mm_or_si128(_mm_cmpeq_epi16(units, _mm_set1_epi16('"')),
                                                 _mm_cmpeq_epi16(units, _mm_set1_epi16('\\')));
            const __m128i plain = _mm_andnot_si128(special, _mm_cmpeq_epi16(outside, _mm_setzero_si128()));
            const int mask = _mm_movemask_epi8(plain);
            // All 8 narrowed; only the plain lanes before the first special one count (room for 8 bytes is
            // there: 3 per remaining unit were reserved).
            _mm_storel_epi64(reinterpret_cast<__m128i *>(p), _mm_packus_epi16(units, units));
            if (mask != 0xffff) {
                const int plainUnits = __builtin_ctz(unsigned(~mask)) / 2;
                p += plainUnits;
                src += plainUnits;
                break;
            }
            p += 8;
            src += 8;
        }
        if (src == end)
            break;
#endif
        const char16_t u = *src++;
        if (u < 0x80) {
            const char e = jsonEscapes.c[u];
            if (!e) {
                *p++ = char(u);
                continue;
            }
            roomForEscape();
            *p++ = '\\';
            *p++ = e;
            if (e == 'u') {
                *p++ = '0';
                *p++ = '0';
                *p++ = jsonHexDigits[u >> 4];
                *p++ = jsonHexDigits[u & 0xf];
            }
        } else if (u < 0x800) {
            *p++ = char(0xc0 | (u >> 6));
            *p++ = char(0x80 | (u & 0x3f));
        } else if (u < 0xd800 || u > 0xdfff) {
            *p++ = char(0xe0 | (u >> 12));
            *p++ = char(0x80 | ((u >> 6) & 0x3f));
            *p++ = char(0x80 | (u & 0x3f));
        } else if (u < 0xdc00 && src != end && *src >= 0xdc00 && *src <= 0xdfff) {
            const char32_t c = 0x10000 + ((char32_t(u) - 0xd800) << 10) + (char32_t(*src++) - 0xdc00);
            *p++ = char(0xf0 | (c >> 18));
            *p++ = char(0x80 | ((c >> 12) & 0x3f));
            *p++ = char(0x80 | ((c >> 6) & 0x3f));
            *p++ = char(0x80 | (c & 0x3f));
        } else {
            // A lone surrogate has no UTF-8 form; Qt writes it as an escape, and so do we.
            roomForEscape();
            *p++ = '\\';
            *p++ = 'u';
            *p++ = jsonHexDigits[u >> 12];
            *p++ = jsonHexDigits[(u >> 8) & 0xf];
            *p++ = jsonHexDigits[(u >> 4) & 0xf];
            *p++ = jsonHexDigits[u & 0xf];
        }
    }
    *p++ = '"';
    resizeGrowing(out, p - out.constData());
}

void JsonWriter::appendUtf8String(QByteArray &out, QByteArrayView utf8)
{
    appendJsonString(out, utf8);
}

void JsonWriter::keySlow(bool comma, QByteArrayView key)
{
    Token token(comma);
    token << '"';
    if (token.add(key)) {
        (token << '"' << ':').writeTo(m_out);
        return;
    }
    token.writeTo(m_out);
    appendBytes(m_out, key.data(), key.size());
    appendBytes(m_out, "\":", 2);
}

void JsonWriter::key(QByteArrayView key)
{
    const bool comma = separate();
    m_afterKey = true;
    keySlow(comma, key);
}

void JsonWriter::string(QStringView s)
{
    if (separate())
        appendBytes(m_out, ",", 1);
    appendString(m_out, s);
}

void JsonWriter::utf8String(QByteArrayView utf8)
{
    if (separate())
        appendBytes(m_out, ",", 1);
    appendUtf8String(m_out, utf8);
}

void JsonWriter::asciiString(QByteArrayView s)
{
    Token token(separate());
    token << '"';
    if (token.add(s)) {
        (token << '"').writeTo(m_out);
        return;
    }
    token.writeTo(m_out);
    appendBytes(m_out, s.data(), s.size());
    appendBytes(m_out, "\"", 1);
}

void JsonWriter::raw(QByteArrayView json)
{
    if (separate())
        appendBytes(m_out, ",", 1);
    appendBytes(m_out, json.data(), json.size());
}

qsizetype JsonWriter::object(const QJsonObject &object)
{
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    raw(json);
    return json.size();
}

} // namespace Drawbridge
