// SPDX-License-Identifier: MIT
#pragma once

// Table of Anthropic request bodies for tst_anthropicrequestparser (kept out of the .cpp because of moc 6.4).

namespace Drawbridge::Test::AnthropicParserCases {

struct InvalidCase
{
    const char *name;
    const char *body;
    const char *param; ///< expected ApiError::param ("" for JSON-level errors)
    const char *message; ///< expected to appear in the message
};

#define DB_MSGS R"("messages":[{"role":"user","content":"hi"}])"

inline const InvalidCase invalidCases[] = {
    { "not-json", "{nope", "", "not valid JSON" },
    { "array-body", "[]", "", "must be a JSON object" },
    { "no-model", R"({"max_tokens":1,)" DB_MSGS "}", "model", "model: Field required" },
    { "model-number", R"({"model":5,"max_tokens":1,)" DB_MSGS "}", "model",
      "model: Input should be a string, got a number" },
    { "model-empty", R"({"model":"","max_tokens":1,)" DB_MSGS "}", "model", "at least 1 character" },
    { "no-max-tokens", R"({"model":"kiro",)" DB_MSGS "}", "max_tokens", "max_tokens: Field required" },
    { "max-tokens-zero", R"({"model":"kiro","max_tokens":0,)" DB_MSGS "}", "max_tokens",
      "integer of at least 1" },
    { "max-tokens-fraction", R"({"model":"kiro","max_tokens":1.5,)" DB_MSGS "}", "max_tokens",
      "integer of at least 1" },
    { "max-tokens-string", R"({"model":"kiro","max_tokens":"9",)" DB_MSGS "}", "max_tokens", "got a string" },
    { "no-messages", R"({"model":"kiro","max_tokens":1})", "messages", "messages: Field required" },
    { "empty-messages", R"({"model":"kiro","max_tokens":1,"messages":[]})", "messages", "at least 1 item" },
    { "message-not-object", R"({"model":"kiro","max_tokens":1,"messages":["hi"]})", "messages.0",
      "an object" },
    { "system-role", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"system","content":"x"}]})",
      "messages.0.role", "'user' or 'assistant'" },
    { "no-content", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user"}]})", "messages.0.content",
      "Field required" },
    { "content-number", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":3}]})",
      "messages.0.content", "got a number" },
    { "content-empty-list", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[]}]})",
      "messages.0.content", "at least 1 item" },
    { "block-no-type",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"text":"x"}]}]})",
      "messages.0.content.0.type", "Field required" },
    { "block-document",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]})",
      "messages.0.content.0.type", "'document' is not supported" },
    { "text-block-no-text",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text"}]}]})",
      "messages.0.content.0.text", "Field required" },
    { "image-url",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]})",
      "messages.0.content.0.source.type", "send the image as base64" },
    { "image-media-type",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"aGk="}}]}]})",
      "messages.0.content.0.source.media_type", "image/bmp" },
    { "image-bad-base64",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"!!!"}}]}]})",
      "messages.0.content.0.source.data", "not valid base64" },
    { "tool-result-no-id",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]})",
      "messages.0.content.0.tool_use_id", "Field required" },
    { "tool-result-is-error-string",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":"yes"}]}]})",
      "messages.0.content.0.is_error", "a boolean" },
    { "tool-result-nested-tool-use",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_use","id":"a","name":"b","input":{}}]}]}]})",
      "messages.0.content.0.content.0.type", "not supported in a tool_result" },
    { "tool-result-content-number",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":7}]}]})",
      "messages.0.content.0.content", "got a number" },
    { "tool-use-in-user",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"b","input":{}}]}]})",
      "messages.0.content.0.type", "only appear in assistant messages" },
    { "assistant-tool-use-no-id",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","name":"b","input":{}}]}]})",
      "messages.1.content.0.id", "Field required" },
    { "assistant-tool-use-input-array",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"b","input":[]}]}]})",
      "messages.1.content.0.input", "an object" },
    { "assistant-image",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"image","source":{}}]}]})",
      "messages.1.content.0.type", "not supported in an assistant message" },
    { "system-number", R"({"model":"kiro","max_tokens":1,"system":1,)" DB_MSGS "}", "system",
      "got a number" },
    { "system-image-block",
      R"({"model":"kiro","max_tokens":1,"system":[{"type":"image","source":{}}],)" DB_MSGS "}",
      "system.0.type", "Input should be 'text'" },
    { "tools-object", R"({"model":"kiro","max_tokens":1,"tools":{},)" DB_MSGS "}", "tools", "an array" },
    { "tool-no-name",
      R"({"model":"kiro","max_tokens":1,"tools":[{"input_schema":{"type":"object"}}],)" DB_MSGS "}",
      "tools.0.name", "Field required" },
    { "tool-bad-name",
      R"({"model":"kiro","max_tokens":1,"tools":[{"name":"a b","input_schema":{"type":"object"}}],)" DB_MSGS
      "}",
      "tools.0.name", "should match pattern" },
    { "tool-duplicate",
      R"({"model":"kiro","max_tokens":1,"tools":[{"name":"a","input_schema":{"type":"object"}},{"name":"a","input_schema":{"type":"object"}}],)" DB_MSGS
      "}",
      "tools.1.name", "must be unique" },
    { "tool-no-schema", R"({"model":"kiro","max_tokens":1,"tools":[{"name":"a"}],)" DB_MSGS "}",
      "tools.0.input_schema", "Field required" },
    { "tool-schema-array-type",
      R"({"model":"kiro","max_tokens":1,"tools":[{"name":"a","input_schema":{"type":"array"}}],)" DB_MSGS "}",
      "tools.0.input_schema.type", "Input should be 'object'" },
    { "server-tool",
      R"({"model":"kiro","max_tokens":1,"tools":[{"type":"web_search_20250305","name":"web_search"}],)" DB_MSGS
      "}",
      "tools.0.type", "web_search_20250305" },
    { "tool-choice-string", R"({"model":"kiro","max_tokens":1,"tool_choice":"auto",)" DB_MSGS "}",
      "tool_choice", "an object" },
    { "tool-choice-bogus",
      R"({"model":"kiro","max_tokens":1,"tool_choice":{"type":"sometimes"},)" DB_MSGS "}", "tool_choice.type",
      "'auto', 'any', 'tool' or 'none'" },
    { "tool-choice-unknown-tool",
      R"({"model":"kiro","max_tokens":1,"tools":[{"name":"a","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"b"},)" DB_MSGS
      "}",
      "tool_choice.name", "'b' is not in 'tools'" },
    { "tool-choice-tool-no-name",
      R"({"model":"kiro","max_tokens":1,"tool_choice":{"type":"tool"},)" DB_MSGS "}", "tool_choice.name",
      "Field required" },
    { "stop-sequences-string", R"({"model":"kiro","max_tokens":1,"stop_sequences":"END",)" DB_MSGS "}",
      "stop_sequences", "an array" },
    { "stop-sequences-number", R"({"model":"kiro","max_tokens":1,"stop_sequences":[1],)" DB_MSGS "}",
      "stop_sequences.0", "a string" },
    { "temperature-high", R"({"model":"kiro","max_tokens":1,"temperature":1.5,)" DB_MSGS "}", "temperature",
      "between 0 and 1" },
    { "top-p-negative", R"({"model":"kiro","max_tokens":1,"top_p":-0.1,)" DB_MSGS "}", "top_p",
      "between 0 and 1" },
    { "top-k-negative", R"({"model":"kiro","max_tokens":1,"top_k":-1,)" DB_MSGS "}", "top_k",
      "integer of at least 0" },
    { "metadata-string", R"({"model":"kiro","max_tokens":1,"metadata":"x",)" DB_MSGS "}", "metadata",
      "an object" },
    { "metadata-user-id-number", R"({"model":"kiro","max_tokens":1,"metadata":{"user_id":1},)" DB_MSGS "}",
      "metadata.user_id", "a string" },
    { "stream-string", R"({"model":"kiro","max_tokens":1,"stream":"yes",)" DB_MSGS "}", "stream",
      "a boolean" },
};

