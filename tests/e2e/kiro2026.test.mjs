// What the Kiro service sends since 2026 (issue 14, items 2 and 3), end to end: the real gateway against the
// independent Node fake. Native reasoning with its signature and a redacted part, exact usage with cache reads and
// writes (docs/kiro.md#the-event-stream), a model at capacity (no account cooldown; "retry later" once every attempt hit it), and a
// suspension with its reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { call, startNodeStack } from './fakekiro/stack.mjs';
import { REASONING_SIGNATURE, REASONING_TEXT, REDACTED_REASONING, TOKEN_USAGE } from './fakekiro/scenario.mjs';

const MODEL_ANTHROPIC = 'claude-sonnet-4-5-20250929';
const ACCOUNTS = ['k1', 'k2'];
const CACHED_PROMPT = TOKEN_USAGE.uncachedInputTokens + TOKEN_USAGE.cacheReadInputTokens + TOKEN_USAGE.cacheWriteInputTokens;

let stack;
let key;

function openai(body) {
  return call(stack.baseUrl + '/v1/chat/completions',
    { method: 'POST', body, headers: { authorization: `Bearer ${key}` }, timeoutMs: 60_000 });
}

function anthropic(body) {
  return call(stack.baseUrl + '/v1/messages',
    { method: 'POST', body, headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' }, timeoutMs: 60_000 });
}

/** The `data:` objects of an SSE body, in order (OpenAI's [DONE] left out). */
function sseData(text) {
  return text.split('\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)));
}

async function accounts() {
  return (await stack.admin('GET', '/admin/accounts')).body.data;
}

async function chatRequests() {
  return (await stack.fakeStats()).requests['/generateAssistantResponse'] ?? 0;
}

before(async () => {
  stack = await startNodeStack({ fakeArgs: ['--coalesced'] });
  for (const n of ACCOUNTS) await stack.addAccount(n, `rt-2026-${n}`);
  key = (await stack.createKey({ name: 'kiro2026' })).key;
});

after(async () => {
  if (stack) await stack.stop();
});

describe('reasoningContentEvent and metadataEvent.tokenUsage', () => {
  const ask = 'Why is the sky blue? [fake:reasoning] [fake:token-usage]';

  test('Anthropic, aggregated: signed thinking, redacted_thinking, cache usage', async () => {
    const r = await anthropic({ model: MODEL_ANTHROPIC, max_tokens: 512, messages: [{ role: 'user', content: ask }] });
    assert.equal(r.status, 200, r.text);
    const [thinking, redacted, text] = r.json.content;
    assert.deepEqual(thinking, { type: 'thinking', thinking: REASONING_TEXT, signature: REASONING_SIGNATURE });
    assert.deepEqual(redacted, { type: 'redacted_thinking', data: REDACTED_REASONING });
    assert.equal(text.type, 'text');
    assert.deepEqual(r.json.usage, {
      input_tokens: TOKEN_USAGE.uncachedInputTokens,
      cache_creation_input_tokens: TOKEN_USAGE.cacheWriteInputTokens,
      cache_read_input_tokens: TOKEN_USAGE.cacheReadInputTokens,
      output_tokens: TOKEN_USAGE.outputTokens,
    });
  });

  test('Anthropic, streaming: signature_delta ends the thinking block', async () => {
    const r = await anthropic({ model: MODEL_ANTHROPIC, max_tokens: 512, stream: true, messages: [{ role: 'user', content: ask }] });
    assert.equal(r.status, 200, r.text);
    const events = sseData(r.text);
    const thinking = events.filter((e) => e.index === 0 && e.type === 'content_block_delta');
    assert.equal(thinking.filter((e) => e.delta.type === 'thinking_delta').map((e) => e.delta.thinking).join(''), REASONING_TEXT);
    assert.deepEqual(thinking.at(-1).delta, { type: 'signature_delta', signature: REASONING_SIGNATURE });
    const redacted = events.find((e) => e.type === 'content_block_start' && e.index === 1);
    assert.deepEqual(redacted.content_block, { type: 'redacted_thinking', data: REDACTED_REASONING });
    const delta = events.find((e) => e.type === 'message_delta');
    assert.equal(delta.usage.input_tokens, TOKEN_USAGE.uncachedInputTokens);
    assert.equal(delta.usage.cache_read_input_tokens, TOKEN_USAGE.cacheReadInputTokens);
    assert.equal(delta.usage.cache_creation_input_tokens, TOKEN_USAGE.cacheWriteInputTokens);
  });

  test('OpenAI: reasoning_content, prompt_tokens with cached_tokens', async () => {
    const r = await openai({ model: 'kiro', messages: [{ role: 'user', content: ask }] });
    assert.equal(r.status, 200, r.text);
    const message = r.json.choices[0].message;
    assert.equal(message.reasoning_content, REASONING_TEXT);
    assert.ok(!r.text.includes(REASONING_SIGNATURE) && !r.text.includes(REDACTED_REASONING), r.text);
    assert.deepEqual(r.json.usage, {
      prompt_tokens: CACHED_PROMPT,
      completion_tokens: TOKEN_USAGE.outputTokens,
      total_tokens: CACHED_PROMPT + TOKEN_USAGE.outputTokens,
      prompt_tokens_details: { cached_tokens: TOKEN_USAGE.cacheReadInputTokens },
    });

    const s = await openai({ model: 'kiro', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: ask }] });
    assert.equal(s.status, 200, s.text);
    const chunks = sseData(s.text);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.reasoning_content ?? '').join(''), REASONING_TEXT);
    assert.deepEqual(chunks.at(-1).usage.prompt_tokens_details, { cached_tokens: TOKEN_USAGE.cacheReadInputTokens });
  });
});

describe('new error kinds', () => {
  test('INSUFFICIENT_MODEL_CAPACITY everywhere: retry later, and no account cools down', async () => {
    const before = await chatRequests();
    const r = await openai({ model: 'kiro', messages: [{ role: 'user', content: 'Busy? [fake:capacity]' }] });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.error.code, 'no_upstream_available');
    assert.match(r.json.error.message, /capacity/);
    assert.equal(r.headers['retry-after'], '5');
    assert.equal(await chatRequests() - before, 3, 'three attempts, spread over the accounts');

    const a = await anthropic({ model: MODEL_ANTHROPIC, max_tokens: 64, messages: [{ role: 'user', content: 'Busy? [fake:capacity]' }] });
    assert.equal(a.status, 529, a.text);
    assert.equal(a.json.error.type, 'overloaded_error');
    assert.equal(a.headers['retry-after'], '5');

    for (const acc of await accounts()) {
      assert.equal(acc.status, 'active', JSON.stringify(acc));
      assert.equal(acc.cooldown_until ?? null, null, JSON.stringify(acc));
    }
    const ok = await openai({ model: 'kiro', messages: [{ role: 'user', content: 'And now?' }] });
    assert.equal(ok.status, 200, ok.text);
  });

  test('403 SUSPENDED: the account is suspended with its reason and never retried', async () => {
    const before = await chatRequests();
    const r = await openai({ model: 'kiro', messages: [{ role: 'user', content: 'Hello [fake:suspended=SUSPENDED]' }] });
    assert.ok(r.status >= 500, r.text);
    // One attempt per account: a suspension is neither refreshed nor retried on the same account.
    assert.equal(await chatRequests() - before, ACCOUNTS.length);
    for (const acc of await accounts()) {
      assert.equal(acc.status, 'suspended', JSON.stringify(acc));
      assert.match(acc.last_error, /^SUSPENDED: /, JSON.stringify(acc));
    }
  });
});
