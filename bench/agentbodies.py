#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Agent-shaped request bodies for scripts/bench and bench/jsonbench (standard library only).

Coding agents send big requests: a long system prompt, about 20 tools with JSON schemas, and dozens of turns of
tool calls and tool results (source files, diffs, command output). This module generates such bodies, seeded and
deterministic, in both dialects (OpenAI chat completions and Anthropic messages), at a target size:

    bench/agentbodies.py --out DIR [--seed 18] [--sizes 5,57,144,417]

writes DIR/openai-144k.json, DIR/anthropic-144k.json, … and prints what it wrote (size, tools, turns). The text
mixes ASCII with multi-byte UTF-8 (accents, arrows, CJK, emoji outside the BMP) and the characters JSON must
escape (quotes, backslashes, newlines, tabs), as real source code and prose do.
"""
import argparse
import json
import os
import random

SIZES_KIB = (5, 57, 144, 417)

WORDS = ("the request handler parses the body once and writes the upstream body once so that large agent "
         "histories stay cheap; every field is validated and bounded before it reaches the translator which keeps "
         "tool schemas and tool inputs as they came and only reshapes the conversation for the provider").split()
MULTIBYTE = ("café", "naïve", "→", "—", "“quoted”", "Größe", "日本語", "中文字符", "😀", "🚀", "ß", "€", "±", "µs")
CODE_LINES = (
    'def parse(body: str) -> dict:\n    """Parse the request body."""\n    return json.loads(body)\n',
    'if (value.isEmpty()) {\n\treturn QStringLiteral("\\\\n");\n}\n',
    'const re = /^data:(image\\/[a-z]+);base64,/;\nconsole.log(`matched ${m[1]}`);\n',
    'printf("%s\\t%d\\n", name, count);  // C escapes: \\" and \\\\\n',
    '<div class="note">Use &amp; and &lt;tags&gt; — not \'quotes\'</div>\n',
    '    for (size_t i = 0; i < n; ++i) sum += v[i] * 2;\n',
    'SELECT id, name FROM accounts WHERE name = ? AND state <> \'disabled\';\n',
)


def prose(rng, words):
    out = []
    for i in range(words):
        out.append(rng.choice(MULTIBYTE) if rng.random() < 0.04 else rng.choice(WORDS))
        if rng.random() < 0.07:
            out[-1] += "."
    return " ".join(out)


def code(rng, lines):
    return "".join(rng.choice(CODE_LINES) for _ in range(lines))


def system_prompt(rng, kib):
    parts = ["You are an interactive coding agent. Follow the user's instructions — carefully.\n\n"]
    while sum(len(p.encode()) for p in parts) < kib * 1024:
        parts.append(f"# {prose(rng, 4).capitalize()}\n- {prose(rng, 30)}\n- {prose(rng, 24)}\n\n")
    return "".join(parts)


def tool_schema(rng, i):
    props = {}
    for j in range(rng.randint(3, 7)):
        kind = rng.choice(("string", "integer", "boolean", "array", "object", "enum"))
        name = f"{rng.choice(WORDS)}_{j}"
        desc = prose(rng, rng.randint(8, 25))
        if kind == "array":
            props[name] = {"type": "array", "description": desc, "items": {"type": "string"}}
        elif kind == "object":
            props[name] = {"type": "object", "description": desc,
                           "properties": {"path": {"type": "string"}, "line": {"type": "integer", "minimum": 1}},
                           "required": ["path"]}
        elif kind == "enum":
            props[name] = {"type": "string", "description": desc, "enum": ["read", "write", "append"]}
        elif kind == "integer":
            props[name] = {"type": "integer", "description": desc, "minimum": 0, "maximum": 100000}
        else:
            props[name] = {"type": kind, "description": desc}
    return {"type": "object", "properties": props, "required": sorted(props)[:2],
            "additionalProperties": False, "$schema": "http://json-schema.org/draft-07/schema#"}


def tools(rng, n):
    names = ["Read", "Write", "Edit", "Bash", "Grep", "Glob", "WebFetch", "TodoWrite", "NotebookEdit", "Task",
             "ListDir", "Search", "RunTests", "GitDiff", "GitLog", "OpenFile", "Replace", "Format", "Lint", "Build"]
    out = []
    for i in range(n):
        out.append({"name": names[i % len(names)] + ("" if i < len(names) else str(i)),
                    "description": prose(rng, rng.randint(40, 120) if n > 2 else 12),
                    "schema": tool_schema(rng, i)})
    return out


# In the last message: `drawbridge-bench-streamclient --vary` writes each request's index over it, so that every
# request ends in a message the gateway has not seen (an agent's next call), as with --agent-fresh-tail.
TURN_TOKEN = "turn-00000000"

# The fields the official SDKs send with every request besides Host, Content-Length, Content-Type and the key,
# as Claude Code (the Anthropic SDK) and the OpenAI SDK for Node send them (`--agent-sdk-headers`): a gateway
# reads every one of them, so a benchmark client that sends four fields flatters the head parser.
SDK_HEADERS = {
    "anthropic": [
        "accept: application/json",
        "anthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14",
        "anthropic-dangerous-direct-browser-access: true",
        "anthropic-version: 2023-06-01",
        "user-agent: claude-cli/2.0.5 (external, cli)",
        "x-app: cli",
        "x-stainless-arch: x64",
        "x-stainless-helper-method: stream",
        "x-stainless-lang: js",
        "x-stainless-os: Linux",
        "x-stainless-package-version: 0.60.0",
        "x-stainless-retry-count: 0",
        "x-stainless-runtime: node",
        "x-stainless-runtime-version: v22.19.0",
        "x-stainless-timeout: 600",
        "accept-encoding: gzip, deflate, br, zstd",
    ],
    "openai": [
        "accept: application/json",
        "user-agent: OpenAI/JS 5.23.0",
        "x-stainless-arch: x64",
        "x-stainless-lang: js",
        "x-stainless-os: Linux",
        "x-stainless-package-version: 5.23.0",
        "x-stainless-retry-count: 0",
        "x-stainless-runtime: node",
        "x-stainless-runtime-version: v22.19.0",
        "x-stainless-timeout: 600",
        "accept-encoding: gzip, deflate, br, zstd",
    ],
}


def turn(rng, index, toolset):
    """One agent step: some assistant text, one or two tool calls, their results, sometimes a user remark."""
    calls = []
    for k in range(1 if rng.random() < 0.7 else 2):
        t = rng.choice(toolset)
        args = {p: (f"src/{rng.choice(WORDS)}_{index}.cpp" if s.get("type") == "string" else
                    rng.randint(1, 500) if s.get("type") == "integer" else
                    True if s.get("type") == "boolean" else
                    ["a", "b"] if s.get("type") == "array" else {"path": "x.h", "line": 3})
                for p, s in list(t["schema"]["properties"].items())[:3]}
        result = rng.choice((code(rng, rng.randint(8, 60)), prose(rng, rng.randint(30, 250))))
        calls.append({"id": f"call_{index:03d}_{k}_{rng.getrandbits(32):08x}", "name": t["name"], "args": args,
                      "result": result, "error": rng.random() < 0.05})
    return {"text": prose(rng, rng.randint(5, 40)), "calls": calls,
            "user": prose(rng, rng.randint(5, 30)) if rng.random() < 0.15 else None}


def conversation(seed, kib):
    """The dialect-neutral conversation whose rendering is closest to (and not above) kib KiB."""
    rng = random.Random(seed * 1000 + kib)
    small = kib < 10
    conv = {"system": system_prompt(rng, 0.5 if small else 8), "tools": tools(rng, 2 if small else 20),
            "first": prose(rng, 15 if small else 60), "turns": [], "last": TURN_TOKEN + " " + prose(rng, 15)}
    while True:
        nxt = turn(rng, len(conv["turns"]), conv["tools"])
        conv["turns"].append(nxt)
        if max(len(openai(conv)), len(anthropic(conv))) > kib * 1024:
            conv["turns"].pop()
            return conv


def dumps(obj):
    # Compact and UTF-8 like most SDKs' wire format (Python's own json.dumps default would escape non-ASCII).
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def openai(conv):
    msgs = [{"role": "system", "content": conv["system"]}, {"role": "user", "content": conv["first"]}]
    for t in conv["turns"]:
        msgs.append({"role": "assistant", "content": t["text"],
                     "tool_calls": [{"id": c["id"], "type": "function",
                                     "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
                                    for c in t["calls"]]})
        for c in t["calls"]:
            msgs.append({"role": "tool", "tool_call_id": c["id"], "content": c["result"]})
        if t["user"]:
            msgs.append({"role": "user", "content": t["user"]})
    msgs.append({"role": "user", "content": conv["last"]})
    return dumps({"model": "claude-sonnet-4.5", "stream": False, "max_tokens": 4096, "messages": msgs,
                  "tools": [{"type": "function", "function": {"name": t["name"], "description": t["description"],
                                                              "parameters": t["schema"]}} for t in conv["tools"]]})


def anthropic(conv):
    msgs = [{"role": "user", "content": conv["first"]}]
    for t in conv["turns"]:
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": t["text"]}] + [
            {"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["args"]} for c in t["calls"]]})
        blocks = [{"type": "tool_result", "tool_use_id": c["id"], "content": c["result"],
                   **({"is_error": True} if c["error"] else {})} for c in t["calls"]]
        if t["user"]:
            blocks.append({"type": "text", "text": t["user"]})
        msgs.append({"role": "user", "content": blocks})
    if msgs[-1]["role"] == "user" and isinstance(msgs[-1]["content"], list):
        msgs[-1]["content"].append({"type": "text", "text": conv["last"]})
    else:
        msgs.append({"role": "user", "content": conv["last"]})
    return dumps({"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": False,
                  "system": [{"type": "text", "text": conv["system"]}], "messages": msgs,
                  "tools": [{"name": t["name"], "description": t["description"], "input_schema": t["schema"]}
                            for t in conv["tools"]]})


def bodies(seed=18, sizes=SIZES_KIB):
    """{(dialect, kib): (bytes, info)} for every size; both dialects render the same conversation."""
    out = {}
    for kib in sizes:
        conv = conversation(seed, kib)
        info = {"tools": len(conv["tools"]), "turns": len(conv["turns"]),
                "tool_calls": sum(len(t["calls"]) for t in conv["turns"])}
        out[("openai", kib)] = (openai(conv), info)
        out[("anthropic", kib)] = (anthropic(conv), info)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES_KIB)))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for (dialect, kib), (body, info) in bodies(a.seed, tuple(int(s) for s in a.sizes.split(","))).items():
        path = os.path.join(a.out, f"{dialect}-{kib}k.json")
        with open(path, "wb") as f:
            f.write(body)
        print(f"{path}: {len(body) / 1024:.1f} KiB, {info['tools']} tools, {info['turns']} turns, "
              f"{info['tool_calls']} tool calls")


if __name__ == "__main__":
    main()
