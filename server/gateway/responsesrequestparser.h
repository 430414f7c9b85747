// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringList>

#include <variant>

#include "server/core/apierror.h"
#include "server/core/chatrequest.h"

namespace Drawbridge {

/** A validated `/v1/responses` body: the provider-neutral request plus what the Response object repeats. */
struct ResponsesRequest
{
    ChatRequest request;
    /**
     * The request fields a Response object echoes (`instructions`, `tools`, `tool_choice`, `reasoning`, …),
     * as JSON object members ending in a comma, so the renderer splices them in without re-serializing.
     */
    QByteArray echo;
    /** Tools and input items left out because the upstream cannot serve them ("web_search (tool)"). */
    QStringList ignored;
};

/**
 * @brief Validates an OpenAI Responses API body (`POST /v1/responses`) and converts it to a ChatRequest.
 *
 * `input` is a string or a list of items: messages (user, assistant, system, developer), `function_call` and
 * `function_call_output` items; `reasoning` items are dropped (the upstream takes no reasoning history).
 * `instructions` becomes the first system message. Consecutive function calls join the assistant turn before
 * them. Only `function` tools reach the upstream; hosted tools (web search, file search, …) are left out and
 * reported in `ignored` instead of refused, so agents that always declare them still work.
 *
 * The gateway keeps no state: `previous_response_id`, `conversation`, `background` and `prompt` are refused
 * with 400 `unsupported_parameter`; `store` is ignored. Failures name the field in `param` the way OpenAI
 * does
 * (`input[2].content[0].type`). The model id is not resolved here.
 */
class ResponsesRequestParser final
{
public:
    static std::variant<ResponsesRequest, ApiError> parse(const QByteArray &body);
};

} // namespace Drawbridge
