// What the fake answers to one generateAssistantResponse body. Directives in the current user message steer it:
//   [fake:http=429]            an HTTP error instead of a stream (400, 402, 403, 429, 500, 503)
//   [fake:exception=TYPE]      one text frame, then an exception frame (e.g. ThrottlingException)
//   [fake:error=CODE]          one text frame, then a `:message-type error` frame
//   [fake:long=N]              N characters of text instead of the default answer
//   [fake:tool] / [fake:tool=NAME]  call a tool even without …; by default a declared tool is called when
//                              the request carries no tool results yet
//   [fake:cut-tool]            the tool call stops after its first argument fragment (no stop, no metering)
//   [fake:no-tool]             answer with text although tools are declared
//   [fake:capacity]            429 ThrottlingException, reason INSUFFICIENT_MODEL_CAPACITY ("high traffic")
//   [fake:suspended=REASON]    403 AccessDeniedException with that reason (default SUSPENDED)
//   [fake:reasoning]           native reasoning before the answer: reasoningContentEvent text frames, then one with
//                              the signature REASONING_SIGNATURE, then one with redactedContent REDACTED_REASONING
//   [fake:token-usage]         a metadataEvent with TOKEN_USAGE (cache reads and writes) before the closing events
import { createHash } from 'node:crypto';

import { eventFrame, exceptionFrame, errorFrame } from './frames.mjs';

export const DEFAULT_TEXT = 'Drawbridge relays every word — intact: «héllo», 日本語, and a rocket 🚀. Done.';
export const DEFAULT_TOOL_ARGS = { city: 'Paris', unit: 'celsius', days: 3 };
export const REASONING_TEXT = 'The sky scatters blue light most.';
export const REASONING_SIGNATURE = 'EqQBCkgIARABGAIiQFake0Signature==';
export const REDACTED_REASONING = Buffer.from('withheld reasoning').toString('base64');
export const TOKEN_USAGE = { uncachedInputTokens: 40, outputTokens: 12, cacheReadInputTokens: 900,
  cacheWriteInputTokens: 60, totalTokens: 1012 };

const HTTP_ERRORS = {
  400: ['ValidationException', { message: 'Improperly formed request.', reason: null }],
  402: ['ServiceQuotaExceededException', { message: 'You have reached the limit.', reason: 'MONTHLY_REQUEST_COUNT' }],
  403: ['AccessDeniedException', { message: 'The bearer token included in the request is invalid.', reason: null }],
  429: ['ThrottlingException', { message: 'Rate exceeded', reason: null }],
  500: ['InternalServerException', { message: 'Encountered an unexpected error when processing the request, please try again.', reason: null }],
  503: ['ServiceUnavailableException', { message: 'Service is temporarily unavailable.', reason: null }],
};

export function httpError(status) {
  const [type, body] = HTTP_ERRORS[status] ?? ['InternalServerException', { message: `fake error ${status}`, reason: null }];
  return { status, errorType: type, body: JSON.stringify(body) };
}

export function directives(content) {
  const out = {};
  for (const m of String(content ?? '').matchAll(/\[fake:([a-z-]+)(?:=([^\]]*))?\]/g)) out[m[1]] = m[2] ?? true;
  return out;
}

/** Splits text into token-like pieces (a word with its trailing space), several per frame. */
function textPieces(text) {
  const words = text.match(/\S+\s*|\s+/gu) ?? [];
  const out = [];
  for (let i = 0; i < words.length; i += 2) out.push(words.slice(i, i + 2).join(''));
  return out.length ? out : [text];
}

function longText(n) {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', 'zeta', 'ηta', 'theta', '日本', 'kappa'];
  let s = '';
  for (let i = 0; s.length < n; ++i) s += words[i % words.length] + (i % 13 === 12 ? '.\n' : ' ');
  return s.slice(0, n);
}

