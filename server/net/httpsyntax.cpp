// SPDX-License-Identifier: MIT
#include "httpsyntax.h"

namespace Drawbridge {

int HttpSyntax::hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool HttpSyntax::equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x + ('a' - 'A'));
        if (y >= 'A' && y <= 'Z')
            y = char(y + ('a' - 'A'));
        if (x != y)
            return false;
    }
    return true;
}

} // namespace Drawbridge
