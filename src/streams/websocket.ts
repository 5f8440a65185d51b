/**
 * The WebSocket server behind the live-stream routes (@hono/node-server's built-in
 * support over `ws`), and the way browsers authenticate: they cannot set headers on a
 * WebSocket, so the key may come as `?key=` or as a `key.<api key>` subprotocol next to
 * `likeness.v1` (the only protocol ever echoed back, so the key is not).
 */
import type { MiddlewareHandler } from 'hono';
import { WebSocketServer } from 'ws';

export const STREAM_PROTOCOL = 'likeness.v1';
const KEY_PROTOCOL = 'key.';

/** Pass as `serve({ …, websocket: streamsWebSocket() })`. */
export function streamsWebSocket() {
  return {
    server: new WebSocketServer({
      noServer: true,
      // Text chunks and 16 kHz PCM chunks are small; a larger message is a client bug or abuse.
      maxPayload: 1 << 20,
      handleProtocols: (offered: Set<string>) => (offered.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
    }),
  };
}

/** Runs before the API-key middleware on /v1/streams/*: lifts a query or subprotocol key into X-API-Key. */
export const streamKeyBridge: MiddlewareHandler = async (c, next) => {
  if (!c.req.header('authorization') && !c.req.header('x-api-key')) {
    const fromProtocol = c.req
      .header('sec-websocket-protocol')
      ?.split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(KEY_PROTOCOL))
      ?.slice(KEY_PROTOCOL.length);
    const key = c.req.query('key') ?? fromProtocol;
    if (key) c.req.raw.headers.set('x-api-key', key);
  }
  await next();
};
