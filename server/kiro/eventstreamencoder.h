// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

#include "server/kiro/eventstreamframe.h"

namespace Drawbridge {

/** Builds AWS event-stream messages with correct CRCs; used by the fake upstreams and by tests. */
class EventStreamEncoder final
{
public:
    static QByteArray encode(const std::vector<EventStreamHeader> &headers, QByteArrayView payload);
    /** An `event` message with JSON content type, as Kiro sends them. */
    static QByteArray event(QByteArrayView eventType, QByteArrayView payload);
    /** An `exception` message; @p exceptionType is e.g. "ContentLengthExceededException" or "error". */
    static QByteArray exception(QByteArrayView exceptionType, QByteArrayView payload);
    /** An `error` message carrying :error-code and :error-message and no payload. */
    static QByteArray error(QByteArrayView errorCode, QByteArrayView errorMessage);
};

} // namespace Drawbridge
