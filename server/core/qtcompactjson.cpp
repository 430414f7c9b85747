// SPDX-License-Identifier: MIT
#include "qtcompactjson.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "server/core/jsonescape.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace Drawbridge {

namespace {

struct Unsure
{
};

using Member = std::pair<std::string_view, simdjson::dom::element>;

/**
 * @p a orders before @p b byte by byte (for the ASCII keys compared here, as QJsonObject orders them). Keys
 * of a tool input mostly differ in their first bytes: a loop ends there sooner than a call to memcmp.
 */
inline bool keyLess(std::string_view a, std::string_view b)
{
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        if (a[i] != b[i])
            return (unsigned char)a[i] < (unsigned char)b[i];
    }
    return a.size() < b.size();
}

/**
 * Writes into @p out through a pointer into room made ahead (the array is trimmed to what was written at the
 * end): a tool input is a few dozen tokens, and an append per token (a resize per string, a QByteArray per
 * number) cost more than the bytes (issue 18).
 */
class Writer
{
public:
    Writer(QByteArray &out, std::vector<Member> &members) : m_out(out), m_members(members)
    {
        m_pos = out.size();
        // The callers start from an empty array: allocating it outright skips resize()'s growth policy.
        if (m_pos == 0 && m_out.capacity() < initialRoom)
            m_out = QByteArray(initialRoom, Qt::Uninitialized);
        else
            m_out.resize(m_pos + initialRoom);
        m_data = m_out.data();
        m_end = m_out.size();
    }
    /** Trims the array to what was written. */
    void finish() { m_out.resize(m_pos); }

    void value(simdjson::dom::element e, bool dropEmptyKey);

private:
    static constexpr qsizetype initialRoom = 256;

    void room(qsizetype n)
    {
        if (m_end - m_pos < n)
            grow(n);
    }
    void grow(qsizetype n)
    {
        m_out.resize(std::max(m_pos + n, m_end + m_end / 2));
        m_data = m_out.data();
        m_end = m_out.size();
    }
    void put(char c) { m_data[m_pos++] = c; } // room() made space
    void put(const char *s, qsizetype n)
    {
        room(n);
        std::memcpy(m_data + m_pos, s, size_t(n));
        m_pos += n;
    }
    void object(simdjson::dom::element e, bool dropEmptyKey);
    /** @p s quoted and escaped; an object @p key must be ASCII (else Unsure). */
    void string(std::string_view s, bool key = false);
    void integer(qint64 v);

    QByteArray &m_out;
    std::vector<Member> &m_members; ///< members of the objects being written, innermost last
    char *m_data = nullptr;
    qsizetype m_pos = 0;
    qsizetype m_end = 0;
};

// Writes @p e as QJsonDocument::toJson(Compact) writes the value Qt's parser makes of the same text.
void Writer::value(simdjson::dom::element e, bool dropEmptyKey)
{
    // The type is known from the switch: the values are read without the checked conversions' error paths.
    switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
        object(e, dropEmptyKey);
        return;
    case simdjson::dom::element_type::ARRAY: {
        room(1);
        put('[');
        bool first = true;
        for (const auto item : simdjson::dom::array(e)) {
            if (!first) {
                room(1);
                put(',');
            }
            first = false;
            value(item, false);
        }
        room(1);
        put(']');
        return;
    }
    case simdjson::dom::element_type::STRING:
        // Valid UTF-8 (simdjson checked it) comes out of Qt unchanged but for the same escapes.
        string(e.get_string().value_unsafe());
        return;
    case simdjson::dom::element_type::INT64:
        // Qt keeps integers that fit in 64 bits as integers ...
        integer(qint64(e.get_int64().value_unsafe()));
        return;
    case simdjson::dom::element_type::UINT64: {
        // ... and parses larger ones as doubles, written in the shortest form that reads back.
        const QByteArray n
            = QByteArray::number(double(e.get_uint64().value_unsafe()), 'g', QLocale::FloatingPointShortest);
        put(n.constData(), n.size());
        return;
    }
    case simdjson::dom::element_type::DOUBLE: {
        // Qt's parser keeps a whole number that fits in 64 bits as an integer however it was written (1e6,
        // 1000000.0), and writes it back as one.
        const double d = e.get_double().value_unsafe();
        if (d >= -0x1p63 && d < 0x1p63 && d == std::floor(d)) {
            integer(qint64(d));
        } else {
            const QByteArray n = QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
            put(n.constData(), n.size());
        }
        return;
    }
    case simdjson::dom::element_type::BOOL:
        if (e.get_bool().value_unsafe())
            put("true", 4);
        else
            put("false", 5);
        return;
    case simdjson::dom::element_type::NULL_VALUE:
        put("null", 4);
        return;
    }
    throw Unsure {};
}

