import WebSocket from 'ws';

/** A WebSocket client that collects JSON messages and the close code/reason. */
export function connect(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}) {
  const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
  const messages: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  /** Resolves with the first message (after those already taken) that matches. */
  let taken = 0;
  async function next(match: (m: any) => boolean = () => true, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (taken < messages.length) {
        const m = messages[taken++];
        if (match(m)) return m;
      }
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages).slice(0, 500)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  return { ws, messages, closed, opened, next };
}
