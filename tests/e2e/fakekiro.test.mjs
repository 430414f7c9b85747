// The independent Node fake Kiro (fakekiro/) against AWS's official client @aws/codewhisperer-streaming-client:
// proof that the fake speaks what AWS's own client reads, trickled and coalesced. Also checks that trickled
// delivery really reaches a reader as many partial reads. Offline: everything is on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import {
  CodeWhispererStreamingClient, GenerateAssistantResponseCommand,
} from '@aws/codewhisperer-streaming-client';

import { startFakeKiro } from './fakekiro/fakekiro.mjs';
import { plan, DEFAULT_TEXT, DEFAULT_TOOL_ARGS } from './fakekiro/scenario.mjs';
import { decodeAll } from './fakekiro/frames.mjs';

process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1'; // node 20 is fine for this test
const TOKEN = 'static-bearer-for-the-official-client';
const SEEDS = (process.env.FAKE_SEEDS ?? '1,2,3,1234567').split(',').map(Number);

let fake;
before(async () => {
  fake = await startFakeKiro({ staticTokens: [TOKEN], maxPiece: 24, pauseMs: [0, 2] });
});
after(async () => fake?.close());

const configure = async (patch) => {
  const res = await fetch(`${fake.url}/__config`, { method: 'POST', body: JSON.stringify(patch), signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200);
};

function client() {
  return new CodeWhispererStreamingClient({
    region: 'us-east-1', endpoint: fake.url, token: { token: TOKEN }, maxAttempts: 1,
    requestHandler: { requestTimeout: 10_000, connectionTimeout: 5_000 },
  });
}

const request = (content, tools = []) => ({
  conversationState: {
    conversationId: 'conv-official-client', chatTriggerType: 'MANUAL',
    currentMessage: { userInputMessage: { content, modelId: 'auto', origin: 'AI_EDITOR',
      userInputMessageContext: tools.length ? { tools: tools.map((name) => ({ toolSpecification: {
        name, description: `tool ${name}`, inputSchema: { json: { type: 'object', properties: {} } } } })) } : undefined } },
  },
});

/** What the fake meant to send, decoded independently of the client: [{ eventType: payload }]. */
function expectedEvents(body) {
  return decodeAll(Buffer.concat(plan(body).frames)).map((f) => ({ [f.headers[':event-type']]: JSON.parse(f.payload) }));
}

async function run(body) {
  const out = await client().send(new GenerateAssistantResponseCommand(body));
  const events = [];
  for await (const ev of out.generateAssistantResponseResponse) events.push(JSON.parse(JSON.stringify(ev)));
  return { conversationId: out.conversationId, events };
}

/** Labels every byte of a raw chunked event-stream response with the part of the format it belongs to. */
function labelWire(wire) {
  const labels = new Array(wire.length);
  const headEnd = wire.indexOf('\r\n\r\n') + 4;
  labels.fill('http head', 0, headEnd);
  const body = [];
  const bodyOffsets = [];
  for (let pos = headEnd; pos < wire.length;) {
    const eol = wire.indexOf('\r\n', pos);
    labels.fill('chunk-size line', pos, eol + 2);
    const size = parseInt(wire.subarray(pos, eol).toString('latin1'), 16);
    pos = eol + 2;
    for (let i = 0; i < size; ++i) { body.push(wire[pos + i]); bodyOffsets.push(pos + i); }
    pos += size;
    labels.fill(size === 0 ? 'chunk-size line' : 'chunk CRLF', pos, pos + 2);
    pos += 2;
  }
  const b = Buffer.from(body);
  for (let f = 0; f < b.length;) {
    const total = b.readUInt32BE(f);
    const headersLength = b.readUInt32BE(f + 4);
    const mark = (from, to, label) => { for (let i = from; i < to; ++i) labels[bodyOffsets[i]] = label; };
    mark(f, f + 12, 'prelude');
    mark(f + 12, f + 12 + headersLength, 'event headers');
    mark(f + 12 + headersLength, f + total - 4, 'payload');
    mark(f + total - 4, f + total, 'message CRC');
    f += total;
  }
  return labels;
}

/** Drops undefined keys and sorts keys so the client's objects compare with the fake's JSON. */
const canon = (v) => JSON.parse(JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x)));

