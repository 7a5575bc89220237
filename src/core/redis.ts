import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections from one URL. `redis://` and `rediss://` (TLS, for managed Redis) come
 * from the URL itself; Sentinel from `REDIS_SENTINELS=host:port,host:port` plus
 * `REDIS_SENTINEL_NAME`.
 */
export interface RedisTarget {
  url: string;
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
}

export function redisTargetFromEnv(env: NodeJS.ProcessEnv = process.env): RedisTarget | undefined {
  if (!env.REDIS_URL && !env.REDIS_SENTINELS) return undefined;
  const sentinels = env.REDIS_SENTINELS?.split(',').map((hp) => {
    const [host, port] = hp.trim().split(':');
    return { host: host ?? '127.0.0.1', port: Number(port ?? 26379) };
  });
  return { url: env.REDIS_URL ?? 'redis://127.0.0.1:6379', sentinels, sentinelName: env.REDIS_SENTINEL_NAME ?? 'mymaster' };
}

export type ConnectionRole =
  /** BullMQ workers and blocking readers: wait for Redis forever, never fail a command. */
  | 'blocking'
  /** Producers on the request path: fail fast so a user hears "try again" at once. */
  | 'fast-fail';

/**
 * `commandTimeoutMs` of a fast-fail connection: 2 s where a chat platform waits for the answer
 * (Slack allows 3 s to ack); a terminal can wait longer for a Redis that fsyncs every write on a
 * busy disk rather than be told "try again".
 */
export function connect(target: RedisTarget, role: ConnectionRole, name: string, commandTimeoutMs = 2000): Redis {
  const common: RedisOptions = {
    connectionName: `opsbot-${name}`,
    // Reconnect by itself, backing off to 2 s; a lost Redis must not end the process.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: true,
  };
  const opts: RedisOptions =
    role === 'blocking'
      ? { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: commandTimeoutMs };
  if (target.sentinels?.length) {
    const u = new URL(target.url);
    return new Redis({
      ...opts,
      sentinels: target.sentinels,
      name: target.sentinelName,
      password: u.password || undefined,
      username: u.username || undefined,
      tls: u.protocol === 'rediss:' ? {} : undefined,
    });
  }
  return new Redis(target.url, opts);
}

/** Connect and check with PING, within a bounded time; a clear error otherwise. */
export async function connectChecked(
  target: RedisTarget,
  role: ConnectionRole,
  name: string,
  timeoutMs = 5000,
  commandTimeoutMs?: number,
): Promise<Redis> {
  const client = connect(target, role, name, commandTimeoutMs);
  // Swallow connection errors here: ioredis emits them on every failed reconnect, and the
  // ready/readiness checks report the state instead.
  client.on('error', () => undefined);
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref());
  try {
    await Promise.race([client.connect(), timer]);
    await Promise.race([client.ping(), timer]);
    return client;
  } catch (err) {
    client.disconnect();
    throw new Error(`Redis at ${safeUrl(target.url)} is unreachable: ${(err as Error).message}`, { cause: err });
  }
}

export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
