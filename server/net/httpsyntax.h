// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>

namespace Drawbridge {

/** A set of bytes, as a table. */
struct HttpCharClass
{
    bool is[256] {};
};

/** tchar (RFC 9110 §5.6.2). */
inline constexpr HttpCharClass httpTokenChars = [] {
    HttpCharClass t;
    for (int c = 0; c < 256; ++c)
        t.is[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (const char c : { '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' })
        t.is[static_cast<unsigned char>(c)] = true;
    return t;
}();

/** The character classes of HTTP's grammar (RFC 9110 §5.6), shared by the request and response parsers. */
class HttpSyntax final
{
public:
    /**
     * tchar: what a field name, a method or a transfer coding may consist of. A table, inline: every byte of
     * every field name of every request and response head passes it (issue 18).
     */
    static bool isTokenChar(char c) { return httpTokenChars.is[static_cast<unsigned char>(c)]; }
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    /** The value of a hex digit, or -1. */
    static int hexValue(char c);
    /** ASCII case-insensitive comparison, as field names and codings are compared. */
    static bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b);
};

} // namespace Drawbridge
