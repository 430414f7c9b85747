// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QRandomGenerator>

#include <array>

namespace Drawbridge::Test {

/**
 * @brief Seeded random JSON payloads of Kiro's events, most of them flat objects of the keys the response
 * parser reads, the rest everything that must make the flat reader give up: escapes of every kind (\uXXXX,
 * surrogate pairs, lone surrogates, \u0000), multi-byte and invalid UTF-8, raw control characters, numbers,
 * nesting, unknown, escaped, non-ASCII and repeated keys, reordered keys, whitespace, broken documents.
 */
class RandomKiroPayload
{
public:
    explicit RandomKiroPayload(quint32 seed) : m_rng(seed) { }

    QByteArray payload()
    {
        const int shape = pick(100);
        if (shape < 4)
            return broken();
        if (shape < 7)
            return value(2); // not an object, or an object with nested members
        QByteArray out = space() + '{' + space();
        const int members = pick(6);
        for (int i = 0; i < members; ++i) {
            if (i > 0)
                out += space() + ',' + space();
            out += key() + space() + ':' + space() + member();
        }
        out += space() + '}' + space();
        return out;
    }

    /** A string body as it appears between quotes (already escaped where the generator chose to). */
    QByteArray stringBody()
    {
        QByteArray out;
        const int pieces = pick(12);
        for (int i = 0; i < pieces; ++i)
            out += piece();
        return out;
    }

    int pick(int n) { return int(m_rng.bounded(n)); }

private:
    QByteArray space()
    {
        static constexpr std::array<const char *, 6> spaces { "", "", "", " ", "\n\t", " \r\n " };
        return spaces[size_t(pick(int(spaces.size())))];
    }

    QByteArray key()
    {
        static constexpr std::array<const char *, 16> keys {
            "content",
            "content",
            "content",
            "followupPrompt",
            "text",
            "signature",
            "redactedContent",
            "toolUseId",
            "name",
            "input",
            "stop",
            "modelId",
            "conversationId",
            "",
            "cont\\u0065nt",
            "\xc3\xa9t\xc3\xa9",
        };
        return '"' + QByteArray(keys[size_t(pick(int(keys.size())))]) + '"';
    }

    QByteArray member()
    {
        const int kind = pick(20);
        if (kind < 13)
            return '"' + stringBody() + '"';
        if (kind < 15)
            return QByteArray(pick(2) ? "true" : "false");
        if (kind < 16)
            return "null";
        return value(1);
    }

    QByteArray value(int depth)
    {
        switch (pick(depth > 0 ? 6 : 3)) {
        case 0:
            return QByteArray::number(pick(100000) - 50000);
        case 1:
            return QByteArray::number(double(pick(100000)) / 7.0, 'g', 12);
        case 2:
            return '"' + stringBody() + '"';
        case 3:
            return "[" + value(depth - 1) + "," + value(depth - 1) + "]";
        case 4:
            return "{\"input\":" + value(depth - 1) + ",\"a\":" + value(depth - 1) + "}";
        default:
            return "{}";
        }
    }

    QByteArray piece()
    {
        switch (pick(24)) {
        case 0:
            return "\\\"";
        case 1:
            return "\\\\";
        case 2:
            return "\\/";
        case 3: {
            static constexpr std::array<const char *, 5> e { "\\b", "\\f", "\\n", "\\r", "\\t" };
            return e[size_t(pick(int(e.size())))];
        }
        case 4:
            return unicodeEscape(char16_t(0x20 + pick(0xd800 - 0x20)));
        case 5: // a surrogate pair, in either case of hex digits
            return unicodeEscape(char16_t(0xd800 + pick(0x400)))
                + unicodeEscape(char16_t(0xdc00 + pick(0x400)));
        case 6: // a lone surrogate, high or low
            return unicodeEscape(char16_t(0xd800 + pick(0x800)));
        case 7:
            return pick(2) ? "\\u0000" : unicodeEscape(char16_t(0xe000 + pick(0x2000)));
        case 8:
            return "\xc3\xa9"; // é
        case 9:
            return "\xe2\x86\x92\xe4\xb8\xad"; // → 中
        case 10:
            return "\xf0\x9f\x98\x80"; // 😀
        case 11:
            return "\xef\xbf\xbe\xef\xb7\x90"; // noncharacters U+FFFE, U+FDD0
        case 12: { // invalid UTF-8: a stray continuation, an overlong form, a surrogate, a cut sequence
            static constexpr std::array<const char *, 5> bad { "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x86",
                                                               "\xf4\x90\x80\x80" };
            return bad[size_t(pick(int(bad.size())))];
        }
        case 13:
            return pick(4) == 0 ? QByteArray(1, char(pick(0x20))) : "\\x"; // raw control or invalid escape
        default: {
            static constexpr char alphabet[] = "abcdefghij KLMNOP <thinking></thinking> .,;{}[]:0123";
            QByteArray word;
            const int n = 1 + pick(8);
            for (int i = 0; i < n; ++i)
                word += alphabet[pick(int(sizeof(alphabet)) - 1)];
            return word;
        }
        }
    }

    QByteArray unicodeEscape(char16_t unit)
    {
        QByteArray hex = QByteArray::number(uint(unit), 16).rightJustified(4, '0');
        if (pick(2))
            hex = hex.toUpper();
        return "\\u" + hex;
    }

    QByteArray broken()
    {
        QByteArray whole = "{\"content\":\"" + stringBody() + "\"}";
        switch (pick(4)) {
        case 0:
            return whole.left(pick(int(whole.size())));
        case 1:
            return whole + "x";
        case 2:
            return "{\"content\":\"a\",}";
        default:
            return whole + whole;
        }
    }

    QRandomGenerator m_rng;
};

} // namespace Drawbridge::Test
