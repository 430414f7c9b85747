// Event-stream frames built with AWS's own codec (@smithy/eventstream-codec), the one AWS's JS clients decode
// with. Nothing here is shared with the gateway's C++ encoder or decoder.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value) => ({ type: 'string', value });
const json = (value) => fromUtf8(JSON.stringify(value));

/** A `:message-type event` frame, as Kiro sends assistantResponseEvent, toolUseEvent, meteringEvent, … */
export function eventFrame(eventType, payload) {
  return codec.encode({
    headers: {
      ':event-type': str(eventType),
      ':content-type': str('application/json'),
      ':message-type': str('event'),
    },
    body: json(payload),
  });
}

/** A modeled exception inside the stream (e.g. ThrottlingException after the first text). */
export function exceptionFrame(exceptionType, message) {
  return codec.encode({
    headers: {
      ':exception-type': str(exceptionType),
      ':content-type': str('application/json'),
      ':message-type': str('exception'),
    },
    body: json({ message }),
  });
}

/** An unmodeled service error inside the stream (`:message-type error`). */
export function errorFrame(errorCode, errorMessage) {
  return codec.encode({
    headers: {
      ':error-code': str(errorCode),
      ':error-message': str(errorMessage),
      ':message-type': str('error'),
    },
    body: new Uint8Array(0),
  });
}

/** Decodes a whole, concatenated stream back into { headers, payload } objects (self-checks and tests). */
export function decodeAll(bytes) {
  const out = [];
  let pos = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (pos < bytes.byteLength) {
    const length = view.getUint32(pos, false);
    const message = codec.decode(bytes.subarray(pos, pos + length));
    const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, v.value]));
    out.push({ headers, payload: toUtf8(message.body) });
    pos += length;
  }
  return out;
}
