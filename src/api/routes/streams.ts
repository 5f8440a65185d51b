/**
 * Live streams over WebSocket (see docs/speech.md for the protocol):
 *   GET /v1/streams/text   text frames are chunks of text; one verdict per chunk
 *   GET /v1/streams/audio  binary frames are PCM s16le 16 kHz mono; VAD per chunk, a verdict per speech segment
 * A `block` closes the stream with 4001 (or, with `on_block=mute`, marks the chunk to drop).
 */
import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import type { WSContext } from 'hono/ws';
import type { AppContext } from '../../app-context';
import { AppError } from '../../core/errors';
import { defaultTextModerator } from '../../moderation';
import { policiesFor } from '../../moderation/store/policies';
import { recognizerFor } from '../../speech/asr/registry';
import { speechConfig } from '../../speech/config';
import { AudioStreamSession, type VadMessage } from '../../streams/audio-session';
import { CLOSE, ControlSchema, StreamParamsSchema, type VerdictMessage } from '../../streams/protocol';
import { TextStreamSession } from '../../streams/text-session';
import type { AuthEnv } from '../auth';

/** Text streams are moderated under the tenant's `driving_text` policy, audio under `driving_audio`. */
const TEXT_KIND = 'driving_text';
const AUDIO_KIND = 'driving_audio';
const MAX_TEXT_CHUNK = 8192;

export function streamRoutes(ctx: AppContext) {
  const app = new Hono<AuthEnv>();
  const params = (q: Record<string, string>) => {
    const p = StreamParamsSchema.safeParse(q);
    if (!p.success) throw new AppError('request.invalid', 'invalid stream parameters', { issues: p.error.issues });
    return p.data;
  };

  app.get(
    '/v1/streams/text',
    upgradeWebSocket(async (c) => {
      const { on_block } = params(c.req.query());
      const tenant = c.get('tenant');
      const moderator = await defaultTextModerator();
      const { active, shadow } = await policiesFor(ctx.db, tenant.id, TEXT_KIND);
      const session = new TextStreamSession(moderator, active, shadow, on_block);
      let chain = Promise.resolve();
      let closed = false;
      return {
        onOpen: (_e, ws) => ws.send(JSON.stringify({ type: 'ready', stream: 'text', policy: { id: active.id, version: active.version }, onBlock: on_block })),
        onMessage: (e, ws) => {
          const receivedAt = performance.now();
          if (typeof e.data !== 'string') return close(ws, CLOSE.unsupported, 'text frames only');
          const chunk = e.data;
          if (chunk.length > MAX_TEXT_CHUNK) return close(ws, CLOSE.tooBig, `chunks up to ${MAX_TEXT_CHUNK} characters`);
          chain = chain.then(async () => {
            if (closed) return;
            const v = await session.push(chunk, receivedAt);
            deliver(ws, v);
          }).catch((err: unknown) => fail(ws, err));
        },
        onClose: () => {
          closed = true;
        },
      };
      function deliver(ws: WSContext, v: VerdictMessage) {
        ws.send(JSON.stringify(v));
        if (v.action === 'close') close(ws, CLOSE.blocked, v.reasons[0] ?? 'block');
      }
      function close(ws: WSContext, code: number, reason: string) {
        closed = true;
        ws.close(code, reason.slice(0, 120));
      }
      function fail(ws: WSContext, err: unknown) {
        ctx.log.error({ err }, 'text stream failed');
        close(ws, CLOSE.internal, 'internal');
      }
    }),
    upgradeRequired,
  );

  app.get(
    '/v1/streams/audio',
    upgradeWebSocket(async (c) => {
      const p = params(c.req.query());
      const tenant = c.get('tenant');
      const config = speechConfig();
      const language = p.language ?? config.defaultLanguage;
      const moderator = await defaultTextModerator();
      const { active, shadow } = await policiesFor(ctx.db, tenant.id, AUDIO_KIND);
      let socket: WSContext | undefined;
      let closed = false;
      const close = (code: number, reason: string) => {
        if (closed) return;
        closed = true;
        session.stop();
        socket?.close(code, reason.slice(0, 120));
      };
      const session = new AudioStreamSession({
        moderator,
        policy: active,
        shadow,
        recognizer: recognizerFor(language, config),
        onBlock: p.on_block,
        send: (m: VerdictMessage | VadMessage) => {
          if (closed) return;
          socket?.send(JSON.stringify(m));
          if (m.type === 'verdict' && m.action === 'close') close(CLOSE.blocked, m.reasons[0] ?? 'block');
        },
      });
      let chain = Promise.resolve();
      const fail = (err: unknown) => {
        ctx.log.error({ err }, 'audio stream failed');
        close(CLOSE.internal, 'internal');
      };
      return {
        onOpen: (_e, ws) => {
          socket = ws;
          ws.send(JSON.stringify({ type: 'ready', stream: 'audio', language, asr: session.asrModel, policy: { id: active.id, version: active.version }, onBlock: p.on_block }));
        },
        onMessage: (e) => {
          const receivedAt = performance.now();
          if (typeof e.data === 'string') {
            if (!ControlSchema.safeParse(safeJson(e.data)).success) return close(CLOSE.unsupported, 'binary PCM frames, or {"type":"end"}');
            chain = chain.then(async () => {
              if (closed) return;
              await session.end();
              if (closed) return;
              socket?.send(JSON.stringify({ type: 'end' }));
              close(CLOSE.normal, 'end');
            }).catch(fail);
            return;
          }
          const bytes = e.data instanceof ArrayBuffer ? new Uint8Array(e.data) : new Uint8Array(e.data as unknown as ArrayBufferLike);
          chain = chain.then(() => (closed ? undefined : session.push(bytes, receivedAt))).catch(fail);
        },
        onClose: () => {
          closed = true;
          session.stop();
        },
      };
    }),
    upgradeRequired,
  );
  return app;
}

const upgradeRequired = () => {
  throw new AppError('request.invalid', 'this endpoint is a WebSocket: connect with Upgrade: websocket');
};

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
