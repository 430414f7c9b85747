// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <memory>

#include "chatrequest.h"
#include "poolstatus.h"

namespace Drawbridge {

enum class FinishReason { Stop, Length, ToolCalls, ContentFilter };

struct Usage
{
    /** Every input token, cached ones included (OpenAI `prompt_tokens`; docs/kiro.md#the-event-stream). */
    int promptTokens = 0;
    int completionTokens = 0;
    /** The part of promptTokens read from the upstream's prompt cache (OpenAI `cached_tokens`). */
    int cacheReadTokens = 0;
    /** The part of promptTokens written to the prompt cache (Anthropic `cache_creation_input_tokens`). */
    int cacheWriteTokens = 0;
    bool tokensEstimated = true; ///< false when the upstream reported exact counts
    double credits = 0.0; ///< exact, from the upstream's metering
    bool hasCredits = false;
};

/** Closed set of failures a provider reports; mapped to HTTP once, per front end. */
enum class ProviderErrorKind {
    InvalidRequest, ///< 400: the upstream says the request is malformed; never retried
    ContextTooLong, ///< 400 context_length_exceeded
    ModelUnavailable, ///< 400/404: no account can serve this model
    PoolBusy, ///< 429 pool_busy: no slot freed within the queue timeout
    NoUpstream, ///< 503 no_upstream_available: no usable account
    Draining, ///< 503 draining
    UpstreamError, ///< 502: upstream failed (after failover budget)
    UpstreamTimeout, ///< 504
    Internal, ///< 500
};

struct ProviderError
{
    ProviderErrorKind kind = ProviderErrorKind::Internal;
    QString message; ///< human readable; may quote what the upstream said
    int retryAfterS = 0; ///< > 0 when known (cooldowns, queue)
};

struct ProviderStartInfo
{
    QString accountId; ///< the upstream account that serves the request
    int trimmedMessages = 0; ///< the client's oldest messages left out so the conversation fits upstream
};

/**
 * @brief Receives the result of one provider call as events, in order.
 *
 * Exactly one terminal callback (onFinish or onError) ends every call, unless the call was destroyed first.
 * Callbacks are never invoked synchronously from Provider::start(), and never after the ProviderCall is
 * destroyed. onError may follow output events (a mid-stream failure); front ends then end the stream with an
 * error.
 */
class ProviderSink
{
public:
    virtual ~ProviderSink() = default;
    /** The upstream accepted the request and output is about to flow (the failover point has passed). */
    virtual void onStart(const ProviderStartInfo &info) = 0;
    virtual void onTextDelta(const QString &text) = 0;
    virtual void onReasoningDelta(const QString &text) = 0;
    /**
     * The upstream's signature of the reasoning delivered since the last signature (Anthropic `thinking`
     * block `signature`); it ends that reasoning block. Sinks that cannot carry it ignore it.
     */
    virtual void onReasoningSignature(const QString &signature) { Q_UNUSED(signature) }
    /** Reasoning the upstream withheld, as its opaque base64 blob (Anthropic `redacted_thinking` `data`). */
    virtual void onRedactedReasoning(const QString &data) { Q_UNUSED(data) }
    /** A new tool call; index counts from 0 in order of appearance. */
    virtual void onToolCallStart(int index, const QString &id, const QString &name) = 0;
    virtual void onToolCallArgumentsDelta(int index, const QString &fragment) = 0;
    virtual void onUsage(const Usage &usage) = 0;
    /** Nothing to say yet; a long upstream silence. Front ends may send a keep-alive. */
    virtual void onKeepAlive() = 0;
    virtual void onFinish(FinishReason reason) = 0;
    virtual void onError(const ProviderError &error) = 0;
};

/** Handle of a running call. Destroying it cancels the upstream request and releases every resource. */
class ProviderCall
{
public:
    virtual ~ProviderCall() = default;
};

class Provider
{
public:
    virtual ~Provider() = default;
    /**
     * Starts serving @p request; @p sink must outlive the returned call. The provider reads the request
     * during this call and keeps only what it made of it (an upstream body), never the request itself: a
     * streamed answer can run for minutes, and the client's texts (hundreds of KiB for an agent) need not
     * live that long, while the gateway shares the request with whoever still needs it (issue 18).
     */
    virtual std::unique_ptr<ProviderCall> start(const ChatRequest &request, ProviderSink *sink) = 0;
    virtual PoolStatus poolStatus() const = 0;
};

} // namespace Drawbridge
