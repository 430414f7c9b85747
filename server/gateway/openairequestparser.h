// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <variant>

#include "server/core/apierror.h"
#include "server/core/chatrequest.h"

namespace Drawbridge {

struct OpenAiChatRequest
{
    ChatRequest request;
    bool includeUsage = false; ///< stream_options.include_usage
};

/**
 * @brief Validates an OpenAI `/v1/chat/completions` body and converts it to a ChatRequest.
 *
 * Every field that is read is checked; failures name the field in `param` the way OpenAI does
 * (e.g. `messages[2].content`). The model id is not resolved here.
 */
class OpenAiRequestParser final
{
public:
    static std::variant<OpenAiChatRequest, ApiError> parse(const QByteArray &body);
};

} // namespace Drawbridge