describe('official client against the Node fake', () => {
  for (const delivery of ['coalesced', 'trickle']) {
    for (const seed of delivery === 'trickle' ? SEEDS : [0]) {
      test(`text events decode (${delivery}, seed ${seed})`, async (t) => {
        await configure({ delivery, seed });
        const body = request('Say something.');
        const { conversationId, events } = await run(body);
        assert.equal(conversationId, 'conv-official-client');
        assert.deepEqual(canon(events), canon(expectedEvents(body)), `seed ${seed}`);
        const text = events.filter((e) => e.assistantResponseEvent).map((e) => e.assistantResponseEvent.content).join('');
        assert.equal(text, DEFAULT_TEXT, `seed ${seed}`);
        assert.deepEqual(events.at(-1), { meteringEvent: { unit: 'credit', unitPlural: 'credits', usage: 0.0125 } });
        t.diagnostic(`delivery=${delivery} seed=${seed}`);
      });

      test(`tool events decode (${delivery}, seed ${seed})`, async () => {
        await configure({ delivery, seed });
        const body = request('Weather?', ['get_weather']);
        const { events } = await run(body);
        assert.deepEqual(canon(events), canon(expectedEvents(body)), `seed ${seed}`);
        const tool = events.filter((e) => e.toolUseEvent).map((e) => e.toolUseEvent);
        assert.equal(tool[0].name, 'get_weather');
        assert.ok(tool.every((x) => x.toolUseId === tool[0].toolUseId));
        assert.deepEqual(JSON.parse(tool.map((x) => x.input ?? '').join('')), DEFAULT_TOOL_ARGS);
        assert.equal(tool.at(-1).stop, true);
        assert.ok(events.some((e) => e.contextUsageEvent?.contextUsagePercentage === 1.25));
      });
    }
  }

  test('an HTTP 429 reaches the client as ThrottlingException', async () => {
    await configure({ delivery: 'trickle', seed: 99 });
    await assert.rejects(run(request('[fake:http=429]')), (e) => e.name === 'ThrottlingException' && e.$metadata?.httpStatusCode === 429);
  });

  test('an InternalServerException frame mid-stream is thrown by the client after the first text', async () => {
    await configure({ delivery: 'trickle', seed: 5 });
    const out = await client().send(new GenerateAssistantResponseCommand(request('[fake:exception=InternalServerException]')));
    const seen = [];
    await assert.rejects((async () => {
      for await (const ev of out.generateAssistantResponseResponse) seen.push(ev);
    })(), (e) => e.name === 'InternalServerException');
    assert.equal(seen.length, 1);
    assert.ok(seen[0].assistantResponseEvent);
  });
});

describe('trickled delivery reaches a reader in pieces', () => {
  test('a raw socket sees many partial reads, with pauses between them', async () => {
    await configure({ delivery: 'trickle', seed: 42 });
    const { port } = new URL(fake.url);
    const body = JSON.stringify(request('[fake:long=2000]'));
    const reads = await new Promise((resolve, reject) => {
      const times = [];
      let total = 0;
      const s = net.connect(Number(port), '127.0.0.1', () => {
        s.write(`POST /generateAssistantResponse HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n`
          + `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      });
      s.setTimeout(20_000, () => s.destroy(new Error('timeout')));
      const cuts = [];
      const parts = [];
      s.on('data', (d) => { times.push(Date.now()); total += d.length; cuts.push(total); parts.push(d); });
      s.on('end', () => resolve({ count: times.length, total, spanMs: times.at(-1) - times[0], cuts,
        wire: Buffer.concat(parts) }));
      s.on('error', reject);
    });
    assert.ok(reads.count >= 50, `only ${reads.count} reads of ${reads.total} bytes`);
    assert.ok(reads.total / reads.count < 64, `average read ${reads.total / reads.count} bytes`);
    assert.ok(reads.spanMs >= 50, `spread over ${reads.spanMs} ms`);
    // Where the reads ended: every part of the wire format must have been cut through at least once.
    const labels = labelWire(reads.wire);
    const hit = {};
    for (const cut of reads.cuts.slice(0, -1)) hit[labels[cut - 1] === labels[cut] ? labels[cut] : 'boundary'] = true;
    for (const part of ['http head', 'chunk-size line', 'chunk CRLF', 'prelude', 'event headers', 'payload', 'message CRC'])
      assert.ok(hit[part], `no read ended inside the ${part}; seen: ${Object.keys(hit).join(', ')}`);
  });
});
