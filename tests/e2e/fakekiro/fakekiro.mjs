// An independent fake Kiro upstream (no code shared with the gateway): generateAssistantResponse answered with
// event-stream frames from AWS's own codec, the social (POST /refreshToken) and OIDC (POST /token) refresh
// endpoints, getUsageLimits, and test controls (GET /__stats, POST /__config).
import { randomBytes, randomUUID } from 'node:crypto';

import { chunked, deliver, head } from './delivery.mjs';
import { listen } from './http1.mjs';
import { mulberry32 } from './prng.mjs';
import { plan } from './scenario.mjs';

const SOCIAL_PROFILE_ARN = 'arn:aws:codewhisperer:us-east-1:699475941385:profile/EHGA3GRVQMUK';
const REASONS = { 200: 'OK', 400: 'Bad Request', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/**
 * Starts the fake. Options (all optional):
 *   host, port, tls: { cert, key }      where to listen (HTTPS when tls is given)
 *   delivery: 'trickle' | 'coalesced'   how responses reach the socket (default trickle)
 *   seed                                base seed of the delivery schedules (default random)
 *   maxPiece (48), maxChunk (64), pauseMs ([1, 3])   trickle shape
 *   text, toolArgs: { name: args }      the default answer and tool-call arguments
 *   accounts: { refreshToken: name }    known refresh tokens; empty = any refresh token is accepted
 *   staticTokens: [token]               access tokens accepted without a refresh
 *   requireAuth (true), requireProfileArn (false), log (line => void)
 *   endpoints: { prefix: policy }       other hosts of the service as path prefixes (e.g. '/runtime'): the same
 *                                       routes under the prefix, with that host's refusals: 'social-only'
 *                                       answers IdC tokens with the 403 an invalid token gets (what
 *                                       runtime.{R}.kiro.dev is reported to do), 'gone' answers every request
 *                                       404 UnknownOperationException (a retired host)
 *   models: { account: [modelId] }      an account's tier: GET /ListAvailableModels lists it (404 for accounts
 *                                       without one, like a host that does not serve the catalog) and chat
 *                                       refuses other models with 400 INVALID_MODEL_ID, as the service does;
 *                                       claude-* and gpt-* models come with the additionalModelRequestFieldsSchema
 *                                       of requestFieldsSchema(), which chat holds additionalModelRequestFields to
 */

/**
 * The reasoning members a model's catalog entry advertises (docs/kiro.md#native-reasoning): Claude models an
 * adaptive thinking type and an output_config effort, GPT models a reasoning effort; other models none.
 */
export function requestFieldsSchema(modelId) {
  const object = (properties) => ({ type: 'object', properties, additionalProperties: false });
  if (/^claude-/.test(modelId ?? '')) {
    return object({
      thinking: object({ type: { type: 'string', enum: ['adaptive', 'disabled'] } }),
      output_config: object({ effort: { type: 'string', enum: ['low', 'medium', 'high', 'max'] } }),
    });
  }
  if (/^gpt-/.test(modelId ?? '')) return object({ reasoning: object({ effort: { type: 'string', enum: ['low', 'medium', 'high', 'xhigh'] } }) });
  return undefined;
}

/** Whether @p value satisfies the subset of JSON Schema requestFieldsSchema() uses (objects, strings, enums). */
function conforms(value, schema) {
  if (schema.type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    return Object.entries(value).every(([k, v]) => schema.properties?.[k] !== undefined && conforms(v, schema.properties[k]));
  }
  if (schema.type === 'string' && typeof value !== 'string') return false;
  return !schema.enum || schema.enum.includes(value);
}
export async function startFakeKiro(options = {}) {
  const cfg = {
    delivery: options.delivery ?? 'trickle',
    seed: options.seed ?? (randomBytes(4).readUInt32LE(0) >>> 0),
    maxPiece: options.maxPiece ?? 48,
    maxChunk: options.maxChunk ?? 64,
    pauseMs: options.pauseMs ?? [1, 3],
    text: options.text,
    toolArgs: options.toolArgs ?? {},
    requireAuth: options.requireAuth ?? true,
    requireProfileArn: options.requireProfileArn ?? false,
    endpoints: options.endpoints ?? {},
    models: options.models ?? {},
  };
  const log = options.log ?? (() => {});
  const accounts = new Map(Object.entries(options.accounts ?? {}));
  const tokens = new Map(); // access token -> { name, social }
  for (const t of options.staticTokens ?? []) tokens.set(t, { name: 'static', social: false });
  let issued = 0;
  let responseIndex = 0; // responses since the seed was last set
  const stats = { requests: {}, statuses: {}, responses: 0, writes: 0, seeds: [], credits: 0, bodies: [],
    tls: { handshakes: 0, resumed: 0, protocols: {}, chats: [], connections: [] } };

  // Which accounts a TLS connection carried requests for (by refresh token or bearer token), in its entry of
  // stats.tls.connections: the service could link accounts that share a connection or a session.
  const noteAccount = (socket, name) => {
    const conn = socket.fakeKiroConnection;
    if (conn && name && !conn.accounts.includes(name)) conn.accounts.push(name);
  };

  const count = (path, status) => {
    stats.requests[path] = (stats.requests[path] ?? 0) + 1;
    const k = `${path} ${status}`;
    stats.statuses[k] = (stats.statuses[k] ?? 0) + 1;
  };

  /** Sends a complete response; event streams are chunked, everything else has a Content-Length. */
  async function send(socket, status, headers, body, { stream = false } = {}) {
    const seed = (cfg.seed + responseIndex++) >>> 0;
    const rng = cfg.delivery === 'trickle' ? mulberry32(seed) : null;
    const all = [...headers, ['x-amzn-requestid', randomUUID()], ['x-fake-seed', String(seed)]];
    let wire;
    if (stream) {
      all.push(['transfer-encoding', 'chunked']);
      wire = Buffer.concat([head(status, REASONS[status] ?? 'Status', all), chunked(body, rng, cfg.maxChunk)]);
    } else {
      all.push(['content-length', String(body.length)]);
      wire = Buffer.concat([head(status, REASONS[status] ?? 'Status', all), body]);
    }
    const writes = await deliver(socket, wire, { mode: cfg.delivery, rng, maxPiece: cfg.maxPiece, pauseMs: cfg.pauseMs });
    stats.responses += 1;
    stats.writes += writes;
    stats.seeds.push(seed);
    if (stats.seeds.length > 1000) stats.seeds.shift();
    log(`response ${status} ${wire.length} bytes in ${writes} writes (delivery=${cfg.delivery} seed=${seed})`);
  }

  const sendJson = (socket, status, object, extra = []) =>
    send(socket, status, [['content-type', 'application/json'], ...extra], Buffer.from(JSON.stringify(object)));

  function parseJson(body) {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
  }

  function issue(name, social) {
    const token = `aoa-node-${name}-${++issued}-${randomBytes(6).toString('hex')}`;
    tokens.set(token, { name, social });
    return token;
  }

  function accountFor(refreshToken) {
    if (!refreshToken) return null;
    if (accounts.size === 0) return refreshToken.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'anon';
    return accounts.get(refreshToken) ?? null;
  }

  async function handleChat(req, socket, policy = 'any') {
    const auth = req.headers.authorization ?? '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    const body = parseJson(req.body);
    stats.bodies.push(body);
    if (stats.bodies.length > 50) stats.bodies.shift();
    const errorOut = async (status, type, object) => {
      count(req.path, status);
      await sendJson(socket, status, object,
        [['x-amzn-errortype', `${type}:http://internal.amazon.com/coral/com.amazon.aws.codewhisperer/`]]);
    };
    if (cfg.requireAuth && !tokens.has(bearer))
      return errorOut(403, 'AccessDeniedException',
        { message: 'The bearer token included in the request is invalid.', reason: null });
    if (policy === 'social-only' && !tokens.get(bearer)?.social)
      return errorOut(403, 'AccessDeniedException',
        { message: 'The bearer token included in the request is invalid.', reason: null });
    const userInput = body?.conversationState?.currentMessage?.userInputMessage;
    if (!userInput || typeof userInput.content !== 'string' || userInput.content === '')
      return errorOut(400, 'ValidationException', { message: 'Improperly formed request.', reason: null });
    const tier = cfg.models[tokens.get(bearer)?.name];
    if (tier && !tier.includes(userInput.modelId))
      return errorOut(400, 'ValidationException',
        { message: 'Invalid model. Please select a different model to continue.', reason: 'INVALID_MODEL_ID' });
    // The service checks additionalModelRequestFields against the model's own schema before using them.
    let reasoning = false;
    if (body.additionalModelRequestFields !== undefined) {
      const schema = requestFieldsSchema(userInput.modelId);
      if (!schema || !conforms(body.additionalModelRequestFields, schema))
        return errorOut(400, 'ValidationException',
          { message: 'The additional model request fields are not valid for this model.', reason: 'REQUEST_BODY_INVALID' });
      const f = body.additionalModelRequestFields;
      reasoning = (f.thinking?.type !== undefined && f.thinking.type !== 'disabled') || !!f.output_config?.effort
        || !!f.reasoning?.effort;
    }
    // The service refuses social-login requests without the profile ARN from the refresh (IdC ones need none).
    if (cfg.requireProfileArn && tokens.get(bearer)?.social && !body.profileArn)
      return errorOut(403, 'AccessDeniedException', { message: 'User is not authorized: profileArn missing.', reason: null });

    const p = plan(body, { text: cfg.text, toolArgs: cfg.toolArgs, reasoning });
    if (p.error) {
      count(req.path, p.error.status);
      return send(socket, p.error.status, [
        ['content-type', 'application/json'],
        ['x-amzn-errortype', `${p.error.errorType}:http://internal.amazon.com/coral/com.amazon.aws.codewhisperer/`],
      ], Buffer.from(p.error.body));
    }
    count(req.path, 200);
    stats.credits += p.credits;
    return send(socket, 200, [
      ['content-type', 'application/vnd.amazon.eventstream'],
      ['x-amzn-codewhisperer-conversation-id', String(body.conversationState.conversationId ?? '')],
    ], Buffer.concat(p.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))), { stream: true });
  }

  async function handleRefresh(req, socket, idc) {
    const body = parseJson(req.body) ?? Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
    const refreshToken = body.refreshToken ?? body.refresh_token;
    const name = accountFor(refreshToken);
    noteAccount(socket, name);
    if (!name) {
      count(req.path, 400);
      return sendJson(socket, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token provided' });
    }
    if (idc && (body.grantType ?? body.grant_type) !== 'refresh_token') {
      count(req.path, 400);
      return sendJson(socket, 400, { error: 'unsupported_grant_type' });
    }
    count(req.path, 200);
    const out = { accessToken: issue(name, !idc), expiresIn: 3600 };
    if (idc) out.tokenType = 'Bearer';
    else out.profileArn = SOCIAL_PROFILE_ARN;
    return sendJson(socket, 200, out);
  }

  async function handleUsage(req, socket) {
    count(req.path, 200);
    const reset = Math.floor(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1) / 1000);
    return sendJson(socket, 200, {
      subscriptionInfo: { subscriptionTitle: 'KIRO FREE', type: 'Q_DEVELOPER_STANDALONE_FREE' },
      usageBreakdownList: [{ resourceType: 'CREDIT', unit: 'INVOCATIONS', currentUsage: 0,
        currentUsageWithPrecision: stats.credits, usageLimit: 50, usageLimitWithPrecision: 50, nextDateReset: reset }],
      nextDateReset: reset,
      userInfo: { email: 'fake@example.invalid', userId: 'user-fake' },
    });
  }

  async function handler(req, socket) {
    const prefix = Object.keys(cfg.endpoints).find((p) => req.path.startsWith(`${p}/`)) ?? '';
    const route = req.path.slice(prefix.length);
    const policy = prefix ? cfg.endpoints[prefix] : 'any';
    if (policy === 'gone') {
      count(req.path, 404);
      return sendJson(socket, 404, { message: `${route} is not served here` },
        [['x-amzn-errortype', 'UnknownOperationException:http://internal.amazon.com/coral/com.amazon.aws.codewhisperer/']]);
    }
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer\s+/, '').trim();
    if (bearer) noteAccount(socket, tokens.get(bearer)?.name);
    if (req.method === 'POST' && route === '/generateAssistantResponse') {
      // Connections that carried a chat: their handshake's number and whether it resumed a session (the
      // gateway's own connections, apart from the test's control calls).
      if (socket.fakeKiroHandshake && !socket.fakeKiroCounted) {
        socket.fakeKiroCounted = true;
        stats.tls.chats.push({ handshake: socket.fakeKiroHandshake, resumed: socket.isSessionReused() });
        if (stats.tls.chats.length > 1000) stats.tls.chats.shift();
      }
      return handleChat(req, socket, policy);
    }
    if (req.method === 'POST' && route === '/refreshToken') return handleRefresh(req, socket, false);
    if (req.method === 'POST' && route === '/token') return handleRefresh(req, socket, true);
    if (req.method === 'GET' && route === '/getUsageLimits') return handleUsage(req, socket);
    if (req.method === 'GET' && route === '/ListAvailableModels') {
      const auth = req.headers.authorization ?? '';
      const tier = cfg.models[tokens.get(auth.startsWith('Bearer ') ? auth.slice(7).trim() : '')?.name];
      if (!tier) {
        count(req.path, 404);
        return sendJson(socket, 404, { message: 'ListAvailableModels is not served here' },
          [['x-amzn-errortype', 'UnknownOperationException:http://internal.amazon.com/coral/com.amazon.aws.codewhisperer/']]);
      }
      count(req.path, 200);
      return sendJson(socket, 200, { models: tier.map((modelId) => ({ modelId, modelName: modelId,
        tokenLimits: { maxInputTokens: 200_000, maxOutputTokens: 64_000 },
        ...(requestFieldsSchema(modelId) ? { additionalModelRequestFieldsSchema: requestFieldsSchema(modelId) } : {}) })) });
    }
    if (req.method === 'GET' && req.path === '/__stats') {
      const body = Buffer.from(JSON.stringify({ ...stats, config: cfg }));
      socket.write(Buffer.concat([head(200, 'OK', [['content-type', 'application/json'],
        ['content-length', String(body.length)]]), body]));
      return true;
    }
    if (req.method === 'POST' && req.path === '/__config') {
      const patch = parseJson(req.body) ?? {};
      for (const k of ['delivery', 'seed', 'maxPiece', 'maxChunk', 'pauseMs', 'text', 'toolArgs', 'requireProfileArn',
        'endpoints', 'models'])
        if (k in patch) cfg[k] = patch[k];
      responseIndex = 0;
      log(`config: delivery=${cfg.delivery} seed=${cfg.seed} maxPiece=${cfg.maxPiece}`);
      const body = Buffer.from(JSON.stringify(cfg));
      socket.write(Buffer.concat([head(200, 'OK', [['content-type', 'application/json'],
        ['content-length', String(body.length)]]), body]));
      return true;
    }
    count(req.path, 404);
    return sendJson(socket, 404, { message: `no route ${req.method} ${req.path}` });
  }

  const server = await listen({
    host: options.host ?? '127.0.0.1', port: options.port ?? 0, tls: options.tls ?? null, handler,
    onError: (e) => log(`connection error: ${e.message}`),
    onTls: (socket, { resumed, protocol }) => {
      stats.tls.handshakes += 1;
      socket.fakeKiroHandshake = stats.tls.handshakes;
      if (resumed) stats.tls.resumed += 1;
      stats.tls.protocols[protocol] = (stats.tls.protocols[protocol] ?? 0) + 1;
      socket.fakeKiroConnection = { handshake: stats.tls.handshakes, resumed, accounts: [] };
      stats.tls.connections.push(socket.fakeKiroConnection);
      if (stats.tls.connections.length > 1000) stats.tls.connections.shift();
    },
  });
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${server.port}`;
  return { url, port: server.port, config: cfg, stats, close: server.close };
}
