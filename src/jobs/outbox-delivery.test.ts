import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { createLogger } from '../core/logger.js';
import type { ConversationRef } from '../core/message.js';
import { Redactor } from '../core/redact.js';
import { DeliveryError, Outbox, type OutboxEvent } from './outbox.js';
import { OutboxDelivery, outboxBacklog, type OutboxConsumer } from './outbox-delivery.js';
import { ParkedMessages } from './parked-messages.js';

/**
 * The delivery loop against a real Redis, with an in-memory chat platform (the adapter
 * interface): one lane per conversation, nothing dropped.
 */
class FakePlatform implements OutboxConsumer {
  readonly platform = 'slack' as const;
  readonly pacingMs = 50;
  readonly delivered: { channel: string; title?: string; at: number; key: string; text?: string }[] = [];
  /** Per channel: what to throw instead of delivering (every time). */
  readonly failing = new Map<string, DeliveryError>();
  /** While set, every delivery waits for it: what is published meanwhile piles up behind. */
  hold: Promise<void> | undefined;
  linkTo?: OutboxConsumer['linkTo'];

  async deliver(event: OutboxEvent): Promise<void> {
    await this.hold;
    if (event.notice?.headOnly) return; // no operation messages here to bring up to date
    const err = this.failing.get(event.conversation.channel);
    if (err) throw err;
    this.delivered.push({
      channel: event.conversation.channel,
      title: event.message.title,
      at: Date.now(),
      key: event.key,
      text: event.message.text,
    });
  }
}

