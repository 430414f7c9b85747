// SPDX-License-Identifier: MIT
#include "eventstreamencoder.h"

#include <QtEndian>

#include "server/kiro/crc32.h"

namespace Drawbridge {

namespace {

template<typename T> void appendBigEndian(QByteArray &out, T value)
{
    char bytes[sizeof(T)];
    qToBigEndian<T>(value, bytes);
    out.append(bytes, sizeof(T));
}

void appendHeader(QByteArray &out, const EventStreamHeader &header)
{
    using Type = EventStreamHeader::Type;
    out.append(char(quint8(header.name.size())));
    out.append(header.name);
    out.append(char(quint8(header.type)));
    switch (header.type) {
    case Type::BoolTrue:
    case Type::BoolFalse:
        break;
    case Type::Byte:
        out.append(char(qint8(header.integer)));
        break;
    case Type::Short:
        appendBigEndian<qint16>(out, qint16(header.integer));
        break;
    case Type::Int:
        appendBigEndian<qint32>(out, qint32(header.integer));
        break;
    case Type::Long:
    case Type::Timestamp:
        appendBigEndian<qint64>(out, header.integer);
        break;
    case Type::ByteArray:
    case Type::String:
        appendBigEndian<quint16>(out, quint16(header.bytes.size()));
        out.append(header.bytes);
        break;
    case Type::Uuid:
        out.append(header.bytes.left(16).leftJustified(16, '\0'));
        break;
    }
}

} // namespace

QByteArray EventStreamEncoder::encode(const std::vector<EventStreamHeader> &headers, QByteArrayView payload)
{
    QByteArray headerBytes;
    for (const auto &header : headers)
        appendHeader(headerBytes, header);

    const auto total = quint32(12 + headerBytes.size() + payload.size() + 4);
    QByteArray out;
    out.reserve(total);
    appendBigEndian<quint32>(out, total);
    appendBigEndian<quint32>(out, quint32(headerBytes.size()));
    appendBigEndian<quint32>(out, Crc32::compute(out.constData(), 8));
    out.append(headerBytes);
    out.append(payload.data(), payload.size());
    appendBigEndian<quint32>(out, Crc32::compute(out.constData(), out.size()));
    return out;
}

QByteArray EventStreamEncoder::event(QByteArrayView eventType, QByteArrayView payload)
{
    return encode(
        { EventStreamHeader::string(QByteArrayLiteral(":event-type"), eventType.toByteArray()),
          EventStreamHeader::string(QByteArrayLiteral(":content-type"),
                                    QByteArrayLiteral("application/json")),
          EventStreamHeader::string(QByteArrayLiteral(":message-type"), QByteArrayLiteral("event")) },
        payload);
}

QByteArray EventStreamEncoder::exception(QByteArrayView exceptionType, QByteArrayView payload)
{
    return encode(
        { EventStreamHeader::string(QByteArrayLiteral(":exception-type"), exceptionType.toByteArray()),
          EventStreamHeader::string(QByteArrayLiteral(":content-type"),
                                    QByteArrayLiteral("application/json")),
          EventStreamHeader::string(QByteArrayLiteral(":message-type"), QByteArrayLiteral("exception")) },
        payload);
}

QByteArray EventStreamEncoder::error(QByteArrayView errorCode, QByteArrayView errorMessage)
{
    return encode(
        { EventStreamHeader::string(QByteArrayLiteral(":error-code"), errorCode.toByteArray()),
          EventStreamHeader::string(QByteArrayLiteral(":error-message"), errorMessage.toByteArray()),
          EventStreamHeader::string(QByteArrayLiteral(":message-type"), QByteArrayLiteral("error")) },
        {});
}

} // namespace Drawbridge
