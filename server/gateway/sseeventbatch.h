// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include "httpresponder.h"

namespace Drawbridge {

/**
 * @brief The SSE events a streaming renderer makes in one provider callback, written as one chunk.
 *
 * One callback often makes several events (a block's stop, the next block's start and its first delta; the
 * opening events with the head; the closing ones with the terminator). One chunk means one write, one TCP
 * segment and one wake-up of the client instead of up to four. The renderer appends events to bytes(); a
 * Scope flushes them when the callback returns, begin() and end() send them with the head or the terminator.
 */
class SseEventBatch final
{
public:
    /** Flushes the batch when the callback that declared it returns. */
    class Scope final
    {
    public:
        Scope(SseEventBatch &batch, HttpResponder &responder) : m_batch(batch), m_responder(responder) { }
        ~Scope() { m_batch.flush(m_responder); }
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        SseEventBatch &m_batch;
        HttpResponder &m_responder;
    };

    QByteArray &bytes() { return m_bytes; }

    /** Writes what is queued as one chunk. */
    void flush(HttpResponder &responder)
    {
        if (m_bytes.isEmpty())
            return;
        responder.writeChunk(m_bytes);
        m_bytes.resize(0); // keeps the buffer for the next callback
    }

    /** Starts the stream with what is queued as its first chunk, in the head's write. */
    void begin(HttpResponder &responder, int status, const QByteArray &contentType,
               const ResponseHeaders &headers)
    {
        responder.beginStream(status, contentType, headers, m_bytes);
        m_bytes.resize(0);
    }

    /** Ends the stream with what is queued as its last chunk, in the terminator's write. */
    void end(HttpResponder &responder)
    {
        responder.endStream(m_bytes);
        m_bytes.resize(0);
    }

private:
    QByteArray m_bytes;
};

} // namespace Drawbridge
