import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startService, type Service } from '../support/harness';
import { connect } from './client';
import { savePolicy } from '../../src/moderation/store/policies';

describe('live text streams over WebSocket', () => {
  let svc: Service;
  let wsUrl: string;
  beforeAll(async () => {
    svc = await startService('pglite', { worker: false });
    wsUrl = svc.baseUrl.replace('http', 'ws');
  });
  afterAll(async () => svc?.close());

  it.each([
    ['join the best online ', 'cas', 'ino'],
    ['欢迎来到网上', '赌', '博'],
  ])('a word split across chunks (%s%s | %s) is blocked on the chunk that completes it, and the stream is closed', async (lead, a, b) => {
    const c = connect(`${wsUrl}/v1/streams/text`, { headers: { authorization: `Bearer ${svc.keyA}` } });
    await c.opened;
    expect(await c.next((m) => m.type === 'ready')).toMatchObject({ stream: 'text', onBlock: 'close' });
    c.ws.send(lead + a);
    const first = await c.next((m) => m.type === 'verdict');
    expect(first.decision).not.toBe('block');
    c.ws.send(`${b} tonight`);
    const second = await c.next((m) => m.type === 'verdict');
    expect(second).toMatchObject({ seq: 1, decision: 'block', action: 'close' });
    expect(second.reasons.join(' ')).toMatch(/gambling/);
    const span = second.evidence.find((e: any) => e.category === 'gambling' && e.textSpan)?.textSpan;
    expect(span.start).toBeLessThan(first.range[1]); // the evidence spans the chunk boundary
    expect(span.end).toBeGreaterThan(first.range[1]);
    const closed = await c.closed;
    expect(closed.code).toBe(4001);
    expect(closed.reason).toMatch(/gambling/);
  });

  it('benign chunks pass one verdict each; the key works as ?key= and as a subprotocol', async () => {
    for (const c of [
      connect(`${wsUrl}/v1/streams/text?key=${svc.keyA}`),
      connect(`${wsUrl}/v1/streams/text`, { protocols: ['likeness.v1', `key.${svc.keyA}`] }),
    ]) {
      await c.opened;
      expect(c.ws.protocol === '' || c.ws.protocol === 'likeness.v1').toBe(true);
      for (const chunk of ['the weather is ', 'lovely today, ', 'see you at the park']) c.ws.send(chunk);
      for (let i = 0; i < 3; i++) expect(await c.next((m) => m.type === 'verdict')).toMatchObject({ seq: i, decision: 'pass', action: 'none' });
      c.ws.close(1000);
      expect((await c.closed).code).toBe(1000);
    }
  });

  it('with on_block=mute a block marks the chunk and the stream stays open', async () => {
    const c = connect(`${wsUrl}/v1/streams/text?on_block=mute`, { headers: { 'x-api-key': svc.keyA } });
    await c.opened;
    c.ws.send('win money at our online cas');
    c.ws.send('ino now');
    expect(await c.next((m) => m.type === 'verdict' && m.seq === 1)).toMatchObject({ decision: 'block', action: 'mute' });
    c.ws.send('thank you for listening, goodbye and have a nice evening with your family');
    const later = await c.next((m) => m.type === 'verdict' && m.seq === 2);
    expect(later.action).not.toBe('close');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close(1000);
    await c.closed;
  });

  it("a tenant's edited block list reaches a stream that is already open", async () => {
    const c = connect(`${wsUrl}/v1/streams/text?key=${svc.keyB}`);
    await c.opened;
    c.ws.send('our brand new product glorbix ');
    expect(await c.next((m) => m.type === 'verdict')).toMatchObject({ decision: 'pass' });
    const [tenant] = await svc.ctx.db.query<{ id: string }>("select id from tenants where name = 'tenant-b'");
    await savePolicy(svc.ctx.db, tenant!.id, 'active', { id: 'b', version: '2', blockList: [{ term: 'glorbix', category: 'fraud' }] });
    c.ws.send('buy glorbix today');
    const v = await c.next((m) => m.type === 'verdict');
    expect(v).toMatchObject({ decision: 'block', action: 'close' });
    expect(v.reasons).toContain('list.block.fraud');
    expect((await c.closed).code).toBe(4001);
  });

  it('refuses a missing or wrong key before the upgrade, and binary frames on the text stream', async () => {
    await expect(connect(`${wsUrl}/v1/streams/text`).opened).rejects.toThrow('HTTP 401');
    await expect(connect(`${wsUrl}/v1/streams/text?key=lg_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbb`).opened).rejects.toThrow('HTTP 401');
    const c = connect(`${wsUrl}/v1/streams/text?key=${svc.keyA}`);
    await c.opened;
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.closed).code).toBe(1003);
  });
});
