// SPDX-License-Identifier: MIT
#pragma once

#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief The tool-use system prompt the model is given whenever a request declares tools, in tokens.
 *
 * Anthropic's own count_tokens and input_tokens count it for Claude 4 models: 346 tokens with tool_choice
 * auto or none, 313 with any or a named tool. Both local estimates, the gateway's count_tokens
 * (AnthropicTokenCounter) and Kiro's fallback prompt count (KiroTokenEstimator), add it from here, a layer
 * both may use, so they cannot drift apart; leaving it out counted too low for clients that compact their
 * context from these counts (docs/kiro.md#token-counts).
 */
struct ToolUsePrompt
{
    static constexpr int tokens = 346;
    static constexpr int forcedTokens = 313;

    /** forcedTokens for a forced tool (any, or a named one), else tokens. */
    static constexpr int tokensFor(ToolChoice choice)
    {
        return choice == ToolChoice::Required || choice == ToolChoice::Named ? forcedTokens : tokens;
    }
};

} // namespace Drawbridge
