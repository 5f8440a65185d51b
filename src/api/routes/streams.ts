/**
 * Live streams over WebSocket (see docs/speech.md for the protocol):
 *   GET /v1/streams/text   text frames are chunks of text; one verdict per chunk
 *   GET /v1/streams/audio  binary frames are PCM s16le 16 kHz mono (or WebM/Ogg Opus with `format`);
 *                          VAD per chunk, a verdict per speech segment
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
import { ContainerDecoder } from '../../streams/container-decoder';
import { CLOSE, ControlSchema, StreamParamsSchema, type VerdictMessage } from '../../streams/protocol';
import { SerialQueue } from '../../streams/serial';
import { TextStreamSession } from '../../streams/text-session';
import type { AuthEnv } from '../auth';

/** Text streams are moderated under the tenant's `driving_text` policy, audio under `driving_audio`. */
const TEXT_KIND = 'driving_text';
const AUDIO_KIND = 'driving_audio';
const MAX_TEXT_CHUNK = 8192;
/** Chunks waiting for their turn before the client is told it is too fast (text: chunks; audio: messages, ~100 ms each). */
const MAX_PENDING = 256;

/** Closing once, and not sending after it. */
class Socket {
  ws?: WSContext;
  closed = false;
  send(msg: unknown): void {
    if (!this.closed) this.ws?.send(JSON.stringify(msg));
  }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws?.close(code, reason.slice(0, 120));
  }
}

export function streamRoutes(ctx: AppContext) {
  const app = new Hono<AuthEnv>();
  const params = (q: Record<string, string>) => {
    const p = StreamParamsSchema.safeParse(q);
    if (!p.success) throw new AppError('request.invalid', 'invalid stream parameters', { issues: p.error.issues });
    return p.data;
  };
  const failWith = (socket: Socket, what: string) => (err: unknown) => {
    ctx.log.error({ err }, `${what} stream failed`);
    socket.close(CLOSE.internal, 'internal');
  };

  app.get(
    '/v1/streams/text',
    upgradeWebSocket(async (c) => {
      const { on_block } = params(c.req.query());
      const moderator = await defaultTextModerator();
      const tenantId = c.get('tenant').id;
      const policies = () => policiesFor(ctx.db, tenantId, TEXT_KIND);
      const { active } = await policies();
      const session = new TextStreamSession(moderator, policies, on_block);
      const socket = new Socket();
      const queue = new SerialQueue(failWith(socket, 'text'));
      return {
        onOpen: (_e, ws) => {
          socket.ws = ws;
          socket.send({ type: 'ready', stream: 'text', policy: { id: active.id, version: active.version }, onBlock: on_block });
        },
        onMessage: (e) => {
          const receivedAt = performance.now();
          if (typeof e.data !== 'string') return socket.close(CLOSE.unsupported, 'text frames only');
          const chunk = e.data;
          if (chunk.length > MAX_TEXT_CHUNK) return socket.close(CLOSE.tooBig, `chunks up to ${MAX_TEXT_CHUNK} characters`);
          if (queue.pending >= MAX_PENDING) return socket.close(CLOSE.tooFast, 'too many chunks waiting for verdicts');
          queue.run(async () => {
            if (socket.closed) return;
            const v = await session.push(chunk, receivedAt);
            socket.send(v);
            if (v.action === 'close') socket.close(CLOSE.blocked, v.reasons[0] ?? 'block');
          });
        },
        onClose: () => {
          socket.closed = true;
        },
      };
    }),
    upgradeRequired,
  );

  app.get(
    '/v1/streams/audio',
    upgradeWebSocket(async (c) => {
      const p = params(c.req.query());
      const config = speechConfig();
      const language = p.language ?? config.defaultLanguage;
      const moderator = await defaultTextModerator();
      const tenantId = c.get('tenant').id;
      const policies = () => policiesFor(ctx.db, tenantId, AUDIO_KIND);
      const { active } = await policies();
      const socket = new Socket();
      const queue = new SerialQueue(failWith(socket, 'audio'));
      const session = new AudioStreamSession({
        moderator,
        policies,
        recognizer: recognizerFor(language, config),
        onBlock: p.on_block,
        send: (m: VerdictMessage | VadMessage) => {
          socket.send(m);
          if (m.type === 'verdict' && m.action === 'close') stop(CLOSE.blocked, m.reasons[0] ?? 'block');
        },
      });
      const push = (bytes: Uint8Array, receivedAt = performance.now()) => queue.run(() => (socket.closed ? undefined : session.push(bytes, receivedAt)));
      const decoder = p.format === 'pcm' ? undefined : new ContainerDecoder(ctx.config.ffmpegPath, p.format, (pcm) => push(pcm));
      function stop(code: number, reason: string) {
        session.stop();
        decoder?.kill();
        socket.close(code, reason);
      }
      async function finish() {
        const decodeError = await decoder?.end();
        await queue.idle();
        if (socket.closed) return;
        if (decodeError) return stop(CLOSE.invalidData, `undecodable ${p.format}: ${decodeError}`);
        await session.end();
        socket.send({ type: 'end' });
        stop(CLOSE.normal, 'end');
      }
      return {
        onOpen: (_e, ws) => {
          socket.ws = ws;
          socket.send({ type: 'ready', stream: 'audio', format: p.format, language, asr: session.asrModel, policy: { id: active.id, version: active.version }, onBlock: p.on_block });
        },
        onMessage: (e) => {
          if (socket.closed) return;
          if (typeof e.data === 'string') {
            if (!ControlSchema.safeParse(safeJson(e.data)).success) return stop(CLOSE.unsupported, 'binary audio frames, or {"type":"end"}');
            finish().catch(failWith(socket, 'audio'));
            return;
          }
          if (queue.pending >= MAX_PENDING) return stop(CLOSE.tooFast, 'too much audio waiting for verdicts');
          const bytes = new Uint8Array(e.data as ArrayBuffer);
          if (decoder) decoder.write(bytes);
          else push(bytes);
        },
        onClose: () => {
          socket.closed = true;
          session.stop();
          decoder?.kill();
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
