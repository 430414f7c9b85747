// Kiro endpoints (issue 14, item 1), end to end: the real gateway against the Node fake, with kiro.api_base_urls
// listing a host nobody listens on, the new host (the fake's /runtime, which refuses IdC tokens like
// runtime.{R}.kiro.dev is reported to) and the old host. Each account falls back to the first endpoint that
// serves it, keeps it, and shows it in /admin/accounts; a request's own 400 moves nothing (docs/kiro.md#endpoints).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';

import { call, startNodeStack } from './fakekiro/stack.mjs';

let stack;
let key;
let closedUrl;
let social;
let idc;

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function chat(content) {
  return call(stack.baseUrl + '/v1/chat/completions', {
    method: 'POST', headers: { authorization: `Bearer ${key}` }, timeoutMs: 60_000,
    body: { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content }] },
  });
}

async function account(id) {
  const r = await stack.admin('GET', `/admin/accounts/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function only(id) {
  for (const other of [social.id, idc.id])
    assert.equal((await stack.admin('PATCH', `/admin/accounts/${other}`, { enabled: other === id })).status, 200);
}

async function statuses() {
  return (await stack.fakeStats()).statuses;
}

before(async () => {
  closedUrl = `http://127.0.0.1:${await closedPort()}`;
  stack = await startNodeStack({
    fakeArgs: ['--coalesced', '--endpoint', '/runtime:social-only'],
    config: { kiro: [`api_base_urls = ["${closedUrl}", "{FAKE}/runtime", "{FAKE}"]`] },
  });
  social = await stack.addAccount('social', 'rt-endpoints-social');
  idc = await stack.addAccount('idc', 'rt-endpoints-idc',
    { auth_method: 'idc', client_id: 'client-endpoints', client_secret: 'secret-endpoints' });
  key = (await stack.createKey({ name: 'endpoints' })).key;
});

after(async () => {
  if (stack) await stack.stop();
});

test('a new account starts on the first endpoint of kiro.api_base_urls', () => {
  assert.equal(social.endpoint, closedUrl);
  assert.equal(idc.endpoint, closedUrl);
});

test('social: cannot connect, so the new host; it is kept for the next request', async () => {
  await only(social.id);
  const r = await chat('Hello over the new host');
  assert.equal(r.status, 200, r.text);
  assert.equal((await account(social.id)).endpoint, `${stack.fakeUrl}/runtime`);
  assert.equal((await account(social.id)).status, 'active');
  const again = await chat('Hello again');
  assert.equal(again.status, 200, again.text);
  const s = await statuses();
  assert.equal(s['/runtime/generateAssistantResponse 200'], 2);
  assert.equal(s['/generateAssistantResponse 200'], undefined);
});

test('IdC: refused by the new host even with a fresh token, so the old host', async () => {
  await only(idc.id);
  const r = await chat('Hello from an IdC account');
  assert.equal(r.status, 200, r.text);
  const a = await account(idc.id);
  assert.equal(a.endpoint, stack.fakeUrl);
  assert.equal(a.status, 'active');
  assert.equal(a.last_error, null);
  const s = await statuses();
  assert.equal(s['/runtime/generateAssistantResponse 403'], 2); // once, and once more after a refresh
  assert.equal(s['/generateAssistantResponse 200'], 1);
});

test("a request's own 400 never moves the account", async () => {
  const r = await chat('Malformed on purpose [fake:http=400]');
  assert.equal(r.status, 400, r.text);
  assert.equal((await account(idc.id)).endpoint, stack.fakeUrl);
  assert.equal((await statuses())['/generateAssistantResponse 400'], 1);
});
