import { describe, expect, it } from 'vitest';
import { connect, redisTargetFromEnv, safeUrl } from './redis.js';

describe('redisTargetFromEnv', () => {
  it.each<[string, NodeJS.ProcessEnv, ReturnType<typeof redisTargetFromEnv>]>([
    ['nothing set: no target (start/console share the embedded redis-server)', {}, undefined],
    ['a plain URL', { REDIS_URL: 'redis://redis:6379' }, { url: 'redis://redis:6379', sentinels: undefined, sentinelName: 'mymaster' }],
    [
      'TLS',
      { REDIS_URL: 'rediss://:pw@cache.example.net:6380/1' },
      { url: 'rediss://:pw@cache.example.net:6380/1', sentinels: undefined, sentinelName: 'mymaster' },
    ],
    [
      'Sentinel, with spaces and a default port',
      { REDIS_SENTINELS: 's1:26380, s2', REDIS_SENTINEL_NAME: 'opsbot' },
      {
        url: 'redis://127.0.0.1:6379',
        sentinels: [
          { host: 's1', port: 26380 },
          { host: 's2', port: 26379 },
        ],
        sentinelName: 'opsbot',
      },
    ],
  ])('%s', (_title, env, expected) => {
    expect(redisTargetFromEnv(env)).toEqual(expected);
  });
});

describe('connect: connection options (no connection is made: lazyConnect)', () => {
  it('rediss:// turns TLS on, with host, port, db and user from the URL', () => {
    const client = connect({ url: 'rediss://opsbot:pw@cache.example.net:6380/2' }, 'fast-fail', 't');
    expect(client.options).toMatchObject({
      tls: expect.anything(),
      host: 'cache.example.net',
      port: 6380,
      db: 2,
      username: 'opsbot',
      password: 'pw',
    });
    client.disconnect();
  });

  it('redis:// does not', () => {
    const client = connect({ url: 'redis://redis:6379' }, 'blocking', 't');
    expect(client.options.tls).toBeUndefined();
    // BullMQ workers need a connection that never gives up on a command.
    expect(client.options.maxRetriesPerRequest).toBeNull();
    client.disconnect();
  });

  it('Sentinel takes credentials and TLS from the URL, the master name from the target', () => {
    const client = connect({ url: 'rediss://:pw@ignored:1', sentinels: [{ host: 's1', port: 26379 }], sentinelName: 'opsbot' }, 'fast-fail', 't');
    expect(client.options).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'opsbot', password: 'pw', tls: {} });
    client.disconnect();
  });

  it('hides the password when a URL is shown', () => {
    expect(safeUrl('rediss://opsbot:s3cret@cache:6380')).toBe('rediss://opsbot:***@cache:6380');
  });
});
