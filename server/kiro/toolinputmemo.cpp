// SPDX-License-Identifier: MIT
#include "toolinputmemo.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "server/kiro/jsonwriter.h"

namespace Drawbridge {

namespace {

// A QHash node and the two array headers, roughly: small inputs must count against the byte bound too.
constexpr qsizetype entryOverhead = 64;

} // namespace

ToolInputMemo::ToolInputMemo(qsizetype maxEntries, qsizetype maxBytes)
    : m_maxEntries(maxEntries), m_maxBytes(maxBytes)
{
}

QByteArray ToolInputMemo::input(const QString &arguments)
{
    if (const auto it = m_inputs.constFind(arguments); it != m_inputs.constEnd()) {
        ++m_hits;
        return it.value();
    }
    QByteArray input = convert(arguments);
    // What the entry holds: the key's array (shared with the request, kept alive by the memo) and the
    // value's whole capacity (the writer makes room ahead).
    const qsizetype size = arguments.capacity() * qsizetype(sizeof(QChar)) + input.capacity() + entryOverhead;
    // One large input must not empty the memo for the many small ones: a quarter of the bound at most.
    if (size > m_maxBytes / 4)
        return input;
    if (m_inputs.size() >= m_maxEntries || m_bytes + size > m_maxBytes) {
        m_inputs.clear();
        m_bytes = 0;
    }
    m_inputs.insert(arguments, input);
    m_bytes += size;
    return input;
}

QByteArray ToolInputMemo::convert(const QString &arguments)
{
    const QByteArray utf8 = arguments.toUtf8();
    QByteArray out;
    if (JsonWriter::appendQtCompactObject(out, utf8, true))
        return out;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8);
    QJsonObject input = doc.isObject() ? doc.object() : QJsonObject();
    input.remove(QString());
    return QJsonDocument(input).toJson(QJsonDocument::Compact);
}

} // namespace Drawbridge
