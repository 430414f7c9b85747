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
    { "tool-role", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"tool","content":"x"}]})",
      "messages.0.role", "'user', 'assistant' or 'system'" },
    { "system-entry-image",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"system","content":[{"type":"image","source":{}}]}]})",
      "messages.1.content.0.type", "Input should be 'text'" },
    { "system-entry-number", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"system","content":2}]})",
      "messages.0.content", "a string or an array of text blocks" },
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
      "messages.0.content.0.source.type", "Document source type '' is not supported" },
    { "block-pdf",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"aGk="}}]}]})",
      "messages.0.content.0.source.type", "'base64' is not supported" },
    { "block-unknown",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"video"}]}]})",
      "messages.0.content.0.type", "'video' is not supported" },
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
    { "tool-choice-number", R"({"model":"kiro","max_tokens":1,"tool_choice":5,)" DB_MSGS "}", "tool_choice",
      "an object" },
    { "tool-choice-string-bogus", R"({"model":"kiro","max_tokens":1,"tool_choice":"maybe",)" DB_MSGS "}",
      "tool_choice.type", "'auto', 'any', 'tool' or 'none'" },
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
    // Claude Code 2.1: adaptive thinking, display omitted, effort in output_config.
    { "adaptive-omitted-medium",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"adaptive","display":"omitted"},"output_config":{"effort":"medium"},)" DB_MSGS
      "}",
      true, 10000 },
    { "adaptive-low",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"adaptive"},"output_config":{"effort":"low"},)" DB_MSGS
      "}",
      true, 4000 },
    { "adaptive-high",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"adaptive"},"output_config":{"effort":"high"},)" DB_MSGS
      "}",
      true, 20000 },
    { "adaptive-max",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"adaptive"},"output_config":{"effort":"max"},)" DB_MSGS
      "}",
      true, 32000 },
    { "enabled-summarized-budget-wins",
      R"({"model":"kiro","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":3000,"display":"summarized"},"output_config":{"effort":"high"},)" DB_MSGS
      "}",
      true, 3000 },
    { "effort-without-thinking",
      R"({"model":"kiro","max_tokens":9000,"output_config":{"effort":"low"},)" DB_MSGS "}", false, 0 },
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
    { "tool-no-parallel", R"({"type":"tool","name":"get_time","disable_parallel_tool_use":true})", 3,
      "get_time" },
    { "auto-no-parallel", R"({"type":"auto","disable_parallel_tool_use":false})", 0, "" },
    { "string-auto", R"("auto")", 0, "" },
    { "string-any", R"("any")", 2, "" },
    { "string-required", R"("required")", 2, "" },
    { "string-none", R"("none")", 1, "" },
    { "null", "null", 0, "" },
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

struct SystemEntryCase
{
    const char *name;
    const char *body;
    const char *roles; ///< S(ystem) U(ser) A(ssistant) T(ool), in order
    const char *entryText; ///< the in-message system entry's text as parsed
};

// `role: "system"` inside messages, anywhere; each stays a System message in place.
inline const SystemEntryCase systemEntryCases[] = {
    { "after-user-last",
      R"({"model":"kiro","max_tokens":1,"system":"top","messages":[{"role":"user","content":"hi"},{"role":"system","content":[{"type":"text","text":"env","cache_control":{"type":"ephemeral"}}]}]})",
      "SUS", "env" },
    { "first",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"system","content":"env"},{"role":"user","content":"hi"}]})",
      "SU", "env" },
    { "middle",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"system","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]},{"role":"user","content":"c"}]})",
      "UASU", "x\ny" },
    { "between-tool-use-and-result",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{}}]},{"role":"system","content":"note"},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]})",
      "UAST", "note" },
    { "only-system", R"({"model":"kiro","max_tokens":1,"messages":[{"role":"system","content":"alone"}]})",
      "S", "alone" },
    { "empty-entry-dropped",
      R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"system","content":""}]})",
      "U", "" },
};

// Server tools next to custom ones; tool_choice names one that is left out.
inline const char serverTools[]
    = R"({"model":"kiro","max_tokens":1,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5},{"name":"Read","input_schema":{"type":"object"},"defer_loading":true,"cache_control":{"type":"ephemeral"}},{"type":"bash_20250124","name":"bash"},{"type":"custom","name":"Glob","input_schema":{"type":"object"}},{"type":"code_execution_20250825"}],"tool_choice":{"type":"tool","name":"web_search"},)" DB_MSGS
      "}";

struct ContextCase
{
    const char *name;
    const char *body;
    int cleared; ///< tool results replaced by the placeholder
};

#define DB_TOOL_TURNS                                                                                        \
    R"("messages":[{"role":"user","content":"go"},)"                                                         \
    R"({"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"p":1}}]},)"       \
    R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"one"}]},)"              \
    R"({"role":"assistant","content":[{"type":"tool_use","id":"t2","name":"Bash","input":{"p":2}}]},)"       \
    R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","content":"two"}]},)"              \
    R"({"role":"assistant","content":[{"type":"tool_use","id":"t3","name":"Read","input":{"p":3}}]},)"       \
    R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t3","content":"three"}]}])"

