// SPDX-License-Identifier: MIT
#include "httpheaders.h"

#include "httpsyntax.h"
#include "server/core/jsonescape.h"

namespace Drawbridge {

namespace {

QByteArrayView trimmedOws(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

} // namespace

HttpHeaders::Field HttpHeaders::at(qsizetype index) const
{
    const Span &s = m_spans.at(index);
    const char *base = m_block.constData();
    return { QByteArrayView(base + s.nameOffset, s.nameSize),
             QByteArrayView(base + s.valueOffset, s.valueSize) };
}

bool HttpHeaders::nameEquals(QByteArrayView a, QByteArrayView b)
{
    return HttpSyntax::equalsIgnoreCase(a, b);
}

QByteArrayView HttpHeaders::value(QByteArrayView name) const
{
    for (qsizetype i = 0; i < m_spans.size(); ++i) {
        const Field f = at(i);
        if (nameEquals(f.name, name))
            return f.value;
    }
    return {};
}

bool HttpHeaders::contains(QByteArrayView name) const
{
    for (qsizetype i = 0; i < m_spans.size(); ++i) {
        if (nameEquals(at(i).name, name))
            return true;
    }
    return false;
}

bool HttpHeaders::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (qsizetype i = 0; i < m_spans.size(); ++i) {
        const Field f = at(i);
        if (!nameEquals(f.name, name))
            continue;
        QByteArrayView rest = f.value;
        while (!rest.isEmpty()) {
            const qsizetype comma = rest.indexOf(',');
            const QByteArrayView item = comma < 0 ? rest : rest.first(comma);
            if (nameEquals(trimmedOws(item), token))
                return true;
            if (comma < 0)
                break;
            rest = rest.sliced(comma + 1);
        }
    }
    return false;
}

void HttpHeaders::append(QByteArrayView name, QByteArrayView value)
{
    const qsizetype nameOffset = m_block.size();
    appendBytes(m_block, name.data(), name.size());
    const qsizetype valueOffset = m_block.size();
    appendBytes(m_block, value.data(), value.size());
    m_spans.append(Span { nameOffset, name.size(), valueOffset, value.size() });
}

void HttpHeaders::reserve(qsizetype fields, qsizetype bytes)
{
    m_block.reserve(m_block.size() + bytes);
    m_spans.reserve(m_spans.size() + fields);
}

} // namespace Drawbridge
