// SPDX-License-Identifier: MIT
#include "eventstreamdecoder.h"

#include <QtEndian>

#include <array>
#include <cstring>

#include "server/kiro/crc32.h"

namespace Drawbridge {

namespace {

quint32 readU32(const char *p)
{
    return qFromBigEndian<quint32>(p);
}

/** Equality with a literal whose size the compiler knows, so the comparison is inlined. */
bool same(QByteArrayView a, QByteArrayView literal)
{
    return a.size() == literal.size() && std::memcmp(a.data(), literal.data(), size_t(literal.size())) == 0;
}

/**
 * Sets @p field to the header @p value (absent: a null view), as a QByteArray over static storage when it is
 * one of @p known: a frame whose headers are all known costs no allocation for them. Anything else is
 * copied. Inlined: most frames set three fields and leave three absent.
 */
template<size_t N>
inline void setHeader(QByteArray &field, QByteArrayView value, const std::array<QByteArrayView, N> &known)
{
    if (value.isNull()) {
        if (!field.isNull())
            field = QByteArray();
        return;
    }
    for (const QByteArrayView k : known) {
        if (same(value, k)) {
            field = QByteArray::fromRawData(k.data(), k.size());
            return;
        }
    }
    field = value.toByteArray();
}

inline void setHeader(QByteArray &field, QByteArrayView value)
{
    setHeader(field, value, std::array<QByteArrayView, 0> {});
}

constexpr std::array<QByteArrayView, 3> messageTypes { "event", "exception", "error" };
constexpr std::array<QByteArrayView, 1> contentTypes { "application/json" };
// Most frequent first.
constexpr std::array<QByteArrayView, 13> eventTypes {
    "assistantResponseEvent", "toolUseEvent",
    "reasoningContentEvent",  "meteringEvent",
    "contextUsageEvent",      "metadataEvent",
    "messageMetadataEvent",   "followupPromptEvent",
    "codeReferenceEvent",     "supplementaryWebLinksEvent",
    "citationEvent",          "invalidStateEvent",
    "intentsEvent",
};

} // namespace

EventStreamDecoder::EventStreamDecoder(qsizetype maxFrameBytes) : m_maxFrameBytes(maxFrameBytes) { }

void EventStreamDecoder::reset()
{
    m_buffer.clear();
    m_pos = 0;
    m_preludeChecked = false;
    m_borrowed = false;
    m_error.clear();
}

void EventStreamDecoder::adoptBorrowedTail()
{
    if (!m_borrowed)
        return;
    m_borrowed = false;
    // A deep copy: the borrowed memory belongs to the network layer, which reuses it for the next read.
    if (m_pos >= m_buffer.size())
        m_buffer = QByteArray();
    else
        m_buffer = QByteArray(m_buffer.constData() + m_pos, m_buffer.size() - m_pos);
    m_pos = 0;
}

void EventStreamDecoder::compact()
{
    if (m_pos == 0)
        return;
    if (m_pos >= m_buffer.size())
        m_buffer.clear();
    else
        m_buffer.remove(0, m_pos);
    m_pos = 0;
}

void EventStreamDecoder::feed(const char *data, qsizetype size)
{
    if (hasError() || size <= 0)
        return;
    adoptBorrowedTail();
    compact();
    m_buffer.append(data, size);
    // Reject an impossible length as soon as the prelude is in, instead of buffering up to it.
    checkPrelude();
}

void EventStreamDecoder::feed(const QByteArray &chunk)
{
    if (hasError() || chunk.isEmpty())
        return;
    adoptBorrowedTail();
    if (m_pos >= m_buffer.size()) {
        m_buffer = chunk;
        m_pos = 0;
        m_borrowed = true;
    } else {
        // A frame is already split across reads: this chunk joins the owned copy of its beginning.
        compact();
        m_buffer.append(chunk.constData(), chunk.size());
    }
    checkPrelude();
}

void EventStreamDecoder::fail(const QString &message)
{
    m_error = message;
    m_buffer = QByteArray();
    m_pos = 0;
    m_borrowed = false;
}

bool EventStreamDecoder::checkPrelude()
{
    if (hasError())
        return false;
    if (m_preludeChecked)
        return true;
    if (bufferedBytes() < preludeBytes)
        return false;
    const char *p = m_buffer.constData() + m_pos;
    const quint32 total = readU32(p);
    const quint32 headersLength = readU32(p + 4);
    if (Crc32::compute(p, 8) != readU32(p + 8)) {
        fail(QStringLiteral("event stream: prelude CRC mismatch"));
        return false;
    }
    if (total < quint32(minFrameBytes) || qint64(total) > qint64(m_maxFrameBytes)) {
        fail(QStringLiteral("event stream: invalid frame length %1").arg(total));
        return false;
    }
    if (headersLength > total - quint32(minFrameBytes)) {
        fail(QStringLiteral("event stream: headers length %1 exceeds frame length %2")
                 .arg(headersLength)
                 .arg(total));
        return false;
    }
    m_preludeChecked = true;
    return true;
}

std::optional<EventStreamFrame> EventStreamDecoder::next()
{
    EventStreamFrame frame;
    if (!next(frame))
        return std::nullopt;
    return frame;
}

bool EventStreamDecoder::next(EventStreamFrame &frame)
{
    if (!checkPrelude()) {
        adoptBorrowedTail();
        return false;
    }
    const char *p = m_buffer.constData() + m_pos;
    const qsizetype total = qsizetype(readU32(p));
    if (bufferedBytes() < total) {
        adoptBorrowedTail();
        return false;
    }
    const qsizetype headersLength = qsizetype(readU32(p + 4));
    if (Crc32::compute(p, total - 4) != readU32(p + total - 4)) {
        fail(QStringLiteral("event stream: message CRC mismatch"));
        return false;
    }

    frame.headers.clear();
    KnownHeaders known;
    if (!parseHeaders(p + preludeBytes, headersLength, known, frame))
        return false;
    setHeader(frame.messageType, known.messageType, messageTypes);
    setHeader(frame.eventType, known.eventType, eventTypes);
    setHeader(frame.exceptionType, known.exceptionType);
    setHeader(frame.contentType, known.contentType, contentTypes);
    setHeader(frame.errorCode, known.errorCode);
    setHeader(frame.errorMessage, known.errorMessage);
    const qsizetype payloadOffset = preludeBytes + headersLength;
    const qsizetype payloadSize = total - payloadOffset - 4;
    // resize() keeps the capacity of a payload nobody else holds, so a reused frame costs no allocation.
    frame.payload.resize(payloadSize);
    if (payloadSize > 0)
        std::memcpy(frame.payload.data(), p + payloadOffset, size_t(payloadSize));

    m_pos += total;
    m_preludeChecked = false;
    if (m_pos >= m_buffer.size()) {
        // Drop our reference at once so a shared network chunk can be freed or reused.
        m_buffer = QByteArray();
        m_pos = 0;
        m_borrowed = false;
    }
    return true;
}

bool EventStreamDecoder::parseHeaders(const char *p, qsizetype size, KnownHeaders &known,
                                      EventStreamFrame &frame)
{
    using Type = EventStreamHeader::Type;
    qsizetype i = 0;
    const auto need = [&](qsizetype n) { return size - i >= n; };
    while (i < size) {
        const auto nameLength = qsizetype(quint8(p[i++]));
        if (nameLength == 0 || !need(nameLength + 1)) {
            fail(QStringLiteral("event stream: malformed header name"));
            return false;
        }
        const QByteArrayView name(p + i, nameLength);
        i += nameLength;
        const auto type = quint8(p[i++]);
        EventStreamHeader header;
        header.type = Type(type);
        qsizetype fixed = -1;
        switch (Type(type)) {
        case Type::BoolTrue:
            header.integer = 1;
            fixed = 0;
            break;
        case Type::BoolFalse:
            fixed = 0;
            break;
        case Type::Byte:
            fixed = 1;
            break;
        case Type::Short:
            fixed = 2;
            break;
        case Type::Int:
            fixed = 4;
            break;
        case Type::Long:
        case Type::Timestamp:
            fixed = 8;
            break;
        case Type::Uuid:
            fixed = 16;
            break;
        case Type::ByteArray:
        case Type::String: {
            if (!need(2)) {
                fail(QStringLiteral("event stream: truncated header value"));
                return false;
            }
            const auto length = qsizetype(qFromBigEndian<quint16>(p + i));
            i += 2;
            if (!need(length)) {
                fail(QStringLiteral("event stream: truncated header value"));
                return false;
            }
            const QByteArrayView value(p + i, length);
            i += length;
            if (type == quint8(Type::String) && name.startsWith(':')) {
                // The size picks the one or two names to compare with; a later header of a name wins.
                switch (name.size()) {
                case 11:
                    if (same(name, ":event-type"))
                        known.eventType = value;
                    else if (same(name, ":error-code"))
                        known.errorCode = value;
                    break;
                case 13:
                    if (same(name, ":message-type"))
                        known.messageType = value;
                    else if (same(name, ":content-type"))
                        known.contentType = value;
                    break;
                case 14:
                    if (same(name, ":error-message"))
                        known.errorMessage = value;
                    break;
                case 15:
                    if (same(name, ":exception-type"))
                        known.exceptionType = value;
                    break;
                default:
                    break;
                }
            }
            if (m_keepAllHeaders)
                header.bytes = value.toByteArray();
            break;
        }
        default:
            fail(QStringLiteral("event stream: unknown header value type %1").arg(type));
            return false;
        }
        if (fixed > 0) {
            if (!need(fixed)) {
                fail(QStringLiteral("event stream: truncated header value"));
                return false;
            }
            switch (fixed) {
            case 1:
                header.integer = qint8(p[i]);
                break;
            case 2:
                header.integer = qFromBigEndian<qint16>(p + i);
                break;
            case 4:
                header.integer = qFromBigEndian<qint32>(p + i);
                break;
            case 8:
                header.integer = qFromBigEndian<qint64>(p + i);
                break;
            default:
                if (m_keepAllHeaders)
                    header.bytes = QByteArray(p + i, fixed);
                break;
            }
            i += fixed;
        }
        if (m_keepAllHeaders) {
            header.name = name.toByteArray();
            frame.headers.push_back(std::move(header));
        }
    }
    return true;
}

} // namespace Drawbridge
