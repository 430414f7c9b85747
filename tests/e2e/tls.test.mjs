// The gateway against the Node fake over HTTPS, trickled: the fake's certificate comes from a CA made for this
// run, trusted only through kiro.ca_file. Then the same through an HTTP CONNECT proxy, given as kiro.proxy and as
// HTTPS_PROXY. Needs the openssl command. FAKE_SEEDS=a,b replays given seeds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { call, startNodeStack } from './fakekiro/stack.mjs';
import { makeTestPki } from './fakekiro/testpki.mjs';
import { startConnectProxy } from './fakekiro/connectproxy.mjs';
import { DEFAULT_TEXT } from './fakekiro/scenario.mjs';
import { startProgram, stopProgram } from './harness.mjs';

const SEEDS = process.env.FAKE_SEEDS ? process.env.FAKE_SEEDS.split(',').map((s) => Number(s) >>> 0)
  : [7, (Math.random() * 2 ** 32) >>> 0];

let pki;
before(() => { pki = makeTestPki(); });
after(() => pki?.remove());

async function chat(stack, key, { stream = false, content = 'Say something.' } = {}) {
  const r = await call(`${stack.baseUrl}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}` }, timeoutMs: 30_000,
    body: { model: 'kiro', stream, messages: [{ role: 'user', content }] },
  });
  if (!stream) return { status: r.status, text: r.json?.choices?.[0]?.message?.content, raw: r.text };
  let text = '';
  for (const line of r.text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    text += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '';
  }
  return { status: r.status, text, raw: r.text };
}

async function tlsStack(extra = {}) {
  return startNodeStack({
    fakeArgs: ['--tls', pki.certFile, pki.keyFile, '--pause-ms', '0,2'],
    fakeCa: pki.ca,
    ...extra,
    config: { ...(extra.config ?? {}), kiro: [`ca_file = "${pki.caFile}"`, ...(extra.config?.kiro ?? [])] },
  });
}

describe('HTTPS upstream with kiro.ca_file, trickled', () => {
  let stack;
  let key;
  before(async () => {
    stack = await tlsStack();
    assert.match(stack.fakeUrl, /^https:/);
    await stack.addAccount('tls', 'rt-tls');
    key = (await stack.createKey({ name: 'tls' })).key;
  });
  after(async () => stack?.stop());

  for (const seed of SEEDS) {
    for (const stream of [false, true]) {
      test(`chat over TLS, ${stream ? 'streaming' : 'non-streaming'} — seed ${seed}`, async (t) => {
        await stack.fakeConfig({ delivery: 'trickle', seed, maxPiece: 16 });
        const before = (await stack.fakeStats()).writes;
        const r = await chat(stack, key, { stream });
        const writes = (await stack.fakeStats()).writes - before;
        t.diagnostic(`seed ${seed}: ${writes} TLS writes; replay: FAKE_SEEDS=${seed}`);
        assert.equal(r.status, 200, `seed ${seed}: ${r.raw.slice(0, 300)}`);
        assert.equal(r.text, DEFAULT_TEXT, `seed ${seed}`);
        assert.ok(writes > 10, `trickled: ${writes} writes`);
      });
    }
  }
});

describe('TLS session resumption', () => {
  test('new upstream connections resume the session the server issued (Node tells which did)', async (t) => {
    const stack = await tlsStack();
    try {
      await stack.addAccount('resume', 'rt-resume', { slots: 8 });
      const key = (await stack.createKey({ name: 'resume' })).key;
      // The first chat needs a connection of its own; its session's tickets come with the answer.
      await stack.fakeConfig({ delivery: 'trickle', seed: SEEDS[0], maxPiece: 16, pauseMs: [1, 3] });
      const first = await chat(stack, key, { stream: true });
      assert.equal(first.status, 200, first.raw.slice(0, 300));
      const before = (await stack.fakeStats()).tls;
      // Six slow streams at once: more than the pool holds idle, so new connections open.
      await stack.fakeConfig({ delivery: 'trickle', seed: SEEDS[0], maxPiece: 16, pauseMs: [5, 10] });
      const burst = await Promise.all(Array.from({ length: 6 }, () => chat(stack, key, { stream: true })));
      for (const r of burst) {
        assert.equal(r.status, 200, r.raw.slice(0, 300));
        assert.equal(r.text, DEFAULT_TEXT);
      }
      const after = (await stack.fakeStats()).tls;
      // The chat connections whose handshake came after the first chat's answer.
      const fresh = after.chats.filter((c) => c.handshake > before.handshakes);
      const diag = `chat connections ${JSON.stringify(after.chats)}; handshakes before the burst ${before.handshakes}`;
      assert.ok(before.chats.length >= 1, diag);
      assert.ok(fresh.length >= 1, `the burst opened no new connection: ${diag}`);
      assert.ok(fresh.every((c) => c.resumed), `every new connection resumes: ${diag}`);
      t.diagnostic(`${fresh.length} new chat connections, all resumed (${after.handshakes - before.handshakes} handshakes in all)`);
    } finally {
      await stack.stop();
    }
  });
});

