// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Drawbridge {

/**
 * @brief An ordered list of HTTP header fields with case-insensitive lookup.
 *
 * All names and values live in one byte block, so a parsed response costs two allocations however many
 * fields it has, and copies share that block. Views returned by the accessors stay valid while this object
 * (or a copy of it) is alive and unmodified.
 */
class HttpHeaders
{
public:
    struct Field
    {
        QByteArrayView name;
        QByteArrayView value;
    };

    HttpHeaders() = default;

    qsizetype size() const { return m_spans.size(); }
    bool isEmpty() const { return m_spans.isEmpty(); }
    Field at(qsizetype index) const;

    /** The first value of @p name, compared case-insensitively; a null view when absent. */
    QByteArrayView value(QByteArrayView name) const;
    bool contains(QByteArrayView name) const;
    /**
     * Whether any @p name field carries @p token in its comma-separated list, case-insensitively
     * (e.g. "Connection: keep-alive, close" has "close").
     */
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    void append(QByteArrayView name, QByteArrayView value);
    /** Room for @p fields more fields of @p bytes in all, so building a request's headers allocates once. */
    void reserve(qsizetype fields, qsizetype bytes);
    /** Bytes held by names and values, a measure for size bounds. */
    qsizetype byteSize() const { return m_block.size(); }

    /** Case-insensitive ASCII comparison, as header names need. */
    static bool nameEquals(QByteArrayView a, QByteArrayView b);

private:
    friend class HttpResponseParser;

    struct Span
    {
        qsizetype nameOffset;
        qsizetype nameSize;
        qsizetype valueOffset;
        qsizetype valueSize;
    };

    QByteArray m_block;
    QList<Span> m_spans;
};

} // namespace Drawbridge
