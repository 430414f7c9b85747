// SPDX-License-Identifier: MIT
#include "jsonescape.h"

namespace Drawbridge {

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + utf8.size() + 2);
    out += '"';
    qsizetype runStart = 0;
    const qsizetype n = utf8.size();
    const char *d = utf8.data();
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(d[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(d + runStart, i - runStart);
        runStart = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(d + runStart, n - runStart);
    out += '"';
}

void appendJsonString(QByteArray &out, QStringView s)
{
    appendJsonString(out, QByteArrayView(s.toUtf8()));
}

} // namespace Drawbridge
