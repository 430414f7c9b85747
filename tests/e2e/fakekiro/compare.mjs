// Normalizes gateway responses so two deliveries of the same upstream answer compare equal: ids and timestamps
// the gateway invents per response are replaced; everything else (text, tool arguments, order and number of
// SSE events, usage, finish reasons) must match exactly.
const VOLATILE_KEYS = new Set(['id', 'created', 'created_at', 'system_fingerprint']);

function normalizeValue(v, ids) {
  if (Array.isArray(v)) return v.map((x) => normalizeValue(x, ids));
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (VOLATILE_KEYS.has(k) && (typeof x === 'string' || typeof x === 'number')) {
        if (typeof x === 'number') out[k] = 0;
        else {
          if (!ids.has(x)) ids.set(x, `<id${ids.size}>`);
          out[k] = ids.get(x);
        }
      } else {
        out[k] = normalizeValue(x, ids);
      }
    }
    return out;
  }
  return v;
}

/** A JSON body or an SSE stream as a normalized list of lines. */
export function normalize(text, contentType = '') {
  const ids = new Map();
  if (!/event-stream/.test(contentType)) {
    try {
      return [JSON.stringify(normalizeValue(JSON.parse(text), ids))];
    } catch {
      return [text];
    }
  }
  const lines = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue; // keep-alive comments depend on timing
    if (line.startsWith('data: ') && line !== 'data: [DONE]') {
      try {
        lines.push('data: ' + JSON.stringify(normalizeValue(JSON.parse(line.slice(6)), ids)));
        continue;
      } catch { /* keep raw */ }
    }
    lines.push(line);
  }
  return lines;
}

/** The first differing line, for a short failure message. */
export function firstDifference(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); ++i) {
    if (a[i] !== b[i]) return `line ${i}:\n  coalesced: ${a[i] ?? '<missing>'}\n  trickled:  ${b[i] ?? '<missing>'}`;
  }
  return null;
}
