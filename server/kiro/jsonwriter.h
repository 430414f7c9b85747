// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

#include <cstdint>
#include <cstring>

#include "server/core/jsonescape.h"

class QJsonObject;

namespace Drawbridge {

/**
 * @brief Writes compact JSON straight into a byte buffer, byte for byte as `QJsonDocument::toJson(Compact)`
 * would write the same tree.
 *
 * The Kiro request body is built once per call and can be hundreds of KiB of conversation; building a
 * `QJsonObject` tree only to serialise it copies every string twice and allocates a node per value. The
 * writer keeps Qt's output exactly (same escapes, lone surrogates as `\uXXXX`, UTF-8 otherwise), so bodies
 * stay byte-identical; the caller writes object keys in the order Qt would (sorted), which for the builder's
 * fixed keys is a matter of writing them in that order.
 */
class JsonWriter final
{
public:
    explicit JsonWriter(QByteArray &out) : m_out(out) { }

    // The brackets and the builder's keys are most of the calls in a body (some 2,000 per 144 KiB agent
    // request), so they are inline and write straight behind the data when there is room (issue 18).
    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }
    /** An object key; @p key is ASCII without characters to escape (the builder's own keys). */
    void key(QByteArrayView key);
    /** key() of a literal: its length known at compile time, written in one step. */
    template<qsizetype N> void key(const char (&literal)[N])
    {
        constexpr qsizetype length = N - 1;
        const bool comma = separate();
        m_afterKey = true;
        QByteArray::DataPointer &d = m_out.data_ptr();
        // ',' '"' key '"' ':' and the terminator.
        if (!d.needsDetach() && length + 5 <= d.freeSpaceAtEnd()) {
            char *p = d.data() + d.size;
            *p = ',';
            p += comma;
            *p++ = '"';
            std::memcpy(p, literal, size_t(length));
            p += length;
            p[0] = '"';
            p[1] = ':';
            p[2] = '\0';
            d.size = p + 2 - d.data();
            return;
        }
        keySlow(comma, QByteArrayView(literal, length));
    }
    void string(QStringView s);
    /** @p utf8 (valid UTF-8, e.g. checked by simdjson) written as string(QString::fromUtf8(utf8)) would. */
    void utf8String(QByteArrayView utf8);
    /** Plain ASCII text that needs no escaping (fixed values such as "MANUAL"). */
    void asciiString(QByteArrayView s);
    /** @p json as it is: compact JSON produced by Qt (a serialised sub-object). */
    void raw(QByteArrayView json);
    /** @p object serialised by Qt; returns the number of bytes written. */
    qsizetype object(const QJsonObject &object);

    /** Appends @p s quoted and escaped the way QJsonDocument does (UTF-16 in, UTF-8 out). */
    static void appendString(QByteArray &out, QStringView s);
    /**
     * Appends valid UTF-8 @p utf8 quoted and escaped as appendString() writes the same text: a text read from
     * the client and only copied through is never converted to UTF-16 and back (issue 18). The one escaping
     * writer of the project, appendJsonString() (server/core/jsonescape.h).
     */
    static void appendUtf8String(QByteArray &out, QByteArrayView utf8);
    /**
     * Appends what `QJsonDocument(QJsonDocument::fromJson(json).object()).toJson(Compact)` writes for the
     * JSON object @p json (sorted keys, Qt's number format; without a top-level "" key when @p dropEmptyKey),
     * read with simdjson and written by QtCompactJson instead of a QJsonObject tree. Returns false, with @p
     * out untouched, for anything it is not sure to write as Qt would (invalid JSON, not an object, duplicate
     * or non-ASCII keys, nesting past 512): the caller then takes the Qt path.
     */
    static bool appendQtCompactObject(QByteArray &out, QByteArrayView json, bool dropEmptyKey);

private:
    /** Ends the previous member; true when a comma must come before the next one. */
    bool separate()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return false;
        }
        const std::uint64_t bit = std::uint64_t(1) << (m_depth & 63);
        const bool comma = m_depth > 0 && !(m_first & bit);
        m_first &= ~bit;
        return comma;
    }
    void open(char bracket)
    {
        const bool comma = separate();
        QByteArray::DataPointer &d = m_out.data_ptr();
        if (!d.needsDetach() && 3 <= d.freeSpaceAtEnd()) {
            char *p = d.data() + d.size;
            p[0] = ',';
            p[comma] = bracket;
            p[comma + 1] = '\0';
            d.size += 1 + comma;
        } else {
            const char token[] = { ',', bracket };
            appendBytes(m_out, token + !comma, 1 + comma);
        }
        ++m_depth;
        m_first |= std::uint64_t(1) << (m_depth & 63);
    }
    void close(char bracket)
    {
        --m_depth;
        appendBytes(m_out, &bracket, 1);
    }
    void keySlow(bool comma, QByteArrayView key);

    QByteArray &m_out;
    // One bit per open container: set while its first member is still to come. The builder nests 8 deep.
    std::uint64_t m_first = 0;
    int m_depth = 0;
    bool m_afterKey = false;
};

} // namespace Drawbridge