/** Splits a string into `parts` roughly equal fragments on code-point boundaries. */
function fragments(s, parts) {
  const cps = Array.from(s);
  const size = Math.max(1, Math.ceil(cps.length / parts));
  const out = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

/**
 * Returns { error: {status, errorType, body} } or { frames: [Uint8Array], credits }.
 * `options`: { text, toolArgs: {name: args} }.
 */
export function plan(body, options = {}) {
  const state = body?.conversationState ?? {};
  const current = state.currentMessage?.userInputMessage ?? {};
  const d = directives(current.content);
  // Reasoning asked for in additionalModelRequestFields (checked against the model's schema by the caller) is
  // answered natively, as the service does.
  if (options.reasoning) d.reasoning = true;
  if (d.http) return { error: httpError(Number(d.http)) };
  if (d.capacity) {
    return { error: { status: 429, errorType: 'ThrottlingException',
      body: JSON.stringify({ message: 'I am experiencing high traffic, please try again shortly.', reason: 'INSUFFICIENT_MODEL_CAPACITY' }) } };
  }
  if (d.suspended) {
    const reason = typeof d.suspended === 'string' ? d.suspended : 'SUSPENDED';
    return { error: { status: 403, errorType: 'AccessDeniedException',
      body: JSON.stringify({ message: 'Access to this account has been restricted.', reason }) } };
  }

  const context = current.userInputMessageContext ?? {};
  const tools = (context.tools ?? []).map((t) => t.toolSpecification?.name).filter(Boolean);
  const results = context.toolResults ?? [];
  const frames = [];
  let credits = 0.0125;

  let text = options.text ?? DEFAULT_TEXT;
  if (d.long) text = longText(Number(d.long));
  if (results.length) {
    const said = results.map((r) => (r.content ?? []).map((c) => c.text ?? JSON.stringify(c.json ?? '')).join('')).join(' | ');
    text = `The tool said: ${said}`;
  }

  const toolName = typeof d.tool === 'string' ? d.tool : tools[0];
  const callTool = !d['no-tool'] && toolName && (d.tool || (tools.length && !results.length));

  if (callTool) {
    const args = JSON.stringify(options.toolArgs?.[toolName] ?? DEFAULT_TOOL_ARGS);
    const toolUseId = 'tooluse_' + createHash('sha256').update(toolName + args).digest('hex').slice(0, 16);
    frames.push(eventFrame('assistantResponseEvent', { content: 'Let me check.' }));
    frames.push(eventFrame('toolUseEvent', { name: toolName, toolUseId }));
    const parts = fragments(args, 4);
    for (const [i, input] of parts.entries()) {
      frames.push(eventFrame('toolUseEvent', { input, name: toolName, toolUseId }));
      if (d['cut-tool'] && i === 0) return { frames, credits: 0 };
    }
    frames.push(eventFrame('toolUseEvent', { name: toolName, stop: true, toolUseId }));
  } else {
    if (d.reasoning) {
      for (const piece of textPieces(REASONING_TEXT)) frames.push(eventFrame('reasoningContentEvent', { text: piece }));
      frames.push(eventFrame('reasoningContentEvent', { signature: REASONING_SIGNATURE }));
      frames.push(eventFrame('reasoningContentEvent', { redactedContent: REDACTED_REASONING }));
    }
    const pieces = textPieces(text);
    for (const [i, content] of pieces.entries()) {
      frames.push(eventFrame('assistantResponseEvent', { content }));
      if (i === 0 && d.exception) {
        frames.push(exceptionFrame(String(d.exception), 'Rate exceeded (fake exception frame)'));
        return { frames, credits: 0 };
      }
      if (i === 0 && d.error) {
        frames.push(errorFrame(String(d.error), 'fake error frame'));
        return { frames, credits: 0 };
      }
    }
  }
  if (d['token-usage']) frames.push(eventFrame('metadataEvent', { tokenUsage: TOKEN_USAGE }));
  frames.push(eventFrame('contextUsageEvent', { contextUsagePercentage: 1.25 }));
  frames.push(eventFrame('meteringEvent', { unit: 'credit', unitPlural: 'credits', usage: credits }));
  return { frames, credits };
}
