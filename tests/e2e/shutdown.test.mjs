// Shutdown loses no answer: SIGTERM with answers in flight lets every one finish and reach the client whole,
// then exits 0; after a drain the user started (and even after it completed), SIGTERM still exits at once.
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/shutdown.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { startStack, waitFor } from './harness.mjs';

const WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEXT = WORDS.join(' ');

/** Resolves with the exit code (or signal) of a child, bounded. */
function exitOf(child, timeoutMs) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode ?? child.signalCode);
      return;
    }
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

async function stackWithKey(name) {
  const stack = await startStack({
    accounts: [{ name, token: `rt-${name}` }],
    fakeArgs: ['--text', TEXT, '--delay-ms', '60'],
    config: { kiro: ['slots_per_account = 8'], server: ['drain_timeout_s = 20'] },
  });
  await stack.addAccount(name, `rt-${name}`);
  const key = (await stack.createKey({ name: 'shutdown' })).key;
  return { stack, key };
}

function chat(stack, key, stream) {
  return fetch(`${stack.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'kiro', stream, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(30_000),
  });
}

test('SIGTERM with streams and a non-streaming answer in flight: all arrive whole, then exit 0', async () => {
  const { stack, key } = await stackWithKey('term');
  try {
    // Three streams under way (first bytes seen) and one non-streaming request waiting for its answer.
    const streams = await Promise.all([0, 1, 2].map(() => chat(stack, key, true)));
    const readers = streams.map(async (res) => {
      assert.equal(res.status, 200);
      let body = '';
      for await (const chunk of res.body) body += Buffer.from(chunk).toString('utf8');
      return body;
    });
    const plain = chat(stack, key, false);
    await waitFor(async () => (await stack.health()).body.in_flight >= 4, { timeoutMs: 5_000 });

    stack.gateway.child.kill('SIGTERM');
    const bodies = await Promise.all(readers);
    for (const body of bodies) {
      const text = body.split('\n').filter((l) => l.startsWith('data: {'))
        .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '').join('');
      assert.equal(text, TEXT, `a stream was cut: ${body.slice(-300)}`);
      assert.match(body, /data: \[DONE\]\n\n$/, 'every stream ends with [DONE]');
    }
    const res = await plain;
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, TEXT);
    assert.equal(await exitOf(stack.gateway.child, 20_000), 0, 'drawbridge exits 0 after the drain');
  } finally {
    await stack.stop();
  }
});

test('after a completed drain, SIGTERM exits at once; a drain can be resumed', async () => {
  const { stack, key } = await stackWithKey('drained');
  try {
    assert.equal((await stack.admin('POST', '/admin/drain')).status, 202);
    assert.equal((await stack.health()).status, 503);
    assert.equal((await stack.admin('POST', '/admin/resume')).status, 200);
    assert.equal((await stack.health()).status, 200);
    assert.equal((await chat(stack, key, false)).status, 200);
    assert.equal((await stack.admin('POST', '/admin/drain')).status, 202);
    const t0 = Date.now();
    stack.gateway.child.kill('SIGTERM');
    assert.equal(await exitOf(stack.gateway.child, 10_000), 0, 'SIGTERM after a finished drain exits 0');
    assert.ok(Date.now() - t0 < 5_000, `exit took ${Date.now() - t0} ms`);
  } finally {
    await stack.stop();
  }
});
