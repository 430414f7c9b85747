// Starts the Node fake Kiro (fake-kiro.mjs, its own process) and a real drawbridge (DRAWBRIDGE_BIN) pointed at
// it, on 127.0.0.1 with a temp config. Separate from harness.mjs, which drives the C++ fake; it reuses only its
// process helpers. Every wait is bounded.
import https from 'node:https';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ADMIN_TOKEN, startProgram, stopProgram } from '../harness.mjs';

const FAKE = join(dirname(fileURLToPath(import.meta.url)), 'fake-kiro.mjs');

/** One HTTP(S) call with a bounded timeout; `ca` trusts a test CA. Resolves { status, text, json, headers }. */
export function call(url, { method = 'GET', headers = {}, body, ca, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = lib.request(u, {
      method, ca, agent: false,
      headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers },
    }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * fakeArgs: extra fake-kiro.mjs options (e.g. ['--tls', cert, key]); fakeCa: PEM the test trusts for the
 * fake's control endpoints; config: extra TOML lines per table ("{FAKE}" in a line stands for the fake's URL).
 */
export async function startNodeStack({ fakeArgs = [], fakeCa, config = {}, drawbridgeArgs = [], gatewayEnv = {} } = {}) {
  const drawbridgeBin = process.env.DRAWBRIDGE_BIN;
  if (!drawbridgeBin) throw new Error('set DRAWBRIDGE_BIN to the drawbridge executable');
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-nodefake-'));
  for (const sub of ['home', 'config', 'data', 'cache', 'runtime']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const env = {
    ...process.env, HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'),
    XDG_CACHE_HOME: join(dir, 'cache'), XDG_RUNTIME_DIR: join(dir, 'runtime'), QT_QPA_PLATFORM: 'offscreen',
    LC_ALL: 'C.UTF-8', DRAWBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
  };
  for (const k of ['DRAWBRIDGE_CONFIG', 'DRAWBRIDGE_DATA_DIR', 'DRAWBRIDGE_HOST', 'DRAWBRIDGE_PORT', 'HTTPS_PROXY',
    'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'])
    delete env[k];

  const fake = await startProgram(process.execPath, [FAKE, '--port', '0', ...fakeArgs], {
    env, ready: /fake-kiro \(node\) listening on (https?:\/\/127\.0\.0\.1:\d+)/, name: 'fake-kiro (node)',
  });
  const tables = {
    server: ['host = "127.0.0.1"', 'port = 0'],
    limits: [],
    kiro: [`api_base_url = "${fake.url}"`, `social_auth_base_url = "${fake.url}"`, `oidc_base_url = "${fake.url}"`],
    storage: ['flush_interval_ms = 50'],
  };
  for (const [table, lines] of Object.entries(config))
    tables[table] = [...(tables[table] ?? []), ...lines.map((l) => l.replaceAll('{FAKE}', fake.url))];
  const configPath = join(dir, 'drawbridge.toml');
  writeFileSync(configPath, Object.entries(tables).map(([t, l]) => `[${t}]\n${l.join('\n')}\n`).join('\n'));

  let gateway;
  try {
    gateway = await startProgram(drawbridgeBin,
      ['--headless', '--ephemeral', '--port', '0', '--config', configPath, ...drawbridgeArgs], {
        env: { ...env, ...gatewayEnv }, ready: /^drawbridge listening on (http:\/\/127\.0\.0\.1:\d+)$/m, name: 'drawbridge',
      });
  } catch (e) {
    await stopProgram(fake.child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const admin = async (method, path, body) => {
    const r = await call(gateway.url + path, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: r.status, body: r.json ?? r.text };
  };
  return {
    dir, baseUrl: gateway.url, fakeUrl: fake.url, gateway, fake, configPath, admin,
    /** Changes the fake's delivery (mode, seed, shape); the seed counts from here for the next responses. */
    async fakeConfig(patch) {
      const r = await call(fake.url + '/__config', { method: 'POST', body: patch, ca: fakeCa, timeoutMs: 5_000 });
      if (r.status !== 200) throw new Error(`fake /__config -> ${r.status}`);
      return r.json;
    },
    async fakeStats() {
      const r = await call(fake.url + '/__stats', { ca: fakeCa, timeoutMs: 5_000 });
      return r.json;
    },
    async createKey(fields = {}) {
      const r = await admin('POST', '/admin/keys', { name: 'nodefake', ...fields });
      if (r.status !== 201) throw new Error(`POST /admin/keys -> ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async addAccount(name, refreshToken, extra = {}) {
      const r = await admin('POST', '/admin/accounts',
        { type: 'kiro', name, auth_method: 'social', refresh_token: refreshToken, ...extra });
      if (r.status !== 201) throw new Error(`POST /admin/accounts -> ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async stop() {
      const codes = { drawbridge: await stopProgram(gateway.child), fake: await stopProgram(fake.child) };
      rmSync(dir, { recursive: true, force: true });
      return codes;
    },
  };
}