void Writer::object(simdjson::dom::element e, bool dropEmptyKey)
{
    // The members are collected in one pass over the object, on a stack shared by all levels (one allocation
    // per thread, not one per object), and read back by index, as nested objects push onto it while this one
    // is written. QJsonObject orders keys as UTF-16, which for ASCII keys (string() refuses others) is byte
    // order. Agents often send keys in order already (or just one or two): then nothing is sorted, and
    // strictly ascending keys have no duplicate.
    const size_t base = m_members.size();
    bool sorted = true;
    for (const auto field : simdjson::dom::object(e)) {
        if (dropEmptyKey && field.key.empty())
            continue;
        if (sorted && m_members.size() > base && !keyLess(m_members.back().first, field.key))
            sorted = false;
        m_members.emplace_back(field.key, field.value);
    }
    const size_t end = m_members.size();
    if (!sorted) {
        const auto less = [](const Member &a, const Member &b) { return keyLess(a.first, b.first); };
        if (end - base <= 16) {
            // A handful of members: insertion sort, without std::sort's set-up.
            for (size_t i = base + 1; i < end; ++i) {
                const Member m = m_members[i];
                size_t j = i;
                for (; j > base && less(m, m_members[j - 1]); --j)
                    m_members[j] = m_members[j - 1];
                m_members[j] = m;
            }
        } else {
            std::sort(m_members.begin() + std::ptrdiff_t(base), m_members.end(), less);
        }
    }
    room(1);
    put('{');
    for (size_t i = base; i < end; ++i) {
        if (i > base) {
            if (!sorted && m_members[i].first == m_members[i - 1].first)
                throw Unsure {}; // a duplicate key; Qt keeps one of them
            room(1);
            put(',');
        }
        const Member m = m_members[i];
        string(m.first, true);
        room(1);
        put(':');
        value(m.second, false);
    }
    m_members.resize(base);
    room(1);
    put('}');
}

void Writer::string(std::string_view s, bool key)
{
    // Room for the text, its quotes and one 16-byte store past the end; an escape (up to 6 bytes for 1)
    // makes room for itself and the rest.
    const char *src = s.data();
    const char *const end = src + s.size();
    room(qsizetype(s.size()) + 2 + 16);
    put('"');
    while (src != end) {
#ifdef __SSE2__
        // 16 bytes at a time: bytes from 0x20 up (all of multi-byte UTF-8 too) are copied as they are, except
        // '"' and '\\'. Keys and most values are shorter than 16 bytes: a shorter rest is copied into a
        // block first (reading past the text could leave its buffer), which beats a byte at a time.
        const qsizetype n = end - src;
        __m128i bytes;
        if (n >= 16) {
            bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
        } else {
            alignas(16) char block[16] = {};
            std::memcpy(block, src, size_t(n));
            bytes = _mm_load_si128(reinterpret_cast<const __m128i *>(block));
        }
        const __m128i printable = _mm_cmpeq_epi8(_mm_max_epu8(bytes, _mm_set1_epi8(0x20)), bytes);
        const __m128i special = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                             _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\')));
        const int mask = _mm_movemask_epi8(_mm_andnot_si128(special, printable));
        // Every byte of the text passes through a block (an escape starts the next one behind it); the zeros
        // past a short rest are ASCII.
        if (key && _mm_movemask_epi8(bytes))
            throw Unsure {};
        // All 16 stored (room for them was made); only the plain bytes before the first other count.
        _mm_storeu_si128(reinterpret_cast<__m128i *>(m_data + m_pos), bytes);
        const qsizetype plain = mask == 0xffff ? 16 : __builtin_ctz(unsigned(~mask));
        if (plain >= n) {
            m_pos += n;
            break;
        }
        m_pos += plain;
        src += plain;
        // Else *src needs an escape (the zeros past a short rest are beyond it).
        if (plain == 16)
            continue;
#endif
        const unsigned char c = static_cast<unsigned char>(*src++);
        if (key && c >= 0x80)
            throw Unsure {};
        const char e = c < 0x80 ? jsonEscapes.c[c] : 0;
        if (!e) {
            put(char(c));
            continue;
        }
        room(6 + (end - src) + 1 + 16);
        put('\\');
        put(e);
        if (e == 'u') {
            put('0');
            put('0');
            put(jsonHexDigits[c >> 4]);
            put(jsonHexDigits[c & 0xf]);
        }
    }
    put('"');
}

void Writer::integer(qint64 v)
{
    // As QByteArray::number(qint64) writes it, without the temporary array.
    char digits[20];
    char *p = digits + sizeof(digits);
    quint64 magnitude = v < 0 ? 0 - quint64(v) : quint64(v);
    do {
        *--p = char('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    room(21);
    if (v < 0)
        put('-');
    const qsizetype n = digits + sizeof(digits) - p;
    std::memcpy(m_data + m_pos, p, size_t(n));
    m_pos += n;
}

} // namespace

bool QtCompactJson::appendObject(QByteArray &out, const simdjson::dom::element &object, bool dropEmptyKey)
{
    if (!object.is_object())
        return false;
    // The member stack, reused by every call on this thread (its capacity stays, up to a bound).
    thread_local std::vector<Member> members;
    const qsizetype start = out.size();
    Writer writer(out, members);
    bool written = true;
    try {
        writer.value(object, dropEmptyKey);
        writer.finish();
    } catch (const Unsure &) {
        members.clear();
        out.truncate(start);
        written = false;
    }
    // An object with thousands of members (the body allows it) must not leave the thread holding its stack.
    constexpr size_t keptMembers = 1024;
    if (members.capacity() > keptMembers)
        std::vector<Member>().swap(members);
    return written;
}

} // namespace Drawbridge
