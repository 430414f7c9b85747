// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QStringView>

#include "server/core/chatrequest.h"
#include "server/core/tooluseprompt.h"

namespace Drawbridge {

/**
 * @brief Local input-token estimate for /v1/messages/count_tokens and the message_start usage.
 *
 * Kiro counts no tokens, so this is a heuristic: about four characters per token for Latin scripts, one token
 * per character for CJK (Han, kana, Hangul, full-width forms), two characters per token for other scripts,
 * plus small per-message and per-tool overheads, a flat cost per image, and the tool-use system prompt the
 * model is given whenever tools are declared (docs/kiro.md#token-counts).
 */
class AnthropicTokenCounter final
{
public:
    static constexpr int tokensPerImage = 1600;
    static constexpr int tokensPerMessage = 4;
    static constexpr int tokensPerTool = 8;
    /**
     * The tool-use system prompt added to a request that declares tools, as Anthropic's own count_tokens and
     * input_tokens count it for Claude 4 models: 346 tokens with tool_choice auto or none, 313 with any or a
     * named tool. Clients compact their context from these counts, so leaving it out counted too low. The
     * figures are core's ToolUsePrompt, which Kiro's fallback estimate adds too: one source for both.
     */
    static constexpr int toolUseSystemPromptTokens = ToolUsePrompt::tokens;
    static constexpr int forcedToolUseSystemPromptTokens = ToolUsePrompt::forcedTokens;

    /** The fixed overhead of @p request: its tool-use system prompt when it declares tools, else 0. */
    static int overhead(const ChatRequest &request);

    static int estimateText(QStringView text);
    /** estimateText(QString::fromUtf8(utf8)) for valid UTF-8, counted on the bytes without the conversion. */
    static int estimateUtf8(QByteArrayView utf8);
    static int estimate(const ChatRequest &request);
};

namespace detail {
/**
 * AnthropicTokenCounter::estimateUtf8()'s two loops, which it chooses between once per process (useAvx2()):
 * the baseline one (SSE2, scalar off x86) and the AVX2 one, which only a CPU with cpuSupportsAvx2() may run.
 * For the differential tests.
 */
int estimateUtf8Baseline(QByteArrayView utf8);
int estimateUtf8Avx2(QByteArrayView utf8);
} // namespace detail

} // namespace Drawbridge
