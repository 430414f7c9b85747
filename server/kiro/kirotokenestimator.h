// SPDX-License-Identifier: MIT
#pragma once

#include <QStringView>

#include "server/core/chatrequest.h"

namespace Drawbridge {

/**
 * @brief Local token estimate for Kiro, which reports no token counts (protocol §3.9).
 *
 * kiro.rs's heuristic: Latin characters weigh 1 unit, other scripts 4; tokens = units / 4, inflated for
 * short texts where the per-message overhead dominates. Counting units separately lets callers sum pieces
 * of a stream cheaply and convert once.
 */
class KiroTokenEstimator final
{
public:
    static qint64 units(QStringView text);
    static int tokensFromUnits(qint64 units);
    static int estimate(QStringView text) { return tokensFromUnits(units(text)); }

    /**
     * The tool-use system prompt the model is given whenever a request declares tools, as Anthropic's own
     * count_tokens and input_tokens count it for Claude 4 models: 346 tokens with tool_choice auto or none,
     * 313 with any or a named tool. Both local estimates (the gateway's count_tokens and Kiro's fallback
     * prompt count) add it, from here, so they cannot drift apart; leaving it out counted too low for
     * clients that compact their context from these counts (docs/kiro.md#token-counts).
     */
    static constexpr int toolUseSystemPromptTokens = 346;
    static constexpr int forcedToolUseSystemPromptTokens = 313;
    /** The tool-use system prompt for @p choice: forcedToolUseSystemPromptTokens for a forced tool, else the
     * other. */
    static constexpr int toolUseSystemPrompt(ToolChoice choice)
    {
        return choice == ToolChoice::Required || choice == ToolChoice::Named ? forcedToolUseSystemPromptTokens
                                                                             : toolUseSystemPromptTokens;
    }
};

} // namespace Drawbridge
