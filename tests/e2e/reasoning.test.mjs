// Native reasoning fields (issue 14, item 4; docs/kiro.md#native-reasoning), end to end: the real gateway against
// the Node fake, whose catalog advertises additionalModelRequestFieldsSchema per model (Claude: adaptive thinking and
// output_config.effort; GPT: reasoning.effort; others none) and whose chat refuses fields the model's schema does
// not allow, as the service does, and answers allowed ones with native reasoning. Clients are the official SDKs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { startNodeStack } from './fakekiro/stack.mjs';
import { REASONING_SIGNATURE, REASONING_TEXT } from './fakekiro/scenario.mjs';
import { waitFor } from './harness.mjs';

const MODELS = ['claude-sonnet-4.5', 'gpt-5.6-sol', 'qwen3-coder-480b'];
let stack;
let openai;
let anthropic;

/** The body of the last generateAssistantResponse the fake received. */
async function lastBody() {
  return (await stack.fakeStats()).bodies.at(-1);
}

function content(body) {
  return body.conversationState.currentMessage.userInputMessage.content;
}

before(async () => {
  stack = await startNodeStack({ fakeArgs: ['--coalesced', '--models', `rt-reasoning:${MODELS.join(',')}`] });
  const account = await stack.addAccount('reasoning', 'rt-reasoning');
  const key = (await stack.createKey({ name: 'reasoning' })).key;
  openai = new OpenAI({ apiKey: key, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0, timeout: 20_000 });
  anthropic = new Anthropic({ apiKey: key, baseURL: stack.baseUrl, maxRetries: 0, timeout: 20_000 });
  // The fields come from the catalog: wait until it has been read.
  await waitFor(async () => ((await stack.admin('GET', `/admin/accounts/${account.id}`)).body.models.length === 3 ? true : null));
});

after(async () => {
  if (stack) await stack.stop();
});

test('OpenAI reasoning_effort on a Claude model: adaptive thinking with that effort, native reasoning back', async () => {
  const r = await openai.chat.completions.create({
    model: 'claude-sonnet-4.5', reasoning_effort: 'high', messages: [{ role: 'user', content: 'Why is the sky blue?' }],
  });
  assert.equal(r.choices[0].message.reasoning_content, REASONING_TEXT);
  const body = await lastBody();
  assert.deepEqual(body.additionalModelRequestFields, { output_config: { effort: 'high' }, thinking: { type: 'adaptive' } });
  assert.ok(!content(body).includes('thinking_mode'), content(body));
});

test('Anthropic thinking with a budget: the effort it stands for, the signed thinking block back', async () => {
  const r = await anthropic.messages.create({
    model: 'claude-sonnet-4.5', max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4000 },
    messages: [{ role: 'user', content: 'Why is the sky blue?' }],
  });
  assert.deepEqual(r.content[0], { type: 'thinking', thinking: REASONING_TEXT, signature: REASONING_SIGNATURE });
  assert.deepEqual((await lastBody()).additionalModelRequestFields,
    { output_config: { effort: 'low' }, thinking: { type: 'adaptive' } });
});

test('Responses reasoning.effort on a GPT model: reasoning.effort as given', async () => {
  const r = await openai.responses.create({ model: 'gpt-5.6-sol', reasoning: { effort: 'xhigh' }, input: 'Why is the sky blue?' });
  assert.equal(r.status, 'completed');
  assert.deepEqual((await lastBody()).additionalModelRequestFields, { reasoning: { effort: 'xhigh' } });
});

test('no reasoning asked for: no fields', async () => {
  await openai.chat.completions.create({ model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal((await lastBody()).additionalModelRequestFields, undefined);
});

test('a model whose catalog entry offers nothing: the prompt emulation as before', async () => {
  const r = await openai.chat.completions.create({
    model: 'qwen3-coder-480b', reasoning_effort: 'high', messages: [{ role: 'user', content: 'Hi' }],
  });
  assert.ok(r.choices[0].message.content.length > 0);
  const body = await lastBody();
  assert.equal(body.additionalModelRequestFields, undefined);
  assert.ok(content(body).startsWith('<thinking_mode>enabled</thinking_mode><max_thinking_length>24000'), content(body));
});
