// Codex CLI itself (@openai/codex, pinned in package.json; its native binary ships inside the npm package) against
// a real drawbridge and the fake Kiro upstream: `codex exec` offline, in a temporary HOME whose config.toml adds
// Drawbridge as a custom model provider (wire_api = "responses", the key in an env_key variable), the way
// docs/api.md tells users to set it up. Everything off loopback goes to a proxy that refuses it; the startup
// plugin sync and the update check are off, so a run makes no off-loopback attempt at all.
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/codex.test.mjs
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runInTempHome, startRecorder, startRefusingProxy, startStack } from './harness.mjs';

const RUN_TIMEOUT_MS = 90_000;
const KEY_VARIABLE = 'DRAWBRIDGE_API_KEY';

/** `codex` as npm installs it: the package's launcher, which runs the native binary of this platform. */
function codexCommand() {
  return { bin: process.execPath, args: [createRequire(import.meta.url).resolve('@openai/codex/bin/codex.js')] };
}

/** The provider table of docs/api.md ("Codex CLI"), pointed at @p baseUrl. */
function codexConfig(baseUrl) {
  return [
    // Offline: no update check, no curated plugin sync (it resolves github.com and chatgpt.com), no analytics.
    'check_for_update_on_startup = false',
    'model = "kiro"',
    'model_provider = "drawbridge"',
    '',
    '[model_providers.drawbridge]',
    'name = "Drawbridge"',
    `base_url = "${baseUrl}/v1"`,
    `env_key = "${KEY_VARIABLE}"`,
    'wire_api = "responses"',
    '',
    '[features]',
    'plugins = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
  ].join('\n');
}

/** Runs `codex exec PROMPT` in `cwd` with a fresh HOME holding its config.toml; SIGKILL after RUN_TIMEOUT_MS. */
function runCodex({ prompt, baseUrl, apiKey, proxyUrl, cwd }) {
  const { bin, args } = codexCommand();
  // stdin closed (runInTempHome): `codex exec` reads extra input from a pipe until EOF.
  return runInTempHome({
    bin, args: [...args, 'exec', '--skip-git-repo-check', prompt], cwd, proxyUrl, homePrefix: 'drawbridge-codex-home-',
    timeoutMs: RUN_TIMEOUT_MS,
    prepareHome: (home) => {
      const codexHome = join(home, '.codex');
      mkdirSync(codexHome);
      writeFileSync(join(codexHome, 'config.toml'), codexConfig(baseUrl));
      return { CODEX_HOME: codexHome };
    },
    env: { [KEY_VARIABLE]: apiKey },
  });
}

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setUp(fakeArgs, keyFields = {}) {
  const stack = await startStack({ accounts: [{ name: 'cx', token: 'rt-codex' }], fakeArgs });
  cleanups.push(async () => {
    const codes = await stack.stop();
    assert.equal(codes.drawbridge, 0, 'drawbridge exits 0 on SIGTERM');
  });
  await stack.addAccount('cx', 'rt-codex');
  const key = await stack.createKey({ name: 'codex', ...keyFields });
  const recorder = await startRecorder(stack.baseUrl);
  const proxy = await startRefusingProxy();
  cleanups.push(() => { recorder.close(); proxy.close(); });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'drawbridge-codex-cwd-')));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  return { stack, key, recorder, proxy, cwd };
}

function explain(run, recorder, proxy, stack) {
  return [`exit ${run.code}${run.timedOut ? ' (killed after timeout)' : ''}`, `stdout: ${run.stdout}`,
    `stderr: ${run.stderr.slice(-3000)}`,
    `requests: ${recorder.exchanges.map((e) => `${e.method} ${e.url} -> ${e.status}`).join(', ')}`,
    `refused off-loopback attempts: ${proxy.attempts.join(', ') || 'none'}`,
    `gateway log: ${stack.gateway.stderr().slice(-2000)}`].join('\n');
}

