// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringView>

#include <cstring>

namespace Drawbridge {

/** Lower-case hex digits, for the \u00XX escapes. */
inline constexpr char jsonHexDigits[] = "0123456789abcdef";

/**
 * For each ASCII byte or code unit: 0 = copied as is, else the character after the backslash ('u' = \u00XX).
 * The escapes QJsonDocument writes; shared by the JSON writers that build their output by hand.
 */
struct JsonEscapeTable
{
    char c[128] {};
};
inline constexpr JsonEscapeTable jsonEscapes = [] {
    JsonEscapeTable t;
    for (int i = 0; i < 0x20; ++i)
        t.c[i] = 'u';
    t.c[int('\b')] = 'b';
    t.c[int('\f')] = 'f';
    t.c[int('\n')] = 'n';
    t.c[int('\r')] = 'r';
    t.c[int('\t')] = 't';
    t.c[int('"')] = '"';
    t.c[int('\\')] = '\\';
    return t;
}();

/**
 * Appends @p n bytes at @p s: copied straight behind the data when the array is unshared with room, else
 * QByteArray::append(), whose general insert() costs more than the few bytes a key or a bracket writes (and
 * whose `+= "literal"` measures the literal with strlen first).
 */
inline void appendBytes(QByteArray &out, const char *s, qsizetype n)
{
    QByteArray::DataPointer &d = out.data_ptr();
    if (!d.needsDetach() && n < d.freeSpaceAtEnd()) {
        std::memcpy(d.data() + d.size, s, size_t(n));
        d.size += n;
        d.data()[d.size] = '\0';
        return;
    }
    out.append(s, n);
}

/** appendBytes() of a string literal, its length known at compile time. */
template<qsizetype N> inline void appendLiteral(QByteArray &out, const char (&literal)[N])
{
    appendBytes(out, literal, N - 1);
}

/**
 * Sets @p out's size to @p size, its capacity at least doubling when it has to grow: the writers size the
 * array ahead of each string and trim after, and a body of hundreds of KiB must not be copied at every
 * string that overshoots its capacity.
 */
inline void resizeGrowing(QByteArray &out, qsizetype size)
{
    // The array is the writer's own, so nearly always unshared with room: then only the size and the
    // terminator change, which QByteArray::resize() and truncate() do out of line after more checks (they
    // ran for every string of the body; issue 18). Strictly below the capacity keeps the terminator inside.
    QByteArray::DataPointer &d = out.data_ptr();
    if (!d.needsDetach() && size < d.size + d.freeSpaceAtEnd()) {
        d.size = size;
        d.data()[size] = '\0';
        return;
    }
    if (size > out.capacity())
        out.reserve(size > 2 * out.capacity() ? size : 2 * out.capacity());
    out.resize(size);
}

/** Appends @p s as a quoted JSON string (UTF-8), for hand-built hot-path JSON such as SSE chunks. */
void appendJsonString(QByteArray &out, QStringView s);
/** Same for text that is already UTF-8. */
void appendJsonString(QByteArray &out, QByteArrayView utf8);

namespace detail {
/**
 * appendJsonString()'s two loops, which it chooses between once per process (useAvx2()): the baseline one
 * (SSE2, scalar off x86) and the AVX2 one, which only a CPU with cpuSupportsAvx2() may run. For the
 * differential tests.
 */
void appendJsonStringBaseline(QByteArray &out, QByteArrayView utf8);
void appendJsonStringAvx2(QByteArray &out, QByteArrayView utf8);
} // namespace detail

} // namespace Drawbridge
