// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <vector>

namespace Drawbridge {

/** One header of an AWS event-stream message (protocol §3.3). */
struct EventStreamHeader
{
    enum class Type : quint8 {
        BoolTrue = 0,
        BoolFalse = 1,
        Byte = 2,
        Short = 3,
        Int = 4,
        Long = 5,
        ByteArray = 6,
        String = 7,
        Timestamp = 8, ///< milliseconds since the epoch
        Uuid = 9, ///< 16 raw bytes in `bytes`
    };

    QByteArray name;
    Type type = Type::String;
    qint64 integer = 0; ///< Byte, Short, Int, Long, Timestamp
    QByteArray bytes; ///< ByteArray, String, Uuid

    static EventStreamHeader string(const QByteArray &name, const QByteArray &value)
    {
        return { name, Type::String, 0, value };
    }
};

/**
 * @brief A decoded event-stream message.
 *
 * Only the headers Kiro uses are lifted out; they are plain bytes because they are ASCII identifiers
 * compared against literals, so converting them to QString would be wasted work on every frame.
 */
struct EventStreamFrame
{
    QByteArray messageType; ///< ":message-type": event, exception or error
    QByteArray eventType; ///< ":event-type"
    QByteArray exceptionType; ///< ":exception-type"
    QByteArray contentType; ///< ":content-type"
    QByteArray errorCode; ///< ":error-code" (message type "error")
    QByteArray errorMessage; ///< ":error-message" (message type "error")
    QByteArray payload;
    std::vector<EventStreamHeader> headers; ///< every header, only when the decoder keeps them
};

} // namespace Drawbridge
