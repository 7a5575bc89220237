import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { OpsbotError } from './errors.js';

/**
 * The embedded default: a private `redis-server` for one opsbot process, on a free loopback
 * port, with its append-only file under `.opsbot/redis/` so queued work survives a restart.
 */
export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

export async function findRedisServer(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidate = env.REDIS_SERVER_BIN ?? 'redis-server';
  try {
    await execa(candidate, ['--version'], { timeout: 5000 });
    return candidate;
  } catch {
    return undefined;
  }
}

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const bin = await findRedisServer();
  if (!bin) {
    throw new OpsbotError(
      'E_NO_REDIS',
      'opsbot needs Redis: no REDIS_URL is set and no redis-server is on PATH.\n' +
        '  Either install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)\n' +
        '  or point opsbot at a running one: REDIS_URL=redis://host:6379',
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const port = await freeLoopbackPort();
  const proc = spawn(
    bin,
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', dataDir,
      '--appendonly', 'yes',
      // Every accepted command is on disk before the user hears "queued".
      '--appendfsync', 'always',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--pidfile', join(dataDir, 'redis.pid'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitListening(proc, port, () => stderr);
  writeFileSync(join(dataDir, 'port'), String(port));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopProcess(proc),
  };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitListening(proc: ChildProcess, port: number, stderr: () => string): Promise<void> {
  const { Socket } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new OpsbotError('E_NO_REDIS', `redis-server exited at start: ${stderr().trim()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new OpsbotError('E_NO_REDIS', `redis-server did not start listening on 127.0.0.1:${port} within 10 s`);
}

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => (clearTimeout(timer), resolve()));
    // SIGTERM: redis-server flushes the append-only file and exits cleanly.
    proc.kill('SIGTERM');
  });
}
