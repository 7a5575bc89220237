import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../test/support/redis.js';
import { acquireLock } from './redis-lock.js';

/** The lease against a real Redis. */
describe('redis lock', () => {
  const server = startRedis();
  const connected = server.then((r) => new Redis(r.url));
  afterAll(async () => {
    (await connected).disconnect();
    await (await server).close();
  });

  it('a holder starved of CPU past its lease knows it may have lost it before any renewal answers', async () => {
    const client = await connected;
    const lock = await acquireLock(client, 'opsbot:lock:test:starved', { ttlMs: 600, waitMs: 1000, holder: 'starved' });
    expect(lock.held()).toBe(true);
    // The event loop blocked (a loaded machine): no renewal could be sent, the key expired in Redis.
    const until = Date.now() + 700;
    while (Date.now() < until) {
      /* busy */
    }
    expect(lock.held()).toBe(false);
    expect(await client.get('opsbot:lock:test:starved')).toBeNull();
    await lock.release();
  });

  it('renewed in time, it stays held, with a margin', async () => {
    const client = await connected;
    const lock = await acquireLock(client, 'opsbot:lock:test:renewed', { ttlMs: 3000, waitMs: 1000, holder: 'renewed' });
    await new Promise((r) => setTimeout(r, 4000));
    expect(lock.held(500)).toBe(true);
    expect(await client.get('opsbot:lock:test:renewed')).toContain(':renewed');
    await lock.release();
    expect(await client.get('opsbot:lock:test:renewed')).toBeNull();
  });
});
