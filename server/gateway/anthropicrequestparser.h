// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <variant>

#include "server/core/apierror.h"
#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief Validates an Anthropic `/v1/messages` body and converts it to a ChatRequest.
 *
 * Errors name the offending field the way Anthropic does (`messages.1.content.0.tool_use_id: …`), in `param`
 * too. A user message holding tool_result blocks becomes one Role::Tool message per result, followed by a
 * User message for its remaining text and images. Assistant thinking blocks are dropped (the upstream takes
 * no reasoning history); `thinking` never fails a request. The model id is not resolved here.
 */
class AnthropicRequestParser final
{
public:
    enum class Mode {
        Messages, ///< POST /v1/messages: max_tokens is required
        CountTokens, ///< POST /v1/messages/count_tokens: max_tokens is not part of the body
    };

    static std::variant<ChatRequest, ApiError> parse(const QByteArray &body, Mode mode = Mode::Messages);
};

} // namespace Drawbridge
