import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

/** A real redis-server on a free loopback port, owned by one test file. */
export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stop the server (SIGTERM); data stays in `dir` so `start()` can bring the same data back. */
  stop(): Promise<void>;
  /** Start it again on the same port and directory (after `stop`). */
  start(): Promise<void>;
  /** Stop it and delete its directory. */
  close(): Promise<void>;
}

export async function startRedis(opts: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-redis-'));
  let proc: ChildProcess | undefined;

  async function start(): Promise<void> {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        opts.appendonly === false ? 'no' : 'yes',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(port);
  }

  async function stop(): Promise<void> {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer: ${String(err)}`);
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The outbox streams whose names match `pattern`. Other keys share the prefix (a published-once
 * marker beside its stream, open digests, parked messages), so a test that reads every outbox
 * asks Redis for streams only.
 */
export async function outboxStreams(client: Redis, pattern = 'opsbot:outbox:*'): Promise<string[]> {
  const streams: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', 'stream');
    streams.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return streams;
}