// context_management is never refused; clear_tool_uses is applied past its trigger.
inline const ContextCase contextCases[] = {
    { "clear-thinking-keep-all",
      R"({"model":"kiro","max_tokens":1,"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},)" DB_TOOL_TURNS
      "}",
      0 },
    { "clear-tool-uses-below-trigger",
      R"({"model":"kiro","max_tokens":1,"context_management":{"edits":[{"type":"clear_tool_uses_20250919"}]},)" DB_TOOL_TURNS
      "}",
      0 },
    { "clear-tool-uses-keep-1",
      R"({"model":"kiro","max_tokens":1,"context_management":{"edits":[{"type":"clear_tool_uses_20250919","trigger":{"type":"input_tokens","value":1},"keep":{"type":"tool_uses","value":1}}]},)" DB_TOOL_TURNS
      "}",
      2 },
    { "clear-tool-uses-exclude",
      R"({"model":"kiro","max_tokens":1,"context_management":{"edits":[{"type":"clear_tool_uses_20250919","trigger":{"type":"input_tokens","value":1},"keep":{"type":"tool_uses","value":0},"exclude_tools":["Read"],"clear_tool_inputs":true}]},)" DB_TOOL_TURNS
      "}",
      1 },
    { "unknown-edit",
      R"({"model":"kiro","max_tokens":1,"context_management":{"edits":[{"type":"compact_20260101","x":1}]},)" DB_TOOL_TURNS
      "}",
      0 },
    { "not-an-object", R"({"model":"kiro","max_tokens":1,"context_management":"auto",)" DB_TOOL_TURNS "}",
      0 },
    { "edits-not-an-array",
      R"({"model":"kiro","max_tokens":1,"context_management":{"edits":{}},)" DB_TOOL_TURNS "}", 0 },
};

#undef DB_TOOL_TURNS

// Text-only blocks Claude Code and the SDKs send: a tool search's tool_reference, plain-text documents,
// search results; and server-tool history in an assistant turn.
inline const char textualBlocks[]
    = R"({"model":"kiro","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","title":"notes","source":{"type":"text","media_type":"text/plain","data":"doc body"}},{"type":"search_result","title":"T","source":"https://s","content":[{"type":"text","text":"found"}]}]},{"role":"assistant","content":[{"type":"server_tool_use","id":"srv_1","name":"web_search","input":{"query":"q"}},{"type":"web_search_tool_result","tool_use_id":"srv_1","content":[]},{"type":"text","text":"ok"},{"type":"tool_use","id":"t1","name":"ToolSearch","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"tool_reference","tool_name":"Glob"}]}]}]})";

