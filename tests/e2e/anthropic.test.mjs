// The official Anthropic Node SDK (POST /v1/messages) against a real drawbridge and the fake Kiro upstream.
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/anthropic.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

import { startStack, waitFor } from './harness.mjs';

const TEXT = 'The messages API renders the same events as chat completions.';
const TOOL_ARGS = { city: 'Berlin', unit: 'celsius' };
const MODEL = 'claude-sonnet-4-5-20250929'; // normalizes to claude-sonnet-4.5 without being listed
const CREDITS_PER_REQUEST = 0.01;

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string' } },
    required: ['city'],
  },
};

let stack;
let key;
const client = (apiKey = key.key) =>
  new Anthropic({ apiKey, baseURL: stack.baseUrl, maxRetries: 0, timeout: 20_000 });
const ask = (content) => [{ role: 'user', content }];

before(async () => {
  stack = await startStack({
    accounts: [{ name: 'bob', token: 'rt-bob-e2e' }],
    fakeArgs: ['--text', TEXT, '--delay-ms', '20', '--tool', `get_weather:${JSON.stringify(TOOL_ARGS)}`],
    config: { kiro: ['slots_per_account = 2'] },
  });
  await stack.addAccount('bob', 'rt-bob-e2e');
  key = await stack.createKey({ name: 'anthropic' });
});

after(async () => {
  if (stack) {
    const codes = await stack.stop();
    assert.equal(codes.drawbridge, 0, 'drawbridge exits 0 on SIGTERM');
  }
});

const textOf = (message) => message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

describe('anthropic SDK: messages', () => {
  test('messages.create, non-streaming', async () => {
    const m = await client().messages.create({ model: MODEL, max_tokens: 256, messages: ask('Say something.') });
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.model, MODEL, 'echoes the model id the client sent');
    assert.equal(textOf(m), TEXT);
    assert.equal(m.stop_reason, 'end_turn');
    assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0, JSON.stringify(m.usage));
  });

  test('messages.stream() with finalMessage()', async () => {
    const stream = client().messages.stream({ model: MODEL, max_tokens: 256, messages: ask('Stream.') });
    let deltas = '';
    let events = 0;
    stream.on('text', (t) => { deltas += t; });
    stream.on('streamEvent', () => { ++events; });
    const m = await stream.finalMessage();
    assert.equal(textOf(m), TEXT);
    assert.equal(deltas, TEXT);
    assert.ok(events >= 4, `${events} stream events`);
    assert.equal(m.stop_reason, 'end_turn');
    assert.ok(m.usage.output_tokens > 0, JSON.stringify(m.usage));
  });

  test('tool_use, non-streaming, then the tool result', async () => {
    const m = await client().messages.create({
      model: MODEL, max_tokens: 256, tools: [weatherTool], messages: ask('Weather in Berlin?'),
    });
    assert.equal(m.stop_reason, 'tool_use');
    const uses = m.content.filter((b) => b.type === 'tool_use');
    assert.equal(uses.length, 1, JSON.stringify(m.content));
    assert.equal(uses[0].name, 'get_weather');
    assert.ok(uses[0].id);
    assert.deepEqual(uses[0].input, TOOL_ARGS);

    const m2 = await client().messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        ...ask('Weather in Berlin?'),
        { role: 'assistant', content: m.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: uses[0].id, content: 'sunny, 21 C' }] },
      ],
    });
    assert.equal(textOf(m2), TEXT);
    assert.equal(m2.stop_reason, 'end_turn');
  });

  test('tool_use, streaming with finalMessage()', async () => {
    const stream = client().messages.stream({
      model: MODEL, max_tokens: 256, tools: [weatherTool], messages: ask('Weather in Berlin?'),
    });
    let jsonDeltas = '';
    stream.on('inputJson', (partial) => { jsonDeltas += partial; });
    const m = await stream.finalMessage();
    assert.equal(m.stop_reason, 'tool_use');
    const use = m.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(m.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, TOOL_ARGS);
    assert.deepEqual(JSON.parse(jsonDeltas), TOOL_ARGS);
  });

  test('count_tokens', async () => {
    const r = await client().messages.countTokens({ model: MODEL, messages: ask('How many tokens is this?') });
    assert.ok(r.input_tokens > 0, JSON.stringify(r));
  });
});

describe('anthropic SDK: typed errors', () => {
  const expectError = async (promise, Type, status, type) => {
    await assert.rejects(promise, (e) => {
      assert.ok(e instanceof Type, `want ${Type.name}, got ${e?.constructor?.name}: ${e?.message}`);
      assert.equal(e.status, status);
      assert.equal(e.error?.type, 'error', `Anthropic error shape: ${JSON.stringify(e.error)}`);
      assert.equal(e.error?.error?.type, type, JSON.stringify(e.error));
      return true;
    });
  };

  test('AuthenticationError for an unknown key', async () => {
    await expectError(
      client('db-aaaaaaaa-thisisnotarealsecretthisisnotarealsecret').messages.create(
        { model: MODEL, max_tokens: 16, messages: ask('hi') }),
      Anthropic.AuthenticationError, 401, 'authentication_error');
  });

  test('NotFoundError for an unknown model', async () => {
    await expectError(
      client().messages.create({ model: 'no-such-model-xyz', max_tokens: 16, messages: ask('hi') }),
      Anthropic.NotFoundError, 404, 'not_found_error');
  });

  test('PermissionDeniedError for a model outside the key\'s allow-list', async () => {
    const narrow = await stack.createKey({ name: 'narrow', models: ['claude-haiku-4.5'] });
    await expectError(
      client(narrow.key).messages.create({ model: MODEL, max_tokens: 16, messages: ask('hi') }),
      Anthropic.PermissionDeniedError, 403, 'permission_error');
  });

  test('RateLimitError on the second call of a 1 rpm key', async () => {
    const slow = await stack.createKey({ name: 'slow', rate_limit_rpm: 1 });
    await client(slow.key).messages.create({ model: MODEL, max_tokens: 16, messages: ask('one') });
    await expectError(
      client(slow.key).messages.create({ model: MODEL, max_tokens: 16, messages: ask('two') }),
      Anthropic.RateLimitError, 429, 'rate_limit_error');
  });

  test('BadRequestError for malformed messages', async () => {
    await expectError(
      client().messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'wizard', content: 'hi' }] }),
      Anthropic.BadRequestError, 400, 'invalid_request_error');
  });
});

test('messages traffic lands in the same usage ledger', async () => {
  const counted = await stack.createKey({ name: 'counted-anthropic' });
  await client(counted.key).messages.create({ model: MODEL, max_tokens: 16, messages: ask('one') });
  await client(counted.key).messages.stream({ model: MODEL, max_tokens: 16, messages: ask('two') }).finalMessage();
  const row = await waitFor(async () => {
    const r = await stack.admin('GET', '/admin/usage?group_by=key');
    const found = r.body.data?.find((d) => d.group === counted.id);
    return found && found.requests >= 2 ? found : null;
  });
  assert.ok(row, JSON.stringify((await stack.admin('GET', '/admin/usage?group_by=key')).body));
  assert.equal(row.requests, 2);
  assert.ok(Math.abs(row.credits - 2 * CREDITS_PER_REQUEST) < 1e-6, `credits ${row.credits}`);
});
