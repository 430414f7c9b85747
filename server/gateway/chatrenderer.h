// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include "server/core/apierror.h"
#include "server/core/provider.h"

namespace Drawbridge {

class HttpResponder;

/**
 * @brief Turns provider events into one front end's wire format (OpenAI or Anthropic, streaming or not).
 *
 * The ChatExchange drives it; the renderer writes to the HttpResponder it was given.
 */
class ChatRenderer
{
public:
    virtual ~ChatRenderer() = default;
    /** Output is about to flow: streaming renderers send their headers and opening events here. */
    virtual void begin() = 0;
    virtual void text(const QString &delta) = 0;
    virtual void reasoning(const QString &delta) = 0;
    /** Ends the current reasoning block with the upstream's signature; dialects without one ignore it. */
    virtual void reasoningSignature(const QString &signature) { Q_UNUSED(signature) }
    /** Withheld reasoning (opaque base64); dialects without a place for it ignore it. */
    virtual void redactedReasoning(const QString &data) { Q_UNUSED(data) }
    virtual void toolCallStart(int index, const QString &id, const QString &name) = 0;
    virtual void toolCallArguments(int index, const QString &fragment) = 0;
    virtual void keepAlive() = 0;
    virtual void finish(FinishReason reason, const Usage &usage) = 0;
    /** A failure; when @p begun is false nothing was sent yet and a plain error response is possible. */
    virtual void fail(const ApiError &error, bool begun) = 0;
};

} // namespace Drawbridge
