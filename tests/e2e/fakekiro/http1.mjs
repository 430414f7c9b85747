// A minimal HTTP/1.1 server over net/tls (keep-alive, Content-Length or chunked request bodies, one request at a
// time per connection). Hand-written so the fake controls every byte it sends, chunk-size lines included.
import net from 'node:net';
import tls from 'node:tls';

const MAX_HEAD = 64 * 1024;
const MAX_BODY = 16 * 1024 * 1024;

class BadRequest extends Error {}

/** Parses one request from `buf`; returns { request, rest } or null when more bytes are needed. */
function parseRequest(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    if (buf.length > MAX_HEAD) throw new BadRequest('request head too large');
    return null;
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0]);
  if (!m) throw new BadRequest(`bad request line: ${lines[0].slice(0, 80)}`);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BadRequest('bad header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let pos = end + 4;
  let body;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol < 0) return null;
      const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0], 16);
      if (!Number.isFinite(size) || size < 0) throw new BadRequest('bad chunk size');
      if (buf.length < eol + 2 + size + 2) return null;
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n', eol + 2);
        if (trailerEnd < 0) return null;
        pos = trailerEnd + 2; // no trailers are expected; an empty line ends the body
        break;
      }
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    const length = Number(headers['content-length'] ?? 0);
    if (!Number.isInteger(length) || length < 0 || length > MAX_BODY) throw new BadRequest('bad content-length');
    if (buf.length < pos + length) return null;
    body = buf.subarray(pos, pos + length);
    pos += length;
  }
  const url = new URL(m[2], 'http://fake.invalid');
  const keepAlive = m[3] === '1' ? !/close/i.test(headers.connection ?? '') : /keep-alive/i.test(headers.connection ?? '');
  return {
    request: { method: m[1], target: m[2], path: url.pathname, query: url.searchParams, headers, body, keepAlive },
    rest: buf.subarray(pos),
  };
}

/**
 * Listens on host:port (TLS when `tls` = { cert, key }). `handler(request, socket)` returns a promise that
 * resolves once it has written the whole response, with `false` when the connection must close afterwards.
 * `onTls(socket, { resumed, protocol })` is called for every completed TLS handshake.
 */
export async function listen({ host = '127.0.0.1', port = 0, tls: tlsOptions = null, handler, onError = () => {},
  onTls = () => {} }) {
  const sockets = new Set();
  const onConnection = (socket) => {
    sockets.add(socket);
    // Node's own view of the handshake (OpenSSL's SSL_session_reused): the oracle for session resumption.
    if (tlsOptions) onTls(socket, { resumed: socket.isSessionReused(), protocol: socket.getProtocol() });
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let busy = false;
    const pump = async () => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          let parsed;
          try {
            parsed = parseRequest(buf);
          } catch (e) {
            socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
            onError(e);
            return;
          }
          if (!parsed) return;
          buf = parsed.rest;
          const keep = await handler(parsed.request, socket);
          if (socket.destroyed) return;
          if (keep === false || !parsed.request.keepAlive) {
            socket.end();
            return;
          }
        }
      } catch (e) {
        onError(e);
        socket.destroy();
      } finally {
        busy = false;
      }
    };
    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = tlsOptions
    ? tls.createServer({ cert: tlsOptions.cert, key: tlsOptions.key }, onConnection)
    : net.createServer(onConnection);
  if (tlsOptions) server.on('tlsClientError', (e) => onError(e));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
