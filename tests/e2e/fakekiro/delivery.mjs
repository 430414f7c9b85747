// Puts response bytes on the wire the way a network delivers them: in small pieces, each its own write, with a
// real pause between them, so the reader sees partial reads that split the status line, the chunk-size lines,
// the CRLFs, and the event-stream prelude, headers and payload. `coalesced` writes everything at once.
import { between } from './prng.mjs';

const CRLF = Buffer.from('\r\n');

/** Frames `body` with Transfer-Encoding: chunked, in chunks of 1..maxChunk bytes (random, from `rng`). */
export function chunked(body, rng, maxChunk) {
  const parts = [];
  for (let pos = 0; pos < body.length;) {
    const n = Math.min(body.length - pos, rng ? between(rng, 1, maxChunk) : body.length);
    parts.push(Buffer.from(n.toString(16) + '\r\n'), body.subarray(pos, pos + n), CRLF);
    pos += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export function head(status, reason, headers) {
  let s = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [name, value] of headers) s += `${name}: ${value}\r\n`;
  return Buffer.from(s + '\r\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves on 'drain', or when the socket goes away (never hangs on a dead peer). */
function drained(socket) {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/**
 * Writes `wire` to `socket`. mode 'trickle': pieces of 1..maxPiece bytes, each written separately and
 * followed by a pause of pauseMs[0]..pauseMs[1] ms (setTimeout: the bytes really leave before the next
 * piece). mode 'coalesced': one write. Resolves with the number of writes.
 */
export async function deliver(socket, wire, { mode = 'trickle', rng, maxPiece = 48, pauseMs = [1, 3] } = {}) {
  if (mode === 'coalesced' || !rng) {
    if (!socket.destroyed && !socket.write(wire)) await drained(socket);
    return 1;
  }
  let writes = 0;
  for (let pos = 0; pos < wire.length;) {
    if (socket.destroyed) return writes;
    const n = Math.min(wire.length - pos, between(rng, 1, maxPiece));
    const ok = socket.write(wire.subarray(pos, pos + n));
    ++writes;
    pos += n;
    if (!ok) await drained(socket);
    if (pos < wire.length) await sleep(between(rng, pauseMs[0], pauseMs[1]));
  }
  return writes;
}
