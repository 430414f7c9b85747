// The official OpenAI Node SDK against a real drawbridge and the fake Kiro upstream.
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/openai.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

import { startStack, waitFor, sleep } from './harness.mjs';

const WORDS = ['Drawbridge', 'relays', 'every', 'word', 'from', 'the', 'fake', 'Kiro', 'upstream', 'intact.'];
const TEXT = WORDS.join(' ');
const TOOL_ARGS = { city: 'Paris', unit: 'celsius', days: 3 };
const FRAME_DELAY_MS = 30;
const CREDITS_PER_REQUEST = 0.01; // what fake-kiro-upstream meters per answer (FakeKiroResponse::closing default)

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather forecast for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string' }, days: { type: 'integer' } },
      required: ['city'],
    },
  },
};

let stack;
let key; // a key for everything that is not about a special key
const client = (apiKey = key.key, opts = {}) =>
  new OpenAI({ apiKey, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0, timeout: 20_000, ...opts });
const ask = (content) => [{ role: 'user', content }];

before(async () => {
  stack = await startStack({
    accounts: [{ name: 'alice', token: 'rt-alice-e2e' }],
    fakeArgs: ['--text', TEXT, '--delay-ms', String(FRAME_DELAY_MS), '--tool', `get_weather:${JSON.stringify(TOOL_ARGS)}`],
    config: { kiro: ['slots_per_account = 2'], limits: ['queue_timeout_s = 10'] },
  });
  const account = await stack.addAccount('alice', 'rt-alice-e2e');
  assert.equal(account.name, 'alice');
  key = await stack.createKey({ name: 'main' });
  assert.match(key.key, /^db-[a-z2-7]{8}-[A-Za-z0-9]{32,}$/);
});

after(async () => {
  if (stack) {
    const codes = await stack.stop();
    assert.equal(codes.drawbridge, 0, 'drawbridge exits 0 on SIGTERM');
  }
});

describe('openai SDK: happy paths', () => {
  test('models.list() includes kiro', async () => {
    const ids = [];
    for await (const model of client().models.list()) ids.push(model.id);
    assert.ok(ids.includes('kiro'), `models: ${ids.join(', ')}`);
    const one = await client().models.retrieve('kiro');
    assert.equal(one.id, 'kiro');
  });

  test('non-streaming chat returns the fake\'s text', async () => {
    const r = await client().chat.completions.create({ model: 'kiro', messages: ask('Say something.') });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'kiro', 'the response echoes the model id the client sent');
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, TEXT);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0, JSON.stringify(r.usage));
  });

  test('streaming chat: the deltas add up to the fake\'s text', async () => {
    const stream = await client().chat.completions.create({
      model: 'kiro', messages: ask('Stream something.'), stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.delta?.content) {
          text += choice.delta.content;
          ++chunks;
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    assert.equal(text, TEXT);
    assert.ok(chunks >= 2, `text came in ${chunks} delta(s)`);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0, `usage chunk: ${JSON.stringify(usage)}`);
  });

  test('tool call, non-streaming', async () => {
    const r = await client().chat.completions.create({
      model: 'kiro', messages: ask('Weather in Paris?'), tools: [weatherTool],
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls?.length, 1, JSON.stringify(choice.message));
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.ok(call.id, 'tool call has an id');
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGS);

    // Send the result back: the fake then answers with text.
    const r2 = await client().chat.completions.create({
      model: 'kiro',
      tools: [weatherTool],
      messages: [
        ...ask('Weather in Paris?'),
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"forecast":"sunny"}' },
      ],
    });
    assert.equal(r2.choices[0].message.content, TEXT);
    assert.equal(r2.choices[0].finish_reason, 'stop');
  });

  test('tool call, streaming', async () => {
    const stream = await client().chat.completions.create({
      model: 'kiro', messages: ask('Weather in Paris?'), tools: [weatherTool], stream: true,
    });
    const calls = new Map();
    let finish = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        for (const d of choice.delta?.tool_calls ?? []) {
          const c = calls.get(d.index) ?? { id: '', name: '', args: '' };
          if (d.id) c.id = d.id;
          if (d.function?.name) c.name += d.function.name;
          if (d.function?.arguments) c.args += d.function.arguments;
          calls.set(d.index, c);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    assert.equal(calls.size, 1, JSON.stringify([...calls.values()]));
    const c = calls.get(0);
    assert.ok(c, 'the first tool call has index 0');
    assert.ok(c.id);
    assert.equal(c.name, 'get_weather');
    assert.deepEqual(JSON.parse(c.args), TOOL_ARGS);
    assert.equal(finish, 'tool_calls');
  });

  test('the SDK\'s stream helper (chat.completions.stream) assembles the same answer', async () => {
    const runner = client().chat.completions.stream({ model: 'kiro', messages: ask('Stream helper.') });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0].message.content, TEXT);
  });
});

