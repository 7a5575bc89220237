import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { baseEnv, ROOT } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { redisServersFor, waitUntil } from '../support/home-redis.js';
import { processAlive } from '../../src/core/home-redis/processes.js';

/**
 * `npm start` (and `npx opsbot start`, the same npm machinery) exits at once on SIGTERM,
 * without waiting for its child: opsbot must not be left running as an orphan.
 */
describe('npm start stopped with SIGTERM', () => {
  it('leaves no orphan: opsbot notices npm is gone, drains and exits, and the embedded Redis stops', async () => {
    const home = tempDir('opsbot-home-');
    const npm = spawn('npm', ['start', '--', '--no-console'], {
      cwd: ROOT,
      env: baseEnv({ OPSBOT_HOME: home, PORT: '0', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const npmExited = new Promise<number | null>((r) => npm.on('exit', (code, signal) => r(code ?? (signal ? 128 + 15 : null))));
    await waitUntil(() => /opsbot started/.test(out), 'opsbot started', 60_000);
    const opsbotPid = Number(/"pid":(\d+).*"msg":"opsbot started"/.exec(out)![1]);
    expect(opsbotPid).not.toBe(npm.pid);
    expect(redisServersFor(home)).toHaveLength(1);

    npm.kill('SIGTERM');
    await npmExited;
    await waitUntil(() => !processAlive(opsbotPid), 'opsbot to exit after npm', 30_000);
    expect(out).toMatch(/"signal":"npm exited","msg":"shutting down"/);
    expect(out).toContain('opsbot stopped');
    await waitUntil(() => redisServersFor(home).length === 0, 'the embedded redis-server to stop');
  }, 120_000);
});
