// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>

namespace Drawbridge {

/** The character classes of HTTP's grammar (RFC 9110 §5.6), shared by the request and response parsers. */
class HttpSyntax final
{
public:
    /** tchar: what a field name, a method or a transfer coding may consist of. */
    static bool isTokenChar(char c);
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    /** The value of a hex digit, or -1. */
    static int hexValue(char c);
    /** ASCII case-insensitive comparison, as field names and codings are compared. */
    static bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b);
};

} // namespace Drawbridge
