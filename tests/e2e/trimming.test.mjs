// Long conversations (issue 14, item 5), end to end: the real gateway against the Node fake with a small
// kiro.max_request_bytes. With kiro.trim_history on (the default) the oldest turns are left out, the newest kept,
// and the client is told so in x-drawbridge-trimmed-messages; with it off the request is a 400
// context_length_exceeded in the client's dialect and never reaches Kiro (docs/kiro.md#long-conversations).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { call, startNodeStack } from './fakekiro/stack.mjs';

const LIMIT = 20_000;

/** 12 old turns of about 2 × 3 KB (each one tagged), then the question. */
function longHistory(question) {
  const messages = [];
  for (let i = 0; i < 12; ++i) {
    messages.push({ role: 'user', content: `OLD-${i} ${'q'.repeat(3000)}` });
    messages.push({ role: 'assistant', content: `ANSWER-${i} ${'a'.repeat(3000)}` });
  }
  messages.push({ role: 'user', content: question });
  return messages;
}

async function startWith(lines) {
  const stack = await startNodeStack({ fakeArgs: ['--coalesced'], config: { kiro: lines } });
  await stack.addAccount('long', 'rt-trimming');
  const { key } = await stack.createKey({ name: 'trimming' });
  return { stack, key };
}

describe('kiro.trim_history on', () => {
  let on;
  before(async () => { on = await startWith([`max_request_bytes = ${LIMIT}`]); });
  after(async () => { if (on) await on.stack.stop(); });

  test('OpenAI: the oldest turns go, the newest stay, the header counts them', async () => {
    const r = await call(on.stack.baseUrl + '/v1/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${on.key}` }, timeoutMs: 60_000,
      body: { model: 'claude-sonnet-4.5', messages: longHistory('NEWEST-QUESTION') },
    });
    assert.equal(r.status, 200, r.text);
    const trimmed = Number(r.headers['x-drawbridge-trimmed-messages']);
    assert.ok(trimmed > 0 && trimmed % 2 === 0, `header: ${r.headers['x-drawbridge-trimmed-messages']}`);
    const body = JSON.stringify((await on.stack.fakeStats()).bodies.at(-1));
    assert.ok(body.length <= LIMIT + 200, `body of ${body.length} bytes`);
    assert.ok(body.includes('NEWEST-QUESTION'));
    assert.ok(body.includes('OLD-11 '));
    assert.ok(!body.includes('OLD-0 '));
    assert.ok(body.includes(`OLD-${trimmed / 2} `) && !body.includes(`ANSWER-${trimmed / 2 - 1} `));
  });

  test('Anthropic, streaming: the same header on the stream', async () => {
    const r = await call(on.stack.baseUrl + '/v1/messages', {
      method: 'POST', headers: { 'x-api-key': on.key, 'anthropic-version': '2023-06-01' }, timeoutMs: 60_000,
      body: { model: 'claude-sonnet-4-5-20250929', max_tokens: 256, stream: true, system: 'SYSTEM-PROMPT',
        messages: longHistory('NEWEST-QUESTION') },
    });
    assert.equal(r.status, 200, r.text);
    assert.ok(Number(r.headers['x-drawbridge-trimmed-messages']) > 0);
    const body = JSON.stringify((await on.stack.fakeStats()).bodies.at(-1));
    assert.ok(body.includes('SYSTEM-PROMPT'));
    assert.ok(!body.includes('OLD-0 '));
  });

  test('a conversation that fits has no header', async () => {
    const r = await call(on.stack.baseUrl + '/v1/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${on.key}` }, timeoutMs: 60_000,
      body: { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: 'short' }] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-drawbridge-trimmed-messages'], undefined);
  });

  test('nothing left to trim: 400 context_length_exceeded', async () => {
    const r = await call(on.stack.baseUrl + '/v1/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${on.key}` }, timeoutMs: 60_000,
      body: { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: 'x'.repeat(LIMIT + 1000) }] },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'context_length_exceeded');
  });
});

describe('kiro.trim_history off', () => {
  let off;
  before(async () => { off = await startWith([`max_request_bytes = ${LIMIT}`, 'trim_history = false']); });
  after(async () => { if (off) await off.stack.stop(); });

  test('OpenAI: 400 context_length_exceeded, Kiro never called', async () => {
    const r = await call(off.stack.baseUrl + '/v1/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${off.key}` }, timeoutMs: 60_000,
      body: { model: 'claude-sonnet-4.5', messages: longHistory('NEWEST-QUESTION') },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'context_length_exceeded');
    assert.equal((await off.stack.fakeStats()).requests['/generateAssistantResponse'], undefined);
  });

  test('Anthropic: 400 invalid_request_error', async () => {
    const r = await call(off.stack.baseUrl + '/v1/messages', {
      method: 'POST', headers: { 'x-api-key': off.key, 'anthropic-version': '2023-06-01' }, timeoutMs: 60_000,
      body: { model: 'claude-sonnet-4-5-20250929', max_tokens: 256, messages: longHistory('NEWEST-QUESTION') },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.type, 'error');
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.match(r.json.error.message, /too long/);
  });
});
