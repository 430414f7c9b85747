// Claude Code itself (@anthropic-ai/claude-code, pinned in package.json) against a real drawbridge and the fake
// Kiro upstream: `claude -p` offline, in a temporary HOME, with no ANTHROPIC_MODEL, so it sends its own default
// model id (unknown upstream) and the request shape it ships today. The environment is the README's Claude Code
// line, read from README.md, with this run's port and key.
// Run: DRAWBRIDGE_BIN=… FAKE_KIRO_BIN=… node --test tests/e2e/claudecode.test.mjs
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runInTempHome, startRecorder, startRefusingProxy, startStack } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RUN_TIMEOUT_MS = 90_000;

/** The `claude` executable: the native binary npm's postinstall put in place, else the package's own launcher. */
function claudeCommand() {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json'));
  const native = join(pkgDir, 'bin', 'claude.exe');
  // Without the postinstall (npm --ignore-scripts) bin/claude.exe is a small placeholder script.
  if (existsSync(native) && statSync(native).size > 1_000_000) return { bin: native, args: [] };
  return { bin: process.execPath, args: [join(pkgDir, 'cli-wrapper.cjs')] };
}

/** `VAR=value …` of the README's Claude Code line; the test must run what users are told to run. */
function readmeEnvironment() {
  const readme = readFileSync(join(here, '..', '..', 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith('Claude Code'));
  assert.ok(line, 'README.md has a "Claude Code" line');
  const command = line.match(/`([^`]*\bclaude)`/);
  assert.ok(command, `the README's Claude Code line quotes the command: ${line}`);
  const vars = Object.fromEntries(command[1].split(/\s+/).filter((w) => /^[A-Z_]+=/.test(w))
    .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  assert.ok('ANTHROPIC_BASE_URL' in vars && 'ANTHROPIC_API_KEY' in vars, JSON.stringify(vars));
  assert.equal(vars.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1', 'the line turns non-essential traffic off');
  assert.ok(!('ANTHROPIC_MODEL' in vars), 'no model pinned');
  return vars;
}

/** Runs `claude -p PROMPT` in `cwd` with a fresh HOME and the README's environment; SIGKILL after RUN_TIMEOUT_MS. */
function runClaude({ prompt, baseUrl, apiKey, proxyUrl, cwd }) {
  const { bin, args } = claudeCommand();
  return runInTempHome({
    bin, args: [...args, '-p', prompt], cwd, proxyUrl, homePrefix: 'drawbridge-claude-home-', timeoutMs: RUN_TIMEOUT_MS,
    env: {
      ...readmeEnvironment(),
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_API_KEY: apiKey,
      DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1',
    },
  });
}

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A stack (fake + gateway), a recorder in front of it and the refusing proxy; all stopped after the suite. */
async function setUp(fakeArgs) {
  const stack = await startStack({ accounts: [{ name: 'cc', token: 'rt-claude-code' }], fakeArgs });
  cleanups.push(async () => {
    const codes = await stack.stop();
    assert.equal(codes.drawbridge, 0, 'drawbridge exits 0 on SIGTERM');
  });
  await stack.addAccount('cc', 'rt-claude-code');
  const key = await stack.createKey({ name: 'claude-code' });
  const recorder = await startRecorder(stack.baseUrl);
  const proxy = await startRefusingProxy();
  cleanups.push(() => { recorder.close(); proxy.close(); });
  return { stack, key, recorder, proxy };
}

function explain(run, recorder, proxy, stack) {
  return [`exit ${run.code}${run.timedOut ? ' (killed after timeout)' : ''}`, `stdout: ${run.stdout}`,
    `stderr: ${run.stderr.slice(-2000)}`,
    `requests: ${recorder.exchanges.map((e) => `${e.method} ${e.url} -> ${e.status}`).join(', ')}`,
    `refused off-loopback attempts: ${proxy.attempts.join(', ') || 'none'}`,
    `gateway log: ${stack.gateway.stderr().slice(-2000)}`].join('\n');
}

describe('claude -p against drawbridge (offline)', () => {
  test('no model pinned: the default model resolves by family and the fake answer comes out', async (t) => {
    const ANSWER = 'Drawbridge relayed this from the fake Kiro.';
    const { stack, key, recorder, proxy } = await setUp(['--text', ANSWER]);
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'drawbridge-claude-cwd-')));
    cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));

    const run = await runClaude({ prompt: 'Say hello.', baseUrl: recorder.url, apiKey: key.key, proxyUrl: proxy.url, cwd });
    const why = explain(run, recorder, proxy, stack);
    assert.equal(run.code, 0, why);
    assert.equal(run.stdout.trim(), ANSWER, why);

    const messages = recorder.exchanges.filter((e) => e.url.startsWith('/v1/messages'));
    assert.ok(messages.length >= 1, why);
    // Accepted as sent: no 400 and retry without the system entry, no 404 for the model.
    for (const e of messages) assert.equal(e.status, 200, `${e.url}: ${why}`);
    const first = JSON.parse(messages[0].body);
    assert.match(first.model, /^claude-/, 'Claude Code chose its own default model');
    t.diagnostic(`Claude Code sent model ${first.model}; roles ${first.messages.map((m) => m.role).join(',')}; ` +
      `tools ${first.tools.map((x) => x.name).join(',')}`);
    t.diagnostic(`refused off-loopback attempts: ${proxy.attempts.join(', ') || 'none'}`);
    assert.match(stack.gateway.stderr(), new RegExp(`model ${first.model}\\S* served by claude-`),
      'the log says which model served the id');
  });

  test('a tool round trip: the fake calls Read, Claude Code runs it and sends the tool_result back', async () => {
    const ANSWER = 'The file says what the fake expected.';
    const MARKER = 'drawbridge-e2e-marker-7f3a';
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'drawbridge-claude-cwd-')));
    cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
    const file = join(cwd, 'hello.txt');
    writeFileSync(file, `${MARKER}\n`);
    // Read is one of the tools Claude Code 2.1.332 declares (Agent, Bash, Edit, Read, Write, …); it only reads
    // the temporary directory.
    const { stack, key, recorder, proxy } = await setUp(['--text', ANSWER, '--tool', `Read:${JSON.stringify({ file_path: file })}`]);

    const run = await runClaude({ prompt: 'Read hello.txt and tell me what it says.', baseUrl: recorder.url, apiKey: key.key,
      proxyUrl: proxy.url, cwd });
    const why = explain(run, recorder, proxy, stack);
    assert.equal(run.code, 0, why);
    assert.equal(run.stdout.trim(), ANSWER, why);

    const bodies = recorder.exchanges.filter((e) => e.url.startsWith('/v1/messages')).map((e) => JSON.parse(e.body));
    assert.ok(bodies[0].tools.some((x) => x.name === 'Read'), 'Claude Code declared Read');
    const withResult = bodies.find((b) => b.messages.some((m) => Array.isArray(m.content)
      && m.content.some((c) => c.type === 'tool_result')));
    assert.ok(withResult, `a request carried the tool_result back\n${why}`);
    const use = withResult.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .find((c) => c.type === 'tool_use');
    const result = withResult.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .find((c) => c.type === 'tool_result');
    assert.equal(use.name, 'Read');
    assert.deepEqual(use.input, { file_path: file });
    assert.equal(result.tool_use_id, use.id);
    assert.ok(JSON.stringify(result.content).includes(MARKER), `Claude Code ran Read: ${JSON.stringify(result)}`);
    for (const e of recorder.exchanges) assert.equal(e.status, 200, `${e.url}: ${why}`);
  });

  test('kiro.strict_models = true: the unknown default id is 404, explicit aliases and opus/sonnet still serve', async () => {
    const stack = await startStack({
      accounts: [{ name: 'cc', token: 'rt-strict' }], fakeArgs: ['--text', 'strict'],
      config: { kiro: ['strict_models = true', '[kiro.model_aliases]', '"claude-sonnet-9" = "claude-sonnet-4.5"'] },
    });
    cleanups.push(() => stack.stop());
    await stack.addAccount('cc', 'rt-strict');
    const key = await stack.createKey({ name: 'strict' });
    const ask = async (model) => {
      const res = await fetch(`${stack.baseUrl}/v1/messages?beta=true`, {
        method: 'POST',
        headers: { 'x-api-key': key.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, body: await res.json() };
    };
    const refused = await ask('claude-opus-5-5');
    assert.equal(refused.status, 404);
    assert.equal(refused.body.error.type, 'not_found_error');
    for (const model of ['claude-sonnet-9', 'sonnet', 'opus[1m]']) {
      const r = await ask(model);
      assert.equal(r.status, 200, `${model}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.model, model, 'the id the client sent is echoed');
    }
  });
});
