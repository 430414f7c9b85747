// The gateway against the independent Node fake Kiro: every answer delivered trickled (random pieces, real
// pauses, splits inside chunk-size lines, preludes, headers and payloads) must give the client exactly what
// the same answer delivered in one write gives (ids and timestamps normalized). OpenAI chat completions and
// Anthropic messages, streaming and not, text and tools. FAKE_SEEDS=a,b,c replays given seeds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { call, startNodeStack } from './fakekiro/stack.mjs';
import { normalize, firstDifference } from './fakekiro/compare.mjs';

// CI runs fixed seeds so a run is reproducible; FAKE_RANDOM_SEED=1 adds a fresh one (printed on failure).
const randomSeed = process.env.FAKE_RANDOM_SEED ? (Math.random() * 2 ** 32) >>> 0 : 404;
const SEEDS = process.env.FAKE_SEEDS
  ? process.env.FAKE_SEEDS.split(',').map((s) => Number(s) >>> 0)
  : [101, 202, 303, randomSeed];
// Piece-size bounds cycle with the seeds: small pieces split every field, larger ones still split frames.
const MAX_PIECES = [48, 7, 2, 23];

const weatherOpenAi = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather forecast for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } },
};
const weatherAnthropic = {
  name: 'get_weather', description: 'Weather forecast for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
};
const MODEL_ANTHROPIC = 'claude-sonnet-4-5-20250929';

const CASES = [
  { name: 'openai chat, non-streaming', path: '/v1/chat/completions',
    body: { model: 'kiro', messages: [{ role: 'user', content: 'Say something.' }] } },
  { name: 'openai chat, streaming', path: '/v1/chat/completions',
    body: { model: 'kiro', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream something.' }] } },
  { name: 'openai chat, non-streaming, long answer', path: '/v1/chat/completions', long: true,
    body: { model: 'kiro', messages: [{ role: 'user', content: 'Talk at length. [fake:long=2500]' }] } },
  { name: 'openai chat, streaming, long answer', path: '/v1/chat/completions', long: true,
    body: { model: 'kiro', stream: true, messages: [{ role: 'user', content: 'Stream at length. [fake:long=2500]' }] } },
  { name: 'openai chat, tool call, non-streaming', path: '/v1/chat/completions',
    body: { model: 'kiro', tools: [weatherOpenAi], messages: [{ role: 'user', content: 'Weather in Paris?' }] } },
  { name: 'openai chat, tool call, streaming', path: '/v1/chat/completions',
    body: { model: 'kiro', stream: true, stream_options: { include_usage: true }, tools: [weatherOpenAi], messages: [{ role: 'user', content: 'Weather in Paris?' }] } },
  { name: 'anthropic messages, non-streaming', path: '/v1/messages',
    body: { model: MODEL_ANTHROPIC, max_tokens: 512, messages: [{ role: 'user', content: 'Say something.' }] } },
  { name: 'anthropic messages, streaming', path: '/v1/messages',
    body: { model: MODEL_ANTHROPIC, max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'Stream something.' }] } },
  { name: 'anthropic messages, tool use, streaming', path: '/v1/messages',
    body: { model: MODEL_ANTHROPIC, max_tokens: 512, stream: true, tools: [weatherAnthropic], messages: [{ role: 'user', content: 'Weather in Berlin?' }] } },
];

let stack;
let key;
const reference = new Map(); // case name -> { status, lines }

async function ask(c) {
  const headers = c.path === '/v1/messages'
    ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' }
    : { authorization: `Bearer ${key}` };
  const r = await call(stack.baseUrl + c.path, { method: 'POST', body: c.body, headers, timeoutMs: 60_000 });
  return { status: r.status, lines: normalize(r.text, r.headers['content-type'] ?? '') };
}

before(async () => {
  stack = await startNodeStack({ fakeArgs: ['--coalesced', '--pause-ms', '0,2'], config: { kiro: ['slots_per_account = 4'] } });
  // Several accounts: one that a trickled failure cools down must not hide the next case's result.
  for (const n of ['a1', 'a2', 'a3', 'a4']) await stack.addAccount(n, `rt-node-${n}`);
  key = (await stack.createKey({ name: 'nodefake' })).key;
});

after(async () => {
  if (stack) await stack.stop();
});

describe('coalesced delivery (the reference)', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      await stack.fakeConfig({ delivery: 'coalesced' });
      const r = await ask(c);
      assert.equal(r.status, 200, `${c.name} (coalesced): ${r.lines.join('\n')}`);
      reference.set(c.name, r);
    });
  }
});

describe('trickled delivery gives the coalesced output', () => {
  for (const [i, seed] of SEEDS.entries()) {
    const maxPiece = MAX_PIECES[i % MAX_PIECES.length];
    for (const c of CASES) {
      if (c.long && maxPiece < 20) continue; // a ~35 KB answer in pieces of a few bytes takes minutes
      test(`${c.name} — seed ${seed}, pieces of 1..${maxPiece} bytes`, async (t) => {
        await stack.fakeConfig({ delivery: 'trickle', seed, maxPiece, maxChunk: 1 + (seed % 97) });
        const before = (await stack.fakeStats()).writes;
        const r = await ask(c);
        const writes = (await stack.fakeStats()).writes - before;
        const ref = reference.get(c.name);
        assert.ok(ref, `${c.name}: no coalesced reference (that test failed); trickled gave HTTP ${r.status}: ${r.lines.slice(0, 3).join('\n')}`);
        const hint = `seed ${seed} (maxPiece ${maxPiece}); replay: FAKE_SEEDS=${seed}`;
        t.diagnostic(`${hint}; the fake wrote the answer in ${writes} pieces`);
        assert.ok(writes > 10, `the answer should have been trickled, got ${writes} writes`);
        assert.equal(r.status, ref.status, `${c.name}: HTTP ${r.status}, coalesced gave ${ref.status}; ${hint}\n${r.lines.slice(0, 5).join('\n')}`);
        const diff = firstDifference(ref.lines, r.lines);
        assert.equal(diff, null, `${c.name}: output differs from coalesced delivery; ${hint}\n${diff}`);
      });
    }
  }
});

describe('request bodies as the fake received them', () => {
  test('social accounts send the profileArn from their refresh (issue 12 point 5)', async () => {
    await stack.fakeConfig({ delivery: 'coalesced', requireProfileArn: true });
    try {
      const r = await ask(CASES[0]);
      assert.equal(r.status, 200, r.lines.join('\n'));
      const body = (await stack.fakeStats()).bodies.at(-1);
      assert.equal(body.profileArn, 'arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK');
    } finally {
      await stack.fakeConfig({ requireProfileArn: false });
    }
  });
});
