import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { startTcpCut } from '../../test/support/tcp-cut.js';
import type { ConversationRef } from '../core/message.js';
import { Redactor } from '../core/redact.js';
import { Outbox } from './outbox.js';
import { OutboxReporter } from './reporter.js';

const chat: ConversationRef = { platform: 'slack', channel: 'C1' };

/** The outbox entries a job's conversation holds: [final state, title] each. */
async function said(redis: Redis): Promise<[string, string][]> {
  const entries = await redis.xrange('opsbot:outbox:slack', '-', '+');
  return entries.map(([, fields]) => {
    const e = JSON.parse(fields[1]!) as { final?: string; message: { title?: string } };
    return [e.final ?? '', e.message.title ?? ''];
  });
}

describe("a job's last word, when the connection to Redis is cut around it", () => {
  let redis: TestRedis;
  let direct: Redis;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    direct = new Redis(redis.url);
  });
  afterAll(async () => {
    direct.disconnect();
    await redis.close();
  });
  beforeEach(async () => {
    await direct.flushall();
  });

  /** A worker's connection through a relay that cuts it; no reconnect, so a cut call fails. */
  async function reporterThrough(when: 'before' | 'after-reply') {
    // The last word is the worker's only script call (EVAL) on this connection.
    const cut = await startTcpCut(redis.port, { request: /eval/i, when });
    const client = new Redis({
      port: cut.port,
      host: '127.0.0.1',
      enableReadyCheck: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    return {
      reporter: new OutboxReporter(new Outbox(client, new Redactor()), chat, '14'),
      close: async () => {
        client.disconnect();
        await cut.close();
      },
    };
  }
  /** The re-run of the job on another worker, after the first one died. */
  const rerun = () => new OutboxReporter(new Outbox(direct, new Redactor()), chat, '14');

  it('cut right after it was stored: the re-run says nothing more', async () => {
    const first = await reporterThrough('after-reply');
    await first.reporter.succeeded({ title: 'Deployed' });
    await first.close();
    await rerun().failed({ title: 'Interrupted' });
    expect(await said(direct)).toEqual([['succeeded', 'Deployed']]);
  });

  it('cut before it reached Redis: nothing was claimed, and the re-run says its own last word once', async () => {
    const first = await reporterThrough('before');
    await expect(first.reporter.succeeded({ title: 'Deployed' })).rejects.toThrow();
    await first.close();
    expect(await said(direct)).toEqual([]);
    await rerun().failed({ title: 'Interrupted' });
    await rerun().failed({ title: 'Interrupted' });
    expect(await said(direct)).toEqual([['failed', 'Interrupted']]);
  });

  it('progress is not a last word: any number of updates, then one final', async () => {
    const r = rerun();
    await r.progress({ title: 'Pushing' });
    await r.progress({ title: 'Syncing' });
    await r.succeeded({ title: 'Deployed' });
    await r.cancelled({ title: 'Cancelled' });
    expect(await said(direct)).toEqual([
      ['', 'Pushing'],
      ['', 'Syncing'],
      ['succeeded', 'Deployed'],
    ]);
  });
});