const to = (channel: string): ConversationRef => ({ platform: 'slack', channel });
const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('outbox delivery: a lane per conversation', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(redis.url);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis.close();
  });

  async function rig(platform: FakePlatform, start = true, followUp?: ConstructorParameters<typeof OutboxDelivery>[0]['followUp']) {
    const c = client();
    await c.flushall();
    const delivery = new OutboxDelivery({
      redis: client(),
      adapter: platform,
      log: createLogger({ level: 'silent', redactor: new Redactor() }),
      consumer: 'test',
      ...(followUp ? { followUp } : {}),
    });
    if (start) delivery.start();
    return { outbox: new Outbox(c, new Redactor()), delivery, c };
  }

  it("an event's follow-up is queued once it is delivered, told where the message is; a parked one queues nothing", async () => {
    const platform = new FakePlatform();
    platform.linkTo = async (e) => ({ url: `https://chat.example/${e.conversation.channel}/${e.key}`, text: 'the message' });
    platform.failing.set('CGONE', new DeliveryError('channel_not_found', { permanent: true }));
    const queued: unknown[] = [];
    const { outbox, delivery } = await rig(
      platform,
      true,
      async (work, at) => void queued.push({ work, link: at.link, channel: at.conversation.channel, once: at.once }),
    );
    const work = { kind: 'plan-link', target: 'stack core #4', payload: { stack: 'core', pr: 4, planJob: '12' } };
    await outbox.publish({ conversation: to('CPLAN'), key: 'job:12', message: { title: 'plan' }, final: 'succeeded', afterDelivery: work });
    await outbox.publish({ conversation: to('CGONE'), key: 'job:13', message: { title: 'plan' }, final: 'succeeded', afterDelivery: work });
    await outbox.publish({ conversation: to('CPLAN'), key: 'job:14', message: { title: 'other' }, final: 'succeeded' });
    await until('the other job delivered', () => platform.delivered.some((d) => d.key === 'job:14'));
    await until('CGONE parked', async () => (await new ParkedMessages(client()).count('slack')) === 1);
    await delivery.stop();
    expect(queued).toEqual([
      {
        work,
        link: { url: 'https://chat.example/CPLAN/job:12', text: 'the message' },
        channel: 'CPLAN',
        once: expect.stringMatching(/^after-delivery:slack:\d+-\d+$/),
      },
    ]);
  });

  it('a rate-limited channel (429, Retry-After 3 s) never delays another; its messages go out in order afterwards', async () => {
    const platform = new FakePlatform();
    platform.failing.set('CSLOW', new DeliveryError('ratelimited', { retryAfterMs: 3000 }));
    const { outbox, delivery } = await rig(platform);
    const start = Date.now();
    for (let i = 0; i < 3; i++) await outbox.publish({ conversation: to('CSLOW'), key: `slow:${i}`, message: { title: `slow ${i}` } });
    for (let i = 0; i < 3; i++) await outbox.publish({ conversation: to('CFAST'), key: `fast:${i}`, message: { title: `fast ${i}` } });
    await until('the other channel delivered', () => platform.delivered.filter((d) => d.channel === 'CFAST').length === 3);
    expect(Date.now() - start).toBeLessThan(3000); // not behind the 3 s Retry-After of the other channel
    platform.failing.delete('CSLOW');
    await until('the limited channel delivered after its wait', () => platform.delivered.filter((d) => d.channel === 'CSLOW').length === 3, 15_000);
    expect(platform.delivered.filter((d) => d.channel === 'CSLOW').map((d) => d.title)).toEqual(['slow 0', 'slow 1', 'slow 2']);
    await delivery.stop();
  }, 30_000);

  it('a permanent refusal is parked (listed, counted in the backlog as done), never dropped, and comes back on retry', async () => {
    const platform = new FakePlatform();
    platform.failing.set('CGONE', new DeliveryError('channel_not_found', { permanent: true }));
    const { outbox, delivery, c } = await rig(platform);
    await outbox.publish({ conversation: to('CGONE'), key: 'k', message: { title: 'lost?' } });
    await outbox.publish({ conversation: to('COK'), key: 'k2', message: { title: 'fine' } });
    const parked = new ParkedMessages(c);
    await until('parked', async () => (await parked.count('slack')) === 1);
    await until('acknowledged', async () => (await outboxBacklog(c, 'slack')).waiting === 0);
    const [m] = await parked.list('slack');
    expect(m).toMatchObject({ reason: 'channel_not_found', attempts: 1 });
    expect(ParkedMessages.describe(m!)).toEqual({ where: 'slack:CGONE', key: 'k', title: 'lost?' });
    platform.failing.delete('CGONE');
    expect(await parked.retry('slack', m!.id)).toBeDefined();
    await until('delivered after the retry', () => platform.delivered.some((d) => d.channel === 'CGONE'));
    expect(await parked.count('slack')).toBe(0);
    expect(await parked.retry('slack', m!.id)).toBeUndefined();
    await delivery.stop();
  }, 30_000);

  it('before any deliverer started, everything published is counted as waiting, the oldest first', async () => {
    const c = client();
    await c.flushall();
    expect(await outboxBacklog(c, 'slack')).toEqual({ waiting: 0, oldestAgeS: 0 });
    const outbox = new Outbox(c, new Redactor());
    for (let i = 0; i < 2; i++) await outbox.publish({ conversation: to('CX'), key: `k${i}`, message: { title: `m${i}` } });
    await sleep(1100);
    const backlog = await outboxBacklog(c, 'slack');
    expect(backlog.waiting).toBe(2);
    expect(backlog.oldestAgeS).toBeGreaterThanOrEqual(1);
  });

  it('a closed Redis connection is retried with a pause, never in a busy loop', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const c0 = client();
    await c0.flushall();
    const redis = client();
    const delivery = new OutboxDelivery({ redis, adapter: new FakePlatform(), log, consumer: 'closed' });
    delivery.start();
    await until('the delivery group exists', async () => ((await c0.xinfo('GROUPS', 'opsbot:outbox:slack').catch(() => [])) as unknown[]).length > 0);
    redis.disconnect(); // no reconnect: every command is refused at once
    await sleep(2500);
    await delivery.stop();
    const retries = lines.filter((l) => l.includes('outbox delivery lease unavailable'));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.length).toBeLessThanOrEqual(3); // 1 s, then 2 s: a spin would log thousands
  });

  it('a deliverer that died with entries read but not acknowledged: the next one claims and delivers them', async () => {
    const c = client();
    await c.flushall();
    const outbox = new Outbox(c, new Redactor());
    await c.xgroup('CREATE', 'opsbot:outbox:slack', 'delivery', '0', 'MKSTREAM');
    for (let i = 0; i < 3; i++) await outbox.publish({ conversation: to('CX'), key: `k${i}`, message: { title: `m${i}` } });
    // A consumer that read them and died (another process name, never acknowledged).
    await c.xreadgroup('GROUP', 'delivery', 'dead-process-123', 'COUNT', 10, 'STREAMS', 'opsbot:outbox:slack', '>');
    expect((await outboxBacklog(c, 'slack')).waiting).toBe(3);
    const platform = new FakePlatform();
    const delivery = new OutboxDelivery({
      redis: client(),
      adapter: platform,
      log: createLogger({ level: 'silent', redactor: new Redactor() }),
      consumer: 'successor',
    });
    delivery.start();
    await until('delivered', () => platform.delivered.length === 3);
    expect(platform.delivered.map((d) => d.title)).toEqual(['m0', 'm1', 'm2']);
    await until('backlog empty', async () => (await outboxBacklog(c, 'slack')).waiting === 0);
    await delivery.stop();
  }, 30_000);

  it('notifications waiting together are folded into one digest, edited in place as the burst grows; failures first; each entry once', async () => {
    const platform = new FakePlatform();
    const { outbox, delivery, c } = await rig(platform, false);
    const notice = (i: number, failed: boolean) => ({
      conversation: to('CBURST'),
      key: `notify:app-${i}|op:1`,
      message: { title: `app-${i} ${failed ? 'failed to sync' : 'synced'}`, text: failed ? 'one or more objects failed to apply' : undefined },
      notice: {
        group: `app-${i}|op:1`,
        app: `app-${i}`,
        rank: failed ? 5 : 3,
        outcome: failed ? ('failed' as const) : ('succeeded' as const),
        label: failed ? 'failed to sync' : 'synced',
      },
    });
    // The first wave waits before delivery starts; the second piles up behind a delivery held
    // in flight: both wait together whatever the machine's load.
    await Promise.all(Array.from({ length: 30 }, (_, i) => outbox.publish(notice(i, i === 17))));
    delivery.start();
    await until('all acknowledged', async () => (await outboxBacklog(c, 'slack')).waiting === 0);
    let release!: () => void;
    platform.hold = new Promise((r) => (release = r));
    await Promise.all(Array.from({ length: 10 }, (_, i) => outbox.publish(notice(30 + i, false))));
    release();
    await until('the second wave acknowledged', async () => (await outboxBacklog(c, 'slack')).waiting === 0);
    const keys = new Set(platform.delivered.map((d) => d.key));
    // The first of a wave may go alone (nothing else waited yet); the rest is one digest message, edited.
    expect(keys.size).toBeLessThanOrEqual(4);
    expect(new Set(platform.delivered.filter((d) => d.key.startsWith('digest:')).map((d) => d.key)).size).toBe(1);
    expect(platform.delivered.length).toBeLessThan(20);
    const last = platform.delivered.filter((d) => d.key.startsWith('digest:')).at(-1)!;
    expect(last.text?.split('\n')[0]).toBe('✖ app-17 failed to sync: one or more objects failed to apply');
    const shown = new Set(platform.delivered.flatMap((d) => [...`${d.title ?? ''}\n${d.text ?? ''}`.matchAll(/app-\d+/g)].map((m) => m[0])));
    expect(shown.size).toBe(40);
    await delivery.stop();
  }, 30_000);

  it('the states of one operation waiting together are not folded: they go to its own message, in order', async () => {
    const platform = new FakePlatform();
    const { outbox, delivery, c } = await rig(platform);
    const state = (label: string, rank: number) => ({
      conversation: to('CONE'),
      key: 'notify:web|op:1',
      message: { title: `web ${label}` },
      notice: { group: 'web|op:1', app: 'web', rank, outcome: 'succeeded' as const, label },
    });
    await Promise.all([outbox.publish(state('is syncing', 1)), outbox.publish(state('synced', 3)), outbox.publish(state('is deployed', 4))]);
    await until('delivered', () => platform.delivered.length >= 3);
    await until('acknowledged', async () => (await outboxBacklog(c, 'slack')).waiting === 0);
    expect(platform.delivered.map((d) => [d.key, d.title])).toEqual([
      ['notify:web|op:1', 'web is syncing'],
      ['notify:web|op:1', 'web synced'],
      ['notify:web|op:1', 'web is deployed'],
    ]);
    await delivery.stop();
  }, 30_000);

  it('publishOnce: the same id twice is one entry', async () => {
    const c = client();
    await c.flushall();
    const outbox = new Outbox(c, new Redactor());
    const e = { conversation: to('CY'), key: 'k', message: { title: 't' }, id: 'app|on-deployed|op:1|slack:CY' };
    expect(await outbox.publishOnce(e)).toBe(true);
    expect(await outbox.publishOnce(e)).toBe(false);
    expect(await c.xlen('opsbot:outbox:slack')).toBe(1);
  });
});
