// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include "server/core/chatrequest.h"
#include "server/core/provider.h"
#include "server/core/result.h"
#include "server/kiro/kirorequestbuilder.h"

namespace Drawbridge {

/** A built Kiro request and how many of the client's messages were left out to make it fit. */
struct KiroTrimmedRequest
{
    KiroRequest request;
    int trimmedMessages = 0;
};

/**
 * @brief Builds the Kiro body of a long conversation so that it fits: the oldest turns are dropped until the
 * body is within `kiro.max_request_bytes` and the prompt within the model's context window.
 *
 * Agent sessions grow until Kiro refuses them; without this, a client gets a 400 just when its session
 * matters most. What is dropped is whole turns, oldest first: a turn is a user message and everything that
 * answers it (assistant text, tool calls and their results), so tool uses and results always stay together
 * and the history still starts with a user message. System (and developer) messages are always kept, and so
 * is the newest turn. Works only through KiroRequestBuilder's public API; the number of turns to drop is
 * found by bisection, so a long history costs a few builds, not one per turn.
 */
class KiroHistoryTrimmer final
{
public:
    struct Options
    {
        bool enabled = true; ///< kiro.trim_history; off = an oversize request is refused as before
        qsizetype maxRequestBytes = 600'000; ///< kiro.max_request_bytes
        int contextWindowTokens = 0; ///< the model's window; 0 = no token check
        int reserveOutputTokens = 4096; ///< room left for the answer (max_tokens when the client set it)
    };

    /**
     * Builds @p request, trimmed when needed. Fails with ContextTooLong (in @p errorKind) when the request
     * does not fit and trimming is off or nothing is left to trim, and with whatever KiroRequestBuilder
     * reports for content Kiro cannot take.
     */
    static Result<KiroTrimmedRequest> build(const ChatRequest &request,
                                            const KiroRequestOptions &builderOptions, const Options &options,
                                            ProviderErrorKind *errorKind = nullptr);

    /** Index of the first message of each droppable turn, oldest first (system messages belong to none). */
    static std::vector<size_t> turnStarts(const ChatRequest &request);
};

} // namespace Drawbridge
