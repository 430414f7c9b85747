// The per-account model catalog (issue 14, item 4), end to end: the real gateway against the Node fake, where
// a free and a pro account have different tiers (ListAvailableModels, and chat refusing other models with
// INVALID_MODEL_ID as the service does). A model goes only to accounts whose tier has it; /admin/accounts shows each
// account's models; a model no account has is 404 model_not_found without a call to Kiro (docs/kiro.md); /v1/models
// (read with the official OpenAI SDK) lists the union of the catalogs, a model only the pro tier has included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

import { call, startNodeStack } from './fakekiro/stack.mjs';
import { waitFor } from './harness.mjs';

let stack;
let key;
let free;
let pro;

function chat(model) {
  return call(stack.baseUrl + '/v1/chat/completions', {
    method: 'POST', headers: { authorization: `Bearer ${key}` }, timeoutMs: 60_000,
    body: { model, messages: [{ role: 'user', content: `Hello ${model}` }] },
  });
}

async function account(id) {
  return (await stack.admin('GET', `/admin/accounts/${id}`)).body;
}

before(async () => {
  stack = await startNodeStack({
    fakeArgs: ['--coalesced', '--models', 'rt-tier-free:claude-sonnet-4.5',
      '--models', 'rt-tier-pro:claude-sonnet-4.5,claude-opus-4.5,qwen3-coder-480b'],
  });
  free = await stack.addAccount('free', 'rt-tier-free');
  pro = await stack.addAccount('pro', 'rt-tier-pro');
  key = (await stack.createKey({ name: 'catalog' })).key;
});

after(async () => {
  if (stack) await stack.stop();
});

test('each account shows the models its tier may use', async () => {
  const freeModels = await waitFor(async () => {
    const m = (await account(free.id)).models;
    return m.length === 1 ? m : null;
  });
  assert.deepEqual(freeModels, ['claude-sonnet-4.5']);
  assert.deepEqual(await waitFor(async () => {
    const m = (await account(pro.id)).models;
    return m.length === 3 ? m : null;
  }), ['claude-sonnet-4.5', 'claude-opus-4.5', 'qwen3-coder-480b']);
});

test('a model goes only to the accounts that have it', async () => {
  for (let i = 0; i < 4; ++i) {
    const r = await chat('claude-opus-4.5');
    assert.equal(r.status, 200, r.text);
  }
  const stats = await stack.fakeStats();
  assert.equal(stats.statuses['/generateAssistantResponse 200'], 4);
  assert.equal(stats.statuses['/generateAssistantResponse 400'], undefined); // the free tier was never asked
  assert.equal((await account(free.id)).requests, 0);
  assert.equal((await account(pro.id)).requests, 4);
});

test('both tiers share a model: both serve it', async () => {
  for (let i = 0; i < 6; ++i) assert.equal((await chat('claude-sonnet-4.5')).status, 200);
  assert.ok((await account(free.id)).requests > 0);
});

test('a model no account may use: 404 model_not_found, Kiro never asked', async () => {
  const before = (await stack.fakeStats()).requests['/generateAssistantResponse'];
  const r = await chat('claude-haiku-4.5');
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.code, 'model_not_found');
  assert.equal((await stack.fakeStats()).requests['/generateAssistantResponse'], before);
});

test('/v1/models lists the union of the catalogs, not kiro.models', async () => {
  const openai = new OpenAI({ apiKey: key, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0, timeout: 20_000 });
  const listed = async () => {
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    return ids;
  };
  // Both catalogs read: kiro, then kiro.models' order for what it names, then the rest by name.
  const ids = await waitFor(async () => {
    const now = await listed();
    return now.includes('qwen3-coder-480b') && !now.includes('claude-haiku-4.5') ? now : null;
  });
  assert.deepEqual(ids, ['kiro', 'claude-sonnet-4.5', 'claude-opus-4.5', 'qwen3-coder-480b']);
  // The model only the pro tier has is one the gateway accepts, and it goes to pro.
  assert.equal((await openai.models.retrieve('qwen3-coder-480b')).id, 'qwen3-coder-480b');
  const proBefore = (await account(pro.id)).requests;
  const r = await chat('qwen3-coder-480b');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.model, 'qwen3-coder-480b');
  assert.equal((await account(pro.id)).requests, proBefore + 1);
});
