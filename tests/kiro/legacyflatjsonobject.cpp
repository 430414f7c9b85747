// SPDX-License-Identifier: MIT
#include "tests/kiro/legacyflatjsonobject.h"

#include <cstring>

namespace Drawbridge::Test {

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
        const uchar *close = m_p;
        while (close < m_end && *close != '"') {
            if (*close == '\\' && m_end - close < 2)
                return false;
            close += *close == '\\' ? 2 : 1;
        }
        if (close >= m_end)
            return false;
        out = QString(close - m_p, Qt::Uninitialized);
        QChar *d = out.data();
        QChar *const begin = d;
        while (m_p <= close) {
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

private:
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

bool LegacyFlatJsonObject::parse(QByteArrayView json)
{
    Scanner s(json);
    LegacyFlatJsonObject &object = *this;
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

const LegacyFlatJsonObject::Member *LegacyFlatJsonObject::find(QLatin1StringView key) const
{
    for (int i = 0; i < m_count; ++i) {
        if (same(m_members[i].key, QByteArrayView(key.data(), key.size())))
            return &m_members[i];
    }
    return nullptr;
}

QString LegacyFlatJsonObject::string(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::String ? m->text : QString();
}

bool LegacyFlatJsonObject::boolean(QLatin1StringView key) const
{
    const Member *m = find(key);
    return m && m->kind == Kind::True;
}

} // namespace Drawbridge::Test
