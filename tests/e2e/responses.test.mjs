// The official OpenAI Node SDK's Responses API (responses.create, responses.stream) against a real drawbridge:
// the C++ fake for text, tools, errors and the shared rate window; the independent Node fake (trickled, AWS's
// event-stream codec) for native reasoning and a failure after the first byte.
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/responses.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

import { startStack, waitFor } from './harness.mjs';
import { call, startNodeStack } from './fakekiro/stack.mjs';
import { firstDifference, normalize } from './fakekiro/compare.mjs';
import { DEFAULT_TEXT, REASONING_TEXT } from './fakekiro/scenario.mjs';

const WORDS = ['Responses', 'arrive', 'word', 'by', 'word', 'from', 'the', 'fake', 'Kiro', 'upstream.'];
const TEXT = WORDS.join(' ');
const TOOL_ARGS = { city: 'Paris', unit: 'celsius', days: 3 };

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather forecast for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string' }, days: { type: 'integer' } },
    required: ['city'],
  },
  strict: false,
};

let stack;
let key;
const client = (apiKey = key.key, baseUrl = stack.baseUrl) =>
  new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0, timeout: 30_000 });

before(async () => {
  stack = await startStack({
    accounts: [{ name: 'alice', token: 'rt-alice-responses' }],
    fakeArgs: ['--text', TEXT, '--delay-ms', '20', '--tool', `get_weather:${JSON.stringify(TOOL_ARGS)}`],
    config: { kiro: ['slots_per_account = 2'], limits: ['queue_timeout_s = 10'] },
  });
  await stack.addAccount('alice', 'rt-alice-responses');
  key = await stack.createKey({ name: 'responses' });
});

after(async () => {
  if (stack) {
    const codes = await stack.stop();
    assert.equal(codes.drawbridge, 0, 'drawbridge exits 0 on SIGTERM');
  }
});

describe('openai SDK: responses', () => {
  test('responses.create with a string input', async () => {
    const r = await client().responses.create({ model: 'kiro', input: 'Say something.', instructions: 'Be brief.' });
    assert.equal(r.object, 'response');
    assert.match(r.id, /^resp_/);
    assert.equal(r.status, 'completed');
    assert.equal(r.model, 'kiro');
    assert.equal(r.instructions, 'Be brief.');
    assert.equal(r.output_text, TEXT, 'the SDK\'s output_text joins the output_text parts');
    assert.equal(r.output.length, 1);
    assert.equal(r.output[0].type, 'message');
    assert.equal(r.output[0].role, 'assistant');
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0, JSON.stringify(r.usage));
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
    assert.equal(typeof r.usage.input_tokens_details.cached_tokens, 'number');
  });

  test('responses.create with message items (developer, user, assistant history)', async () => {
    const r = await client().responses.create({
      model: 'kiro',
      input: [
        { role: 'developer', content: 'Answer in English.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello?' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi.' }] },
        { role: 'user', content: 'Tell me more.' },
      ],
      max_output_tokens: 200,
      reasoning: { effort: 'low' },
      store: true,
    });
    assert.equal(r.output_text, TEXT);
    assert.equal(r.max_output_tokens, 200);
    assert.equal(r.store, false, 'nothing is stored, whatever the client asked');
  });

  test('stream: true yields the documented events with increasing sequence numbers', async () => {
    const stream = await client().responses.create({ model: 'kiro', input: 'Stream something.', stream: true });
    const types = [];
    let last = -1;
    let text = '';
    let deltas = 0;
    let completed = null;
    for await (const event of stream) {
      types.push(event.type);
      assert.ok(event.sequence_number > last, `sequence ${event.sequence_number} after ${last}`);
      last = event.sequence_number;
      if (event.type === 'response.output_text.delta') {
        text += event.delta;
        ++deltas;
      }
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(text, TEXT);
    assert.ok(deltas >= 2, `text came in ${deltas} delta(s)`);
    assert.deepEqual(types.slice(0, 4),
      ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.deepEqual(types.slice(-4),
      ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    assert.equal(completed.status, 'completed');
    assert.equal(completed.output[0].content[0].text, TEXT);
    assert.ok(completed.usage.output_tokens > 0);
  });

  test('responses.stream() assembles the same answer (the SDK checks every event against its snapshot)', async () => {
    const stream = client().responses.stream({ model: 'kiro', input: 'Stream helper.' });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => { deltas += e.delta; });
    const final = await stream.finalResponse();
    assert.equal(final.output_text, TEXT);
    assert.equal(deltas, TEXT);
    assert.equal(final.status, 'completed');
  });

  test('function tool call and its output, non-streaming', async () => {
    const r = await client().responses.create({ model: 'kiro', input: 'Weather in Paris?', tools: [weatherTool] });
    const calls = r.output.filter((i) => i.type === 'function_call');
    assert.equal(calls.length, 1, JSON.stringify(r.output));
    const [call] = calls;
    assert.equal(call.name, 'get_weather');
    assert.ok(call.call_id, 'a call has a call_id');
    assert.deepEqual(JSON.parse(call.arguments), TOOL_ARGS);
    assert.equal(r.tools[0].name, 'get_weather');

    const r2 = await client().responses.create({
      model: 'kiro',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"forecast":"sunny"}' },
      ],
    });
    assert.equal(r2.output_text, TEXT);
  });

  test('function tool call, streamed through responses.stream()', async () => {
    const stream = client().responses.stream({
      model: 'kiro', input: 'Weather in Paris?', tools: [weatherTool], tool_choice: 'required',
    });
    let args = '';
    stream.on('response.function_call_arguments.delta', (e) => { args += e.delta; });
    const final = await stream.finalResponse();
    const call = final.output.find((i) => i.type === 'function_call');
    assert.ok(call, JSON.stringify(final.output));
    assert.equal(call.status, 'completed');
    assert.deepEqual(JSON.parse(call.arguments), TOOL_ARGS);
    assert.equal(args, call.arguments, 'the argument deltas add up to the item\'s arguments');
  });
});