describe('accounts kept apart on the wire', () => {
  test('each account has TLS connections and sessions of its own (Node tells which resumed)', async (t) => {
    const stack = await tlsStack();
    try {
      // One slot each: two streams at once take both accounts.
      await stack.addAccount('one', 'rt-one', { slots: 1 });
      await stack.addAccount('two', 'rt-two', { slots: 1 });
      const key = (await stack.createKey({ name: 'apart' })).key;
      await stack.fakeConfig({ delivery: 'trickle', seed: SEEDS[0], maxPiece: 16, pauseMs: [2, 5] });
      for (let round = 0; round < 3; round += 1) {
        const burst = await Promise.all([chat(stack, key, { stream: true }), chat(stack, key, { stream: true })]);
        for (const r of burst) {
          assert.equal(r.status, 200, r.raw.slice(0, 300));
          assert.equal(r.text, DEFAULT_TEXT);
        }
      }
      const { connections } = (await stack.fakeStats()).tls;
      // The test's own calls to the fake carry no account.
      const gateway = connections.filter((c) => c.accounts.length > 0);
      const diag = `connections ${JSON.stringify(gateway)}`;
      assert.ok(gateway.every((c) => c.accounts.length === 1), `a connection carried two accounts: ${diag}`);
      const byAccount = new Map();
      for (const c of gateway) byAccount.set(c.accounts[0], [...(byAccount.get(c.accounts[0]) ?? []), c]);
      assert.deepEqual([...byAccount.keys()].sort(), ['rt-one', 'rt-two'], diag);
      for (const [account, conns] of byAccount) {
        const first = conns.reduce((a, b) => (a.handshake < b.handshake ? a : b));
        // An account's first connection has no session of its own to resume; resuming would mean it presented
        // another account's ticket.
        assert.equal(first.resumed, false, `${account}'s first connection resumed a session: ${diag}`);
      }
      t.diagnostic(`${gateway.length} gateway connections, one account each: ${diag}`);
    } finally {
      await stack.stop();
    }
  });
});

describe('without the CA file the fake is refused', () => {
  test('TLS verification fails before any request reaches the fake', async () => {
    const stack = await startNodeStack({ fakeArgs: ['--tls', pki.certFile, pki.keyFile], fakeCa: pki.ca,
      config: { limits: ['queue_timeout_s = 3'] } });
    try {
      await stack.admin('POST', '/admin/accounts',
        { type: 'kiro', name: 'untrusted', auth_method: 'social', refresh_token: 'rt-untrusted' });
      const key = (await stack.createKey({ name: 'untrusted' })).key;
      const r = await chat(stack, key);
      assert.notEqual(r.status, 200, r.raw.slice(0, 300));
      const stats = await stack.fakeStats();
      assert.deepEqual(stats.requests, {}, `no request may reach an untrusted server: ${JSON.stringify(stats.requests)}`);
    } finally {
      await stack.stop();
    }
  });
});

describe('through an HTTP CONNECT proxy', () => {
  for (const how of ['kiro.proxy', 'HTTPS_PROXY']) {
    test(`HTTPS upstream via ${how}, trickled`, async () => {
      const proxy = await startConnectProxy();
      const stack = await tlsStack(how === 'kiro.proxy'
        ? { config: { kiro: [`proxy = "${proxy.url}"`] } }
        : { gatewayEnv: { HTTPS_PROXY: proxy.url } });
      try {
        await stack.fakeConfig({ delivery: 'trickle', seed: SEEDS[0], maxPiece: 16 });
        await stack.addAccount('proxied', 'rt-proxied');
        const key = (await stack.createKey({ name: 'proxied' })).key;
        for (const stream of [false, true]) {
          const r = await chat(stack, key, { stream });
          assert.equal(r.status, 200, `${how}, seed ${SEEDS[0]}: ${r.raw.slice(0, 300)}`);
          assert.equal(r.text, DEFAULT_TEXT);
        }
        const port = new URL(stack.fakeUrl).port;
        assert.ok(proxy.targets.length >= 1, 'the gateway used the proxy');
        assert.ok(proxy.targets.every((t) => t === `127.0.0.1:${port}`), proxy.targets.join(', '));
      } finally {
        await stack.stop();
        await proxy.close();
      }
    });
  }
});

describe('a bad ca_file stops the start with one line naming the key', () => {
  test('unreadable and non-PEM ca_file', async () => {
    const bin = process.env.DRAWBRIDGE_BIN;
    assert.ok(bin, 'set DRAWBRIDGE_BIN');
    for (const [value, words] of [['/nonexistent/ca.pem', 'cannot read'], [pki.keyFile, 'no PEM certificate']]) {
      const config = join(pki.dir, `bad-${words.replace(/\W/g, '')}.toml`);
      writeFileSync(config, `[server]\nhost = "127.0.0.1"\n[kiro]\nca_file = "${value}"\n`);
      const err = await new Promise((resolve) => {
        startProgram(bin, ['--headless', '--ephemeral', '--port', '0', '--config', config], {
          ready: /^drawbridge listening on (.*)$/m, timeoutMs: 10_000, name: 'drawbridge',
          env: { ...process.env, HOME: pki.dir, XDG_CONFIG_HOME: pki.dir, XDG_DATA_HOME: pki.dir, QT_QPA_PLATFORM: 'offscreen' },
        }).then(async (p) => { await stopProgram(p.child); resolve(null); }, (e) => resolve(e.message));
      });
      assert.ok(err, `drawbridge started with ca_file = ${value}`);
      const line = err.split('\n').find((l) => l.includes('kiro.ca_file'));
      assert.ok(line, err);
      assert.ok(line.includes(words), line);
    }
  });
});