// What Claude Code 2.1.332 sends first (`claude -p`, no model pinned), captured on the wire: long texts cut,
// tool schemas trimmed to three properties, ids zeroed. The shape is untouched.
inline const char claudeCodeRequest[]
    = R"json({"model":"claude-opus-5-5","messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>\nAttribution for git commits and pull requests you create from here on (this replaces Claude Code's own earlier attribution guidance, such as a…"},{"type":"text","text":"Read hello.txt"}]},{"role":"system","content":[{"type":"text","text":"# Environment\nYou have been invoked in the following environment: \n - Primary working directory: /tmp/claude-home\n - Is a git repository: false\n - Platform: lin…","cache_control":{"type":"ephemeral"}}],"output_config":{"effort":"medium"}}],"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332.ea8; cc_entrypoint=sdk-cli;"},{"type":"text","text":"You are a Claude agent, built on Anthropic's Claude Agent SDK.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"\nYou are an agent working with the user toward their goals, using your own judgment along the way.\n\nIMPORTANT: Assist with authorized security testing, defensiv…","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"Agent","description":"Launch a new agent to handle complex, multi-step tasks. Each…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"description":{"description":"A short (3-5 word) description of the task","type":"string"},"prompt":{"description":"The task for the agent to perform","type":"string"},"subagent_type":{"description":"The type of specialized agent to use for this task","type":"string"}},"required":["description","prompt"],"additionalProperties":false}},{"name":"Bash","description":"Executes a bash command and returns its output.\n\n- `cd` carr…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"command":{"description":"The command to execute","type":"string"},"timeout":{"description":"Optional timeout in milliseconds (max 600000 for a foregroun…","type":"number"},"description":{"description":"Clear, concise description of what this command does in acti…","type":"string"}},"required":["command"],"additionalProperties":false}},{"name":"Edit","description":"Performs exact string replacement in a file.\n\n- You must Rea…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"file_path":{"description":"The absolute path to the file to modify","type":"string"},"old_string":{"description":"The text to replace","type":"string"},"new_string":{"description":"The text to replace it with (must be different from old_stri…","type":"string"}},"required":["file_path","old_string","new_string"],"additionalProperties":false}},{"name":"ListAgents","description":"Lists agents you can SendMessage to — in-process subagents y…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"channel":{"description":"Not available in this build; leave unset.","type":"string","maxLength":256},"q":{"description":"Not available in this build; leave unset.","type":"string","maxLength":256},"cursor":{"description":"The cursor the last line of a long listing gave, for its nex…","type":"string","maxLength":256}},"additionalProperties":false}},{"name":"Read","description":"Reads a file from the local filesystem.\n\n- `file_path` must …","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"file_path":{"description":"The absolute path to the file to read","type":"string"},"offset":{"description":"The line number to start reading from. Only provide if the f…","type":"integer","minimum":0,"maximum":9007199254740991},"limit":{"description":"The number of lines to read. Only provide if the file is too…","type":"integer","exclusiveMinimum":0,"maximum":9007199254740991}},"required":["file_path"],"additionalProperties":false}},{"name":"ReportFindings","description":"Report code-review findings as a typed list so the host UI c…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"level":{"description":"Effort level the review ran at","type":"string","enum":["low","medium","high","xhigh","max"]},"findings":{"description":"Verified findings, most-severe first; empty if none survived","maxItems":32,"type":"array","items":{"type":"object","properties":{"file":{"description":"Repo-relative path of the file the finding is in","type":"string"},"line":{"description":"1-indexed line the finding anchors to","type":"integer","minimum":-9007199254740991,"maximum":9007199254740991},"summary":{"description":"Statement of the defect","type":"string"},"short_summary":{"description":"Compressed label for compact UI (≤60 chars): the claim alone…","type":"string","maxLength":60},"failure_scenario":{"description":"Concrete inputs/state → wrong output/crash","type":"string"},"category":{"description":"Short kebab-case slug of the finding type, e.g. \"correctness…","type":"string","maxLength":40},"severity":{"description":"Set when the review instructions ask for it. important: a bu…","type":"string","enum":["important","pre_existing","nit"]},"verdict":{"description":"Set when a verify pass ran; absent on inline-only reviews","type":"string","enum":["CONFIRMED","PLAUSIBLE"]},"outcome":{"description":"Set ONLY when re-reporting after applying fixes: what happen…","type":"string","enum":["fixed","skipped","no_change_needed"]}},"required":["file","summary","failure_scenario"],"additionalProperties":false}}},"required":["findings"],"additionalProperties":false}},{"name":"ScheduleWakeup","description":"Schedule when to resume work in /loop dynamic mode — the use…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"delaySeconds":{"description":"Seconds from now to wake up. Clamped to [60, 3600] by the ru…","type":"number"},"reason":{"description":"One short sentence explaining the chosen delay. Goes to tele…","type":"string"},"prompt":{"description":"The /loop input to fire on wake-up. Pass the same /loop inpu…","type":"string"}},"additionalProperties":false,"required":[]}},{"name":"Skill","description":"Invoke a skill.\n\nA skill is a packaged set of instructions t…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"skill":{"description":"The name of a skill from the available-skills list. Do not g…","type":"string"},"args":{"description":"Optional arguments for the skill","type":"string"}},"required":["skill"],"additionalProperties":false}},{"name":"ToolSearch","description":"Fetches full schema definitions for deferred tools so they c…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"query":{"description":"Query to find deferred tools. Use \"select:<tool_name>\" for d…","type":"string"},"max_results":{"description":"Maximum number of results to return (default: 5)","default":5,"type":"number"}},"required":["query"],"additionalProperties":false}},{"name":"Workflow","description":"Execute a workflow script that orchestrates multiple subagen…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"script":{"description":"Self-contained workflow script. Must begin with `export cons…","type":"string","maxLength":524288},"name":{"description":"Name of a predefined workflow (built-in or from .claude/work…","type":"string"},"description":{"description":"Ignored — set the workflow description in the script's `meta…","type":"string"}},"additionalProperties":false,"required":[]}},{"name":"DeferredToolPlaceholder","description":"Reserved placeholder that keeps deferred tool loading active…","input_schema":{"type":"object","properties":{}},"defer_loading":true},{"name":"Write","description":"Writes a file to the local filesystem, overwriting if one ex…","input_schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"file_path":{"description":"The absolute path to the file to write (must be absolute, no…","type":"string"},"content":{"description":"The content to write to the file","type":"string"}},"required":["file_path","content"],"additionalProperties":false}}],"metadata":{"user_id":"{\"device_id\": \"0000000000000000000000000000000000000000000000000000000000000000\", \"account_uuid\": \"\", \"session_id\": \"00000000-0000-0000-0000-000000000000\"}"},"max_tokens":128000,"thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"effort":"medium"},"stream":true})json";

inline const char countTokensBody[] = R"({"model":"kiro",)" DB_MSGS "}";

#undef DB_MSGS

} // namespace Drawbridge::Test::AnthropicParserCases
