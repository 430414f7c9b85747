// Starts the fake Kiro upstream and a real drawbridge (paths from FAKE_KIRO_BIN / DRAWBRIDGE_BIN) on
// 127.0.0.1, wires them with a temp config, and offers small admin helpers. Everything it starts is killed
// by stop() (and on process exit); every wait is bounded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function requireBins() {
  const drawbridge = process.env.DRAWBRIDGE_BIN;
  const fake = process.env.FAKE_KIRO_BIN;
  if (!drawbridge || !fake)
    throw new Error('set DRAWBRIDGE_BIN and FAKE_KIRO_BIN to the drawbridge and fake-kiro-upstream executables');
  return { drawbridge, fake };
}

/** Spawns a program and waits (bounded) for the stdout line matching `ready`; returns { child, url, stderr() }. */
export function startProgram(bin, args, { env = process.env, ready, timeoutMs = 10_000, name = bin } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let out = '';
    let err = '';
    let done = false;
    const finish = (error, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        try { child.kill('SIGKILL'); } catch { /* gone */ }
        reject(error);
      } else {
        resolve(value);
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`${name}: no ready line within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`)),
      timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(ready);
      if (m) finish(null, { child, url: m[1], stderr: () => err, stdout: () => out });
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
      if (err.length > 1_000_000) err = err.slice(-500_000);
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code, signal) => {
      live.delete(child);
      finish(new Error(`${name} exited (${code ?? signal}) before it was ready\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal name). */
export function stopProgram(child, graceMs = 5_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode ?? child.signalCode);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve(code ?? signal);
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts fake-kiro-upstream with `fakeArgs` plus one --account per entry of `accounts`, then drawbridge
 * pointed at it. `config` adds TOML lines per table, e.g. { kiro: ['slots_per_account = 2'] }.
 */
export async function startStack({ accounts = [{ name: 'alice', token: 'rt-alice' }], fakeArgs = [], config = {},
                                   drawbridgeArgs = [] } = {}) {
  const bins = requireBins();
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-e2e-'));
  for (const sub of ['home', 'config', 'data', 'cache', 'runtime']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const env = {
    ...process.env,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_RUNTIME_DIR: join(dir, 'runtime'),
    QT_QPA_PLATFORM: 'offscreen',
    LC_ALL: 'C.UTF-8',
    DRAWBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
  };
  for (const k of ['DRAWBRIDGE_CONFIG', 'DRAWBRIDGE_DATA_DIR', 'DRAWBRIDGE_HOST', 'DRAWBRIDGE_PORT'])
    delete env[k];

  // The fake trickles its answers by default, as a network delivers them; FAKE_KIRO_DELIVERY=coalesced runs the
  // same suite with every frame in one write. A test's own --delivery wins.
  const delivery = fakeArgs.includes('--delivery') ? [] : ['--delivery', process.env.FAKE_KIRO_DELIVERY || 'trickle'];
  const fakeArgv = ['--port', '0', ...accounts.flatMap((a) => ['--account', `${a.name}:${a.token}`]), ...delivery,
    ...fakeArgs];
  const fake = await startProgram(bins.fake, fakeArgv, {
    env, ready: /fake-kiro listening on (http:\/\/127\.0\.0\.1:\d+)/, name: 'fake-kiro-upstream',
  });

  const tables = {
    server: ['host = "127.0.0.1"', 'port = 0'],
    limits: [],
    kiro: [
      `api_base_url = "${fake.url}"`,
      `social_auth_base_url = "${fake.url}"`,
      `oidc_base_url = "${fake.url}"`,
    ],
    storage: ['flush_interval_ms = 50'],
  };
  for (const [table, lines] of Object.entries(config)) tables[table] = [...(tables[table] ?? []), ...lines];
  const toml = Object.entries(tables).map(([t, lines]) => `[${t}]\n${lines.join('\n')}\n`).join('\n');
  const configPath = join(dir, 'drawbridge.toml');
  writeFileSync(configPath, toml);

  let gateway;
  try {
    gateway = await startProgram(bins.drawbridge,
      ['--headless', '--ephemeral', '--port', '0', '--config', configPath, ...drawbridgeArgs], {
        env, ready: /^drawbridge listening on (http:\/\/127\.0\.0\.1:\d+)$/m, name: 'drawbridge',
      });
  } catch (e) {
    await stopProgram(fake.child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const stack = {
    dir,
    baseUrl: gateway.url,
    fakeUrl: fake.url,
    gateway,
    fake,
    /** Admin API call; resolves { status, body } (body parsed as JSON when possible). */
    async admin(method, path, body) {
      const res = await fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      let parsed = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async createKey(fields = {}) {
      const r = await stack.admin('POST', '/admin/keys', { name: 'e2e', ...fields });
      if (r.status !== 201) throw new Error(`POST /admin/keys -> ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async addAccount(name, refreshToken, extra = {}) {
      const r = await stack.admin('POST', '/admin/accounts',
        { type: 'kiro', name, auth_method: 'social', refresh_token: refreshToken, ...extra });
      if (r.status !== 201) throw new Error(`POST /admin/accounts -> ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async health() {
      const res = await fetch(gateway.url + '/health', { signal: AbortSignal.timeout(5_000) });
      return { status: res.status, body: await res.json() };
    },
    /** GET /__stats of the fake (additive endpoint of fake-kiro-upstream). */
    async fakeStats() {
      const res = await fetch(fake.url + '/__stats', { signal: AbortSignal.timeout(5_000) });
      if (res.status !== 200) throw new Error(`fake /__stats -> ${res.status}`);
      return res.json();
    },
    async stop() {
      const codes = { drawbridge: await stopProgram(gateway.child), fake: await stopProgram(fake.child) };
      rmSync(dir, { recursive: true, force: true });
      return codes;
    },
  };
  return stack;
}

/** Polls `probe` (async, returns truthy when done) every `intervalMs` for at most `timeoutMs`; returns the last value. */
export async function waitFor(probe, { timeoutMs = 5_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() >= deadline) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Real coding tools (Claude Code, Codex CLI) run offline against the stack: a recorder in front of the gateway,
// a proxy that refuses everything off loopback, and the tool in a throw-away HOME.

/**
 * Loopback HTTP proxy in front of the gateway that records what a tool sends (the request bodies) and what came
 * back (the statuses), so a test can check the wire and not only the printed answer.
 */
export async function startRecorder(target) {
  const exchanges = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const exchange = { method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8'), status: 0 };
      exchanges.push(exchange);
      const up = http.request(target + req.url, { method: req.method, headers: req.headers }, (upRes) => {
        exchange.status = upRes.statusCode;
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', (e) => { exchange.status = -1; res.destroy(e); });
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, exchanges, close: () => server.close() };
}

/**
 * The only proxy a tool may use for anything that is not loopback: every CONNECT or plain request is answered 403
 * at once, so a call to a vendor's API, telemetry or an update check fails fast instead of hanging. Attempts are
 * recorded for the test to report.
 */
export async function startRefusingProxy() {
  const attempts = [];
  const server = net.createServer((socket) => {
    socket.once('data', (d) => {
      attempts.push(d.toString('latin1').split('\r\n')[0]);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, attempts, close: () => server.close() };
}

/**
 * Runs `bin args` in `cwd` with a fresh temporary HOME (XDG folders inside it, removed afterwards), nothing of this
 * process's environment but PATH, every proxy variable pointing at `proxyUrl` (loopback excepted), plus `env`.
 * `prepareHome(home)` may write the tool's config first and return more variables. SIGKILL after `timeoutMs`.
 * Resolves { code, stdout, stderr, timedOut }.
 */
export function runInTempHome({ bin, args, cwd, proxyUrl, env = {}, prepareHome = () => ({}), homePrefix = 'drawbridge-tool-home-',
  timeoutMs = 90_000 }) {
  const home = mkdtempSync(join(tmpdir(), homePrefix));
  const childEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    ...prepareHome(home),
    ...env,
    // Anything beyond loopback goes to the refusing proxy and fails at once.
    HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, ALL_PROXY: proxyUrl,
    https_proxy: proxyUrl, http_proxy: proxyUrl, all_proxy: proxyUrl,
    NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost',
  };
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env: childEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    let finished = false;
    const done = (code) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      live.delete(child);
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr, timedOut });
    };
    child.on('error', (e) => { stderr += String(e); done(-1); });
    child.on('exit', (code, signal) => done(code ?? signal));
  });
}
