// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "provider.h"

namespace Drawbridge {

/** Outcome of one API request: what the usage ledger, metrics and the GUI log record. */
struct RequestRecord
{
    qint64 startedMs = 0; ///< wall clock, ms since epoch
    QString keyId;
    QString accountId;
    QString model; ///< as the client sent it
    QString endpoint; ///< "chat" or "messages"
    int httpStatus = 0;
    /** success | error | rate_limited | client_closed | upstream_error | … (the metrics `status` label) */
    QString status;
    QString errorMessage;
    Usage usage;
    qint64 latencyMs = 0;
    qint64 ttftMs = -1; ///< -1 when no output was produced
    bool stream = false;
    double overheadSeconds = 0; ///< gateway's own processing, upstream wait excluded
    double upstreamSeconds = 0;
};

/** Receives every finished request (ledger, metrics, GUI log). Called on the gateway thread; must not block.
 */
class RequestObserver
{
public:
    virtual ~RequestObserver() = default;
    virtual void requestFinished(const RequestRecord &record) = 0;
};

} // namespace Drawbridge