describe('openai SDK: responses errors', () => {
  const expectError = async (promise, Type, status, code) => {
    await assert.rejects(promise, (e) => {
      assert.ok(e instanceof Type, `want ${Type.name}, got ${e?.constructor?.name}: ${e?.message}`);
      assert.equal(e.status, status);
      if (code !== undefined) assert.equal(e.code, code, `error body: ${JSON.stringify(e.error)}`);
      assert.equal(typeof e.error?.message, 'string');
      return true;
    });
  };

  test('previous_response_id is 400 unsupported_parameter (the gateway is stateless)', async () => {
    await expectError(
      client().responses.create({ model: 'kiro', input: 'again', previous_response_id: 'resp_123' }),
      OpenAI.BadRequestError, 400, 'unsupported_parameter');
  });

  test('malformed input is 400, an unknown model 404, an unknown key 401', async () => {
    await expectError(client().responses.create({ model: 'kiro', input: [{ role: 'wizard', content: 'hi' }] }),
      OpenAI.BadRequestError, 400);
    await expectError(client().responses.create({ model: 'no-such-model-xyz', input: 'hi' }),
      OpenAI.NotFoundError, 404, 'model_not_found');
    await expectError(
      client('db-aaaaaaaa-thisisnotarealsecretthisisnotarealsecret').responses.create({ model: 'kiro', input: 'hi' }),
      OpenAI.AuthenticationError, 401, 'invalid_api_key');
  });

  test('a model outside the key\'s allow-list is 403', async () => {
    const narrow = await stack.createKey({ name: 'narrow', models: ['claude-haiku-4.5'] });
    await expectError(client(narrow.key).responses.create({ model: 'kiro', input: 'hi' }),
      OpenAI.PermissionDeniedError, 403, 'model_not_allowed');
  });

  test('one rate window per key across chat completions, messages and responses', async () => {
    const slow = await stack.createKey({ name: 'slow', rate_limit_rpm: 2 });
    const chat = await client(slow.key).chat.completions.create(
      { model: 'kiro', messages: [{ role: 'user', content: 'one' }] });
    assert.equal(chat.choices[0].message.content, TEXT);
    const messages = await fetch(`${stack.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': slow.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'kiro', max_tokens: 100, messages: [{ role: 'user', content: 'two' }] }),
      signal: AbortSignal.timeout(20_000),
    });
    assert.equal(messages.status, 200);
    await messages.text();
    await expectError(client(slow.key).responses.create({ model: 'kiro', input: 'three' }),
      OpenAI.RateLimitError, 429, 'rate_limit_exceeded');
  });

  test('the ledger counts responses requests for the key', async () => {
    const counted = await stack.createKey({ name: 'counted' });
    await client(counted.key).responses.create({ model: 'kiro', input: 'count one' });
    const s = await client(counted.key).responses.create({ model: 'kiro', input: 'count two', stream: true });
    for await (const _ of s) { /* drain */ }
    const row = await waitFor(async () => {
      const r = await stack.admin('GET', '/admin/usage?group_by=key');
      const found = r.body.data.find((d) => d.group === counted.id);
      return found && found.requests >= 2 ? found : null;
    }, { timeoutMs: 5_000 });
    assert.ok(row, 'two responses requests in /admin/usage');
    assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0, JSON.stringify(row));
  });
});

describe('openai SDK: responses against the Node fake (trickled)', () => {
  let node;
  let nodeKey;
  before(async () => {
    node = await startNodeStack();
    await node.addAccount('n1', 'rt-responses-node');
    nodeKey = (await node.createKey({ name: 'responses-node' })).key;
  });
  after(async () => {
    if (node) await node.stop();
  });

  // Trickled delivery (random pieces, real pauses, splits inside frames) must give what one write gives.
  const CASES = [
    { name: 'streaming text', body: { model: 'kiro', stream: true, input: 'Stream something.' } },
    { name: 'streaming reasoning and text', body: { model: 'kiro', stream: true, input: 'Why? [fake:reasoning]' } },
    { name: 'streaming tool call', body: { model: 'kiro', stream: true, input: 'Weather in Paris?',
      tools: [weatherTool] } },
    { name: 'non-streaming tool call', body: { model: 'kiro', input: 'Weather in Paris?', tools: [weatherTool] } },
  ];
  /** normalize() of the shared comparer, plus the Responses ids it does not know (item_id, call_id). */
  const ask = async (body) => {
    const r = await call(node.baseUrl + '/v1/responses',
      { method: 'POST', body, headers: { authorization: `Bearer ${nodeKey}` }, timeoutMs: 60_000 });
    const ids = new Map();
    const lines = normalize(r.text, r.headers['content-type'] ?? '').map((l) =>
      l.replace(/"(item_id|call_id)":"([^"]+)"/g, (_, k, v) => {
        if (!ids.has(v)) ids.set(v, `<${k}${ids.size}>`);
        return `"${k}":"${ids.get(v)}"`;
      }));
    return { status: r.status, lines };
  };
  for (const c of CASES) {
    test(`trickled delivery gives the coalesced output: ${c.name}`, async (t) => {
      await node.fakeConfig({ delivery: 'coalesced' });
      const reference = await ask(c.body);
      assert.equal(reference.status, 200, reference.lines.join('\n'));
      for (const [seed, maxPiece] of [[101, 48], [202, 7], [303, 2]]) {
        await node.fakeConfig({ delivery: 'trickle', seed, maxPiece, maxChunk: 1 + (seed % 97) });
        const r = await ask(c.body);
        const hint = `seed ${seed}, pieces of 1..${maxPiece} bytes`;
        t.diagnostic(hint);
        assert.equal(r.status, 200, `${hint}: ${r.lines.slice(0, 3).join('\n')}`);
        assert.equal(firstDifference(reference.lines, r.lines), null, hint);
      }
      await node.fakeConfig({ delivery: 'trickle', maxPiece: 48 });
    });
  }

  test('native reasoning becomes a reasoning item before the message', async () => {
    const c = client(nodeKey, node.baseUrl);
    const r = await c.responses.create({ model: 'kiro', input: 'Why is the sky blue? [fake:reasoning]' });
    assert.deepEqual(r.output.map((i) => i.type), ['reasoning', 'message']);
    assert.equal(r.output[0].content[0].type, 'reasoning_text');
    assert.equal(r.output[0].content[0].text, REASONING_TEXT);
    assert.equal(r.output_text, DEFAULT_TEXT);

    const stream = c.responses.stream({ model: 'kiro', input: 'Why is the sky blue? [fake:reasoning]' });
    let reasoning = '';
    stream.on('response.reasoning_text.delta', (e) => { reasoning += e.delta; });
    const final = await stream.finalResponse();
    assert.equal(reasoning, REASONING_TEXT);
    assert.equal(final.output[0].content[0].text, REASONING_TEXT);
    assert.equal(final.output_text, DEFAULT_TEXT);
  });

  test('an upstream failure after the first byte ends the stream with error and response.failed', async () => {
    const c = client(nodeKey, node.baseUrl);
    const stream = await c.responses.create(
      { model: 'kiro', input: 'Fail midway [fake:exception=ThrottlingException]', stream: true });
    const types = [];
    let failed = null;
    let error = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'error') error = event;
      if (event.type === 'response.failed') failed = event.response;
    }
    assert.ok(types.includes('response.output_text.delta'), `text first: ${types.join(', ')}`);
    assert.ok(error, `an error event: ${types.join(', ')}`);
    assert.equal(types.at(-1), 'response.failed');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, error.code);
    assert.ok(failed.error.message.length > 0);
    assert.ok(!types.includes('response.completed'));
  });
});
