// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
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
    /**
     * units(QString::fromUtf8(utf8)) for valid UTF-8 (a text as the client sent it), counted on the bytes
     * without the UTF-16 copy. For any bytes it is the sum over the bytes that are not continuations (80-BF)
     * of 1, 3 more for a lead from CA or C9 followed by 90 or more, and 4 more for a lead from F0.
     */
    static qint64 unitsUtf8(QByteArrayView utf8);
    static int tokensFromUnits(qint64 units);
    static int estimate(QStringView text) { return tokensFromUnits(units(text)); }

    /** The tool-use system prompt (server/core/tooluseprompt.h, shared with the gateway's count_tokens). */
    static constexpr int toolUseSystemPromptTokens = ToolUsePrompt::tokens;
    static constexpr int forcedToolUseSystemPromptTokens = ToolUsePrompt::forcedTokens;
    static constexpr int toolUseSystemPrompt(ToolChoice choice) { return ToolUsePrompt::tokensFor(choice); }
};

namespace detail {
/**
 * KiroTokenEstimator::unitsUtf8()'s two loops, which it chooses between once per process (useAvx2()): the
 * baseline one (SSE2, scalar off x86) and the AVX2 one, which only a CPU with cpuSupportsAvx2() may run. For
 * the differential tests.
 */
qint64 unitsUtf8Baseline(QByteArrayView utf8);
qint64 unitsUtf8Avx2(QByteArrayView utf8);
} // namespace detail

} // namespace Drawbridge
