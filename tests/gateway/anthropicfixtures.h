// SPDX-License-Identifier: MIT
#pragma once

// Request bodies for the Anthropic tests. They live in a header because moc 6.4 can lose a test class whose
// .cpp holds some raw string literals.

#include <QByteArray>

namespace Drawbridge::Test::AnthropicFixtures {

inline const QByteArray simpleMessage
    = R"({"model":"claude-sonnet-4-5-20250929","max_tokens":256,"messages":[{"role":"user","content":"hi"}]})";

inline const QByteArray streamingMessage
    = R"({"model":"claude-sonnet-4-5-20250929","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

inline const QByteArray toolsRequestStreaming = R"({"model":"claude-opus-4-7","max_tokens":1024,"stream":true,
"tools":[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
{"name":"get_time","input_schema":{"type":"object","properties":{}}}],
"messages":[{"role":"user","content":"Weather and time in Paris?"}]})";

inline const QByteArray toolsRequest = R"({"model":"claude-opus-4-7","max_tokens":1024,
"tools":[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
{"name":"get_time","input_schema":{"type":"object","properties":{}}}],
"messages":[{"role":"user","content":"Weather and time in Paris?"}]})";

inline const QByteArray thinkingRequest = R"({"model":"claude-sonnet-4-5","max_tokens":4096,"stream":true,
"thinking":{"type":"enabled","budget_tokens":2048},
"messages":[{"role":"user","content":"Why is the sky blue?"}]})";

inline const QByteArray thinkingRequestAggregated = R"({"model":"claude-sonnet-4-5","max_tokens":4096,
"thinking":{"type":"enabled","budget_tokens":2048},
"messages":[{"role":"user","content":"Why is the sky blue?"}]})";

/** The second turn of a tool conversation as Claude Code sends it. */
inline const QByteArray multiTurnToolRequest
    = R"({"model":"claude-sonnet-4-5-20250929","max_tokens":8192,"stream":true,
"system":[{"type":"text","text":"You are a coding agent."},{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
"tools":[{"name":"read_file","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}},
{"name":"run","description":"Runs a command","input_schema":{"type":"object","properties":{"cmd":{"type":"string"}}}}],
"tool_choice":{"type":"auto"},
"metadata":{"user_id":"user-1"},
"messages":[
{"role":"user","content":[{"type":"text","text":"Read a.txt and run ls"}]},
{"role":"assistant","content":[{"type":"thinking","thinking":"plan","signature":"sig"},{"type":"text","text":"Sure."},
{"type":"tool_use","id":"toolu_01","name":"read_file","input":{"path":"a.txt"}},
{"type":"tool_use","id":"toolu_02","name":"run","input":{"cmd":"ls"}}]},
{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"alpha"},
{"type":"tool_result","tool_use_id":"toolu_02","is_error":true,"content":[{"type":"text","text":"ls: denied"},{"type":"text","text":"exit 2"}]},
{"type":"text","text":"Now summarize."}]}]})";

inline const QByteArray countTokensCjk
    = R"({"model":"claude-haiku-4-5","messages":[{"role":"user","content":"你好世界"}]})";

inline const QByteArray countTokensLatin
    = R"({"model":"claude-haiku-4-5","system":"abcd","messages":[{"role":"user","content":"abcdefgh"}]})";

inline const QByteArray countTokensWithImage
    = R"({"model":"kiro","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"aGVsbG8="}}]}]})";

} // namespace Drawbridge::Test::AnthropicFixtures
