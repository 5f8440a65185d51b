// Inside a text-line worker thread: each message is a batch of raw JSON Lines, moderated
// together (so the classifier scores them in one run) and answered as serialised results.
import { parentPort, workerData } from 'node:worker_threads';
import { defaultTextModerator } from '../moderation/text/moderator';
import { moderateLine, type BatchOptions } from './moderate-batch';
import type { TextLine, TextLineResult } from './text-lines';

const opts = workerData as BatchOptions;

parentPort!.on('message', async ({ id, lines, warm }: { id: number; lines?: TextLine[]; warm?: true }) => {
  try {
    if (warm) {
      await defaultTextModerator();
      parentPort!.postMessage({ id, result: true });
      return;
    }
    if (!lines) throw new Error('a text-line message needs lines');
    const results = await Promise.all(lines.map(({ line, raw }) => moderateLine(raw, line, opts)));
    const reply: TextLineResult[] = results.map((r) => ({ decision: r.decision, json: JSON.stringify(r) }));
    parentPort!.postMessage({ id, result: reply });
  } catch (e) {
    parentPort!.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
