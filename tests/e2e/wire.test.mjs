// Wire fidelity: whatever the schedule in which Kiro's bytes reach the gateway, clients get the same answer.
//
// A property test over real sockets and real processes: fake-kiro-upstream delivers every answer once in one
// write per frame (the reference) and then trickled, in seeded random pieces with real pauses, from one byte to a
// few hundred, split inside the chunk-size line, the CRLFs, the prelude, the headers and the payload. The client
// output of the gateway (OpenAI and Anthropic, streaming and not, text and tool calls, a few KB of text) must be
// byte-identical after the per-request ids and timestamps are normalised. A failure names the seed.
//   WIRE_SEEDS=1,2,3 overrides the seeds; each seed is one schedule family (piece size and pause vary with it).
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/wire.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startStack } from './harness.mjs';

const WORDS = [];
for (let i = 0; i < 160; ++i) WORDS.push(`w${i}-${'ü€😀'.slice(0, 1 + (i % 3))}`);
const TEXT = WORDS.join(' '); // ~1.6 KB of text in 160 frames, multi-byte UTF-8 included
const TOOL_ARGS = { city: 'Paris', unit: 'celsius', days: 3, note: 'ä ö ü "quoted" \\ back' };
const SEEDS = (process.env.WIRE_SEEDS || '1,2,3,4,5').split(',').map(Number);
// Per seed: the largest piece and the longest pause. Seed 1 trickles one byte at a time.
const schedule = (seed) => ({ piece: [1, 7, 48, 300, 13][(seed - 1) % 5], pause: seed === 1 ? 0 : 2 });

const openaiTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const anthropicTool = {
  name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } },
};

const REQUESTS = [
  { name: 'openai text', path: '/v1/chat/completions', body: { model: 'kiro', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'openai text stream', path: '/v1/chat/completions', body: { model: 'kiro', stream: true, messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'openai tool', path: '/v1/chat/completions', body: { model: 'kiro', tools: [openaiTool], messages: [{ role: 'user', content: 'weather?' }] } },
  { name: 'openai tool stream', path: '/v1/chat/completions', body: { model: 'kiro', stream: true, tools: [openaiTool], messages: [{ role: 'user', content: 'weather?' }] } },
  { name: 'anthropic text', path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'anthropic text stream', path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 4096, stream: true, messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'anthropic tool', path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 4096, tools: [anthropicTool], messages: [{ role: 'user', content: 'weather?' }] } },
  { name: 'anthropic tool stream', path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 4096, stream: true, tools: [anthropicTool], messages: [{ role: 'user', content: 'weather?' }] } },
];

/** Ids and timestamps differ per request by design; everything else must match byte for byte. */
function normalise(text) {
  return text
    .replace(/"id":"(chatcmpl|msg)_?-?[A-Za-z0-9_-]+"/g, '"id":"<id>"')
    .replace(/"created":\d+/g, '"created":0')
    .replace(/"tooluse_fake\d+"/g, '"<tool-id>"');
}

async function runAll(stack, key) {
  const out = [];
  for (const r of REQUESTS) {
    const res = await fetch(stack.baseUrl + r.path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(r.body),
      signal: AbortSignal.timeout(60_000),
    });
    out.push({ name: r.name, status: res.status, body: normalise(await res.text()) });
  }
  return out;
}

async function startWith(fakeArgs) {
  const stack = await startStack({
    accounts: [{ name: 'alice', token: 'rt-alice-wire' }],
    fakeArgs: ['--text', TEXT, '--tool', `get_weather:${JSON.stringify(TOOL_ARGS)}`, ...fakeArgs],
    config: { kiro: ['slots_per_account = 2'] },
  });
  await stack.addAccount('alice', 'rt-alice-wire');
  const key = await stack.createKey({ name: 'wire', rate_limit_rpm: 10000 });
  return { stack, key: key.key };
}

let reference;

before(async () => {
  const { stack, key } = await startWith(['--delivery', 'coalesced']);
  try {
    reference = await runAll(stack, key);
  } finally {
    await stack.stop();
  }
  for (const r of reference) {
    assert.equal(r.status, 200, `reference ${r.name}: ${r.body.slice(0, 300)}`);
    assert.ok(!r.body.includes('"error"'), `reference ${r.name} carries an error: ${r.body.slice(0, 300)}`);
  }
  // The reference must really contain the whole text and the tool arguments.
  assert.ok(reference[0].body.includes(WORDS.at(-1)), 'reference text complete');
  assert.ok(reference[2].body.includes('Paris'), 'reference tool call');
});

describe('trickled delivery gives the same client output as coalesced delivery', () => {
  for (const seed of SEEDS) {
    const { piece, pause } = schedule(seed);
    test(`seed ${seed} (pieces 1..${piece} bytes, pauses 0..${pause} ms)`, async () => {
      const { stack, key } = await startWith(['--delivery', 'trickle', '--seed', String(seed),
        '--piece-bytes', String(piece), '--pause-ms', String(pause)]);
      let got;
      let stats;
      try {
        got = await runAll(stack, key);
        stats = await stack.fakeStats();
      } finally {
        await stack.stop();
      }
      // The fake really cut every answer into many writes.
      assert.ok(stats.pieces_written > REQUESTS.length * 20, `seed ${seed}: only ${stats.pieces_written} pieces`);
      for (let i = 0; i < REQUESTS.length; ++i) {
        assert.equal(got[i].status, reference[i].status, `seed ${seed}, ${got[i].name}: status; body ${got[i].body.slice(0, 300)}`);
        assert.equal(got[i].body, reference[i].body, `seed ${seed}, ${got[i].name}: output differs from coalesced delivery`);
      }
    });
  }
});

describe('streaming relays each frame as it arrives', () => {
  test('20 frames 50 ms apart, trickled: deltas reach the client spread out, not in one burst at the end', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const stack = await startStack({
      accounts: [{ name: 'alice', token: 'rt-alice-timing' }],
      fakeArgs: ['--text', words.join(' '), '--delay-ms', '50', '--delivery', 'trickle', '--seed', '9'],
    });
    try {
      await stack.addAccount('alice', 'rt-alice-timing');
      const key = (await stack.createKey({ name: 'timing' })).key;
      const t0 = performance.now();
      const res = await fetch(stack.baseUrl + '/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'kiro', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(res.status, 200);
      const arrivals = [];
      let text = '';
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 2);
          const data = event.replace(/^data: /, '');
          if (data === '[DONE]') continue;
          const delta = JSON.parse(data).choices?.[0]?.delta?.content;
          if (delta) {
            text += delta;
            arrivals.push(performance.now() - t0);
          }
        }
      }
      assert.equal(text, words.join(' '));
      const spread = arrivals.at(-1) - arrivals[0];
      const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]).sort((a, b) => a - b);
      // The upstream takes 19 × 50 ms between its first and last frame; a gateway that buffered would show ~0.
      assert.ok(spread > 19 * 50 * 0.7, `deltas spread over ${spread.toFixed(0)} ms only`);
      assert.ok(arrivals[0] < 1000, `first delta after ${arrivals[0].toFixed(0)} ms`);
      assert.ok(gaps.at(-1) < 400, `largest gap ${gaps.at(-1).toFixed(0)} ms`);
    } finally {
      await stack.stop();
    }
  });
});