describe('openai SDK: typed errors', () => {
  const expectError = async (promise, Type, status, code) => {
    await assert.rejects(promise, (e) => {
      assert.ok(e instanceof Type, `want ${Type.name}, got ${e?.constructor?.name}: ${e?.message}`);
      assert.equal(e.status, status);
      if (code !== undefined) assert.equal(e.code, code, `error body: ${JSON.stringify(e.error)}`);
      assert.equal(typeof e.error?.message, 'string', 'OpenAI error shape has error.message');
      assert.ok(e.error?.type, 'OpenAI error shape has error.type');
      return true;
    });
  };

  test('AuthenticationError for an unknown key', async () => {
    await expectError(
      client('db-aaaaaaaa-thisisnotarealsecretthisisnotarealsecret').chat.completions.create(
        { model: 'kiro', messages: ask('hi') }),
      OpenAI.AuthenticationError, 401, 'invalid_api_key');
  });

  test('PermissionDeniedError for a model outside the key\'s allow-list', async () => {
    const narrow = await stack.createKey({ name: 'narrow', models: ['claude-haiku-4.5'] });
    await expectError(
      client(narrow.key).chat.completions.create({ model: 'kiro', messages: ask('hi') }),
      OpenAI.PermissionDeniedError, 403, 'model_not_allowed');
  });

  test('RateLimitError on the second call of a 1 rpm key', async () => {
    const slow = await stack.createKey({ name: 'slow', rate_limit_rpm: 1 });
    const first = await client(slow.key).chat.completions.create({ model: 'kiro', messages: ask('one') });
    assert.equal(first.choices[0].message.content, TEXT);
    await expectError(
      client(slow.key).chat.completions.create({ model: 'kiro', messages: ask('two') }),
      OpenAI.RateLimitError, 429, 'rate_limit_exceeded');
    // Retry-After on the raw response.
    const res = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slow.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'kiro', messages: ask('three') }),
    });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) >= 1, `retry-after: ${res.headers.get('retry-after')}`);
  });

  test('BadRequestError for malformed messages', async () => {
    await expectError(
      client().chat.completions.create({ model: 'kiro', messages: [{ role: 'wizard', content: 'hi' }] }),
      OpenAI.BadRequestError, 400);
    await expectError(
      client().chat.completions.create({ model: 'kiro', messages: 'not an array' }),
      OpenAI.BadRequestError, 400);
  });

  test('NotFoundError for an unknown model', async () => {
    await expectError(
      client().chat.completions.create({ model: 'no-such-model-xyz', messages: ask('hi') }),
      OpenAI.NotFoundError, 404, 'model_not_found');
    await expectError(client().models.retrieve('no-such-model-xyz'), OpenAI.NotFoundError, 404);
  });
});

describe('cancellation and accounting', () => {
  test('aborting a stream mid-way frees its slot', async () => {
    const before = (await stack.health()).body;
    assert.ok(before.total_slots > 0, JSON.stringify(before));
    const controller = new AbortController();
    const stream = await client().chat.completions.create(
      { model: 'kiro', messages: ask('abort me'), stream: true }, { signal: controller.signal });
    let got = '';
    // The SDK either ends the iteration quietly or throws an abort error; both are fine.
    try {
      for await (const chunk of stream) {
        got += chunk.choices[0]?.delta?.content ?? '';
        if (got.length > 0) controller.abort();
      }
    } catch (e) {
      assert.ok(e instanceof OpenAI.APIUserAbortError || e?.name === 'AbortError' || /abort/i.test(String(e)), String(e));
    }
    assert.ok(got.length > 0 && got.length < TEXT.length, `aborted after ${JSON.stringify(got)}`);
    const health = await waitFor(async () => {
      const h = (await stack.health()).body;
      return h.available_slots === h.total_slots && h.in_flight === 0 ? h : null;
    }, { timeoutMs: 5_000 });
    assert.ok(health, `slots not freed within 5 s: ${JSON.stringify((await stack.health()).body)}`);
    assert.equal(health.total_slots, before.total_slots);
    // The fake saw the client go away too.
    const stats = await waitFor(async () => { const s = await stack.fakeStats(); return s.in_flight === 0 ? s : null; });
    assert.ok(stats, 'the upstream stream was closed');
  });

  test('/admin/usage?group_by=key matches what was sent and metered', async () => {
    const counted = await stack.createKey({ name: 'counted' });
    const c = client(counted.key);
    const n = 3;
    for (let i = 0; i < n; ++i)
      await c.chat.completions.create({ model: 'kiro', messages: ask(`count ${i}`) });
    const stream = await c.chat.completions.create({ model: 'kiro', messages: ask('count stream'), stream: true });
    for await (const _ of stream) { /* drain */ }
    await assert.rejects(c.chat.completions.create({ model: 'no-such-model-xyz', messages: ask('x') }));
    const sent = n + 1;

    const row = await waitFor(async () => {
      const r = await stack.admin('GET', '/admin/usage?group_by=key');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const found = r.body.data.find((d) => d.group === counted.id);
      return found && found.requests >= sent ? found : null;
    }, { timeoutMs: 5_000 });
    assert.ok(row, `no usage row with ${sent} requests for key ${counted.id}: `
      + JSON.stringify((await stack.admin('GET', '/admin/usage?group_by=key')).body));
    // The 404 for an unknown model never reached the provider; it may or may not be counted as an error row.
    assert.ok(row.requests === sent || row.requests === sent + 1, `requests ${row.requests}, sent ${sent}`);
    assert.ok(Math.abs(row.credits - sent * CREDITS_PER_REQUEST) < 1e-6,
      `credits ${row.credits}, want ${sent * CREDITS_PER_REQUEST}`);
    assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0, JSON.stringify(row));

    const keys = await stack.admin('GET', '/admin/keys');
    const listed = keys.body.data.find((k) => k.id === counted.id);
    assert.ok(listed && listed.requests >= sent, JSON.stringify(listed));
    assert.ok(!JSON.stringify(keys.body).includes(counted.key), 'the key secret is never listed');

    // The fake metered the same credits for the whole run as the gateway's ledger.
    const stats = await stack.fakeStats();
    const totals = await stack.admin('GET', '/admin/usage?group_by=account');
    assert.ok(Math.abs(totals.body.totals.credits - stats.total_credits) < 1e-6,
      `ledger ${totals.body.totals.credits} vs fake ${stats.total_credits}`);
  });
});

// Keep one small, unrelated sanity check last: the gateway is still healthy after everything above.
test('health is healthy at the end', async () => {
  await sleep(10);
  const h = await stack.health();
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'healthy');
  assert.equal(h.body.accounts, 1);
});
