// SPDX-License-Identifier: MIT
#pragma once

#include <QStringView>

#include "server/core/chatrequest.h"
#include "server/core/tooluseprompt.h"

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

    /** The tool-use system prompt (server/core/tooluseprompt.h, shared with the gateway's count_tokens). */
    static constexpr int toolUseSystemPromptTokens = ToolUsePrompt::tokens;
    static constexpr int forcedToolUseSystemPromptTokens = ToolUsePrompt::forcedTokens;
    static constexpr int toolUseSystemPrompt(ToolChoice choice) { return ToolUsePrompt::tokensFor(choice); }
};

} // namespace Drawbridge