struct ThinkingCase
{
    const char *name;
    const char *body;
    bool thinking;
    int budget;
};

inline const ThinkingCase thinkingCases[] = {
    { "enabled",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":2048},)" DB_MSGS "}",
      true, 2048 },
    { "enabled-no-budget", R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"enabled"},)" DB_MSGS "}",
      true, 10000 },
    { "enabled-budget-string",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":"lots"},)" DB_MSGS
      "}",
      true, 10000 },
    { "adaptive", R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"adaptive"},)" DB_MSGS "}", true,
      10000 },
    { "disabled", R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"disabled"},)" DB_MSGS "}", false,
      0 },
    { "not-an-object", R"({"model":"kiro","max_tokens":9000,"thinking":true,)" DB_MSGS "}", false, 0 },
    { "absent", R"({"model":"kiro","max_tokens":9000,)" DB_MSGS "}", false, 0 },
};

struct ToolChoiceCase
{
    const char *name;
    const char *choice;
    int expected; ///< ToolChoice
    const char *toolName;
};

inline const ToolChoiceCase toolChoiceCases[] = {
    { "absent", "", 0, "" },
    { "auto", R"({"type":"auto"})", 0, "" },
    { "none", R"({"type":"none"})", 1, "" },
    { "any", R"({"type":"any","disable_parallel_tool_use":true})", 2, "" },
    { "tool", R"({"type":"tool","name":"get_time"})", 3, "get_time" },
};

inline const char toolChoicePrefix[]
    = R"({"model":"kiro","max_tokens":5,"tools":[{"name":"get_time","input_schema":{"type":"object"}}],)" DB_MSGS;

inline const char optionalFields[]
    = R"({"model":"kiro","max_tokens":5,"temperature":0.2,"top_p":0.9,"top_k":40,"stop_sequences":["END","STOP"],"metadata":{"user_id":"u"},"service_tier":"auto","stream":true,)" DB_MSGS
      "}";

inline const char userImageAndText[]
    = R"({"model":"kiro","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"aGVsbG8="}},{"type":"text","text":"what is this?"}]}]})";

inline const char onlyToolResults[]
    = R"({"model":"kiro","max_tokens":5,"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"x","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1"}]}]})";

inline const char emptySystem[] = R"({"model":"kiro","max_tokens":5,"system":"",)" DB_MSGS "}";

inline const char countTokensBody[] = R"({"model":"kiro",)" DB_MSGS "}";

#undef DB_MSGS

} // namespace Drawbridge::Test::AnthropicParserCases
