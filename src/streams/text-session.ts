/**
 * One live text stream: every chunk is moderated with the tail of what came before
 * (the moderation module's TextStream), so a term split across chunks is caught.
 * Transport-free: the WebSocket route feeds it and sends what it returns.
 */
import { TextStream, type TextModerator } from '../moderation';
import type { TenantPolicies } from '../moderation/store/policies';
import { nonZeroScores, type Action, type VerdictMessage } from './protocol';

export class TextStreamSession {
  private readonly stream: TextStream;
  private seq = 0;
  private offset = 0;

  constructor(
    moderator: TextModerator,
    /** Asked on every chunk (it is cached), so an edited tenant policy reaches open streams too. */
    private readonly policies: () => Promise<TenantPolicies>,
    private readonly onBlock: 'close' | 'mute',
  ) {
    this.stream = new TextStream(moderator);
  }

  async push(chunk: string, receivedAt = performance.now()): Promise<VerdictMessage> {
    const { active, shadow } = await this.policies();
    const r = await this.stream.push(chunk, active, { shadow });
    const range: [number, number] = [this.offset, this.offset + chunk.length];
    this.offset += chunk.length;
    // With `mute`, every chunk whose window blocks is marked: the relay drops each of them.
    const action: Action = r.decision === 'block' ? this.onBlock : 'none';
    return {
      type: 'verdict',
      seq: this.seq++,
      decision: r.decision,
      reasons: r.reasons,
      scores: nonZeroScores(r.scores),
      evidence: r.evidence,
      action,
      range,
      latencyMs: round(performance.now() - receivedAt),
    };
  }
}

export const round = (ms: number) => Math.round(ms * 100) / 100;