describe('codex exec against drawbridge (offline, wire_api = "responses")', () => {
  test('a prompt: Codex streams /v1/responses and prints the fake\'s answer', async (t) => {
    const ANSWER = 'Drawbridge relayed this to Codex from the fake Kiro.';
    const { stack, key, recorder, proxy, cwd } = await setUp(['--text', ANSWER]);
    const run = await runCodex({ prompt: 'Say hello.', baseUrl: recorder.url, apiKey: key.key, proxyUrl: proxy.url, cwd });
    const why = explain(run, recorder, proxy, stack);
    assert.equal(run.code, 0, why);
    assert.equal(run.stdout.trim(), ANSWER, why);

    const calls = recorder.exchanges.filter((e) => e.url === '/v1/responses');
    assert.equal(calls.length, 1, why);
    assert.equal(calls[0].status, 200, why);
    assert.equal(calls[0].headers.authorization, `Bearer ${key.key}`, 'the key comes from env_key');
    const body = JSON.parse(calls[0].body);
    assert.equal(body.model, 'kiro');
    assert.equal(body.stream, true);
    assert.equal(body.store, false);
    assert.ok(body.tools.some((x) => x.type === 'function'), 'Codex declares function tools');
    t.diagnostic(`Codex sent tools ${body.tools.map((x) => x.name ?? x.type).join(',')}; ` +
      `input ${body.input.map((i) => i.role ?? i.type).join(',')}; other fields ${Object.keys(body).join(',')}`);
    assert.deepEqual(proxy.attempts, [], 'no off-loopback attempt');
    assert.deepEqual(recorder.exchanges.map((e) => e.url), ['/v1/responses'], 'nothing else is asked of the gateway');
  });

  test('a tool round trip: the fake calls exec_command, Codex runs it and sends function_call_output back', async () => {
    const ANSWER = 'The file says what the fake expected.';
    const MARKER = 'drawbridge-codex-marker-5c1e';
    // exec_command is the shell tool Codex 0.171.0 declares; `cat` only reads the temporary directory, which
    // Codex's read-only sandbox allows.
    const { stack, key, recorder, proxy, cwd } = await setUp(
      ['--text', ANSWER, '--tool', `exec_command:${JSON.stringify({ cmd: 'cat hello.txt' })}`]);
    writeFileSync(join(cwd, 'hello.txt'), `${MARKER}\n`);
    const run = await runCodex({ prompt: 'Read hello.txt and tell me what it says.', baseUrl: recorder.url,
      apiKey: key.key, proxyUrl: proxy.url, cwd });
    const why = explain(run, recorder, proxy, stack);
    assert.equal(run.code, 0, why);
    assert.equal(run.stdout.trim(), ANSWER, why);

    const calls = recorder.exchanges.filter((e) => e.url === '/v1/responses');
    assert.equal(calls.length, 2, why);
    for (const c of calls) assert.equal(c.status, 200, why);
    const second = JSON.parse(calls[1].body);
    const call = second.input.find((i) => i.type === 'function_call');
    const output = second.input.find((i) => i.type === 'function_call_output');
    assert.ok(call && output, `the second turn carries the call and its output: ${why}`);
    assert.equal(call.name, 'exec_command');
    assert.deepEqual(JSON.parse(call.arguments), { cmd: 'cat hello.txt' });
    assert.equal(output.call_id, call.call_id);
    assert.match(typeof output.output === 'string' ? output.output : JSON.stringify(output.output), new RegExp(MARKER));
    assert.deepEqual(proxy.attempts, [], 'no off-loopback attempt');
  });

  test('a refusal: the gateway\'s OpenAI-shaped error reaches the user, and nothing is served', async () => {
    // A key limited to another model: 403 model_not_allowed. Codex retries a few times, then prints the message.
    const { stack, key, recorder, proxy, cwd } = await setUp(['--text', 'never sent'], { models: ['claude-haiku-4.5'] });
    const run = await runCodex({ prompt: 'Say hello.', baseUrl: recorder.url, apiKey: key.key, proxyUrl: proxy.url, cwd });
    const why = explain(run, recorder, proxy, stack);
    assert.notEqual(run.code, 0, why);
    assert.ok(!run.stdout.includes('never sent'), why);
    assert.match(run.stderr, new RegExp(`Key ${key.id} may not use model 'kiro'`), why);
    const calls = recorder.exchanges.filter((e) => e.url === '/v1/responses');
    assert.ok(calls.length >= 1 && calls.length <= 10, why);
    for (const c of calls) assert.equal(c.status, 403, why);
    const stats = await stack.fakeStats();
    assert.ok(stats.requests, JSON.stringify(stats));
    assert.equal(stats.requests['/generateAssistantResponse'] ?? 0, 0, 'nothing reached the upstream');
    assert.deepEqual(proxy.attempts, [], 'no off-loopback attempt');
  });
});
