import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { cmdlineOf, keeperRecord, redisServersFor, waitUntil } from '../support/home-redis.js';
import { TOFU, haveTofu, SKIP_REASON, stackRepo } from '../terraform/stacks.js';

/** Everyone at the terminal may do everything (the bundled config's rule), on a temp stack. */
const repo = stackRepo({ git: true });
const CONFIG = writeConfig(
  `stacks:\n  main: { repo: "${repo}", dir: infra, approvers: ["console:*"] }\n` +
    'access:\n  rules:\n    - subjects: ["console:*"]\n      actions: ["*"]\nworkers: { concurrency: 2, shutdownGrace: 20s }\n',
);

describe('one embedded Redis per OPSBOT_HOME', () => {
  const procs: OpsbotProcess[] = [];
  const spawnOpsbot = (args: string[], env: NodeJS.ProcessEnv) => {
    const p = new OpsbotProcess(args, { env });
    procs.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  });
  const homeEnv = (extra: NodeJS.ProcessEnv = {}) => {
    const home = tempDir('opsbot-home-');
    return { home, env: baseEnv({ OPSBOT_HOME: home, OPSBOT_CONFIG: CONFIG, TF_BINARY: TOFU, ...extra }) };
  };
  const rows = (text: string, title: RegExp) => {
    const block = text.slice(text.search(title));
    // Every column but the age, which may differ by a second between the two.
    return block
      .split('\n')
      .slice(1)
      .filter((l) => /^\s+\d+\s/.test(l))
      .map((l) =>
        l
          .trim()
          .replace(/\s+\S+$/, '')
          .replace(/\s+/g, ' '),
      );
  };

  it.skipIf(!haveTofu)(
    `two consoles on one home: a plan in one, its approval in the other, the same /jobs and /audit, one redis-server${haveTofu ? '' : ` (skipped: ${SKIP_REASON})`}`,
    async () => {
      const { home, env } = homeEnv();
      const alice = spawnOpsbot(['console', '--as', 'alice'], env);
      await alice.waitFor(/you are console:alice/);
      const bob = spawnOpsbot(['console', '--as', 'bob'], env);
      await bob.waitFor(/you are console:bob/);
      expect(redisServersFor(home)).toHaveLength(1);

      alice.write('/infra plan main');
      const id = (await alice.waitFor(/\[Approve: infra apply ([a-z2-7]{8})\]/, { timeoutMs: 90_000 }))[1]!;
      bob.write(`/infra apply ${id}`);
      await bob.waitFor(/Applied: stack main/, { timeoutMs: 90_000 });

      const [a0, b0] = [alice.stdout.length, bob.stdout.length];
      alice.write('/jobs');
      bob.write('/jobs');
      await alice.waitFor(/Jobs\n[\s\S]*apply/, { from: a0 });
      await bob.waitFor(/Jobs\n[\s\S]*apply/, { from: b0 });
      const jobsA = rows(alice.stdout.slice(a0), /Jobs/);
      expect(jobsA).toEqual(['2 apply succeeded stack main console:bob', '1 plan succeeded stack main console:alice']);
      expect(rows(bob.stdout.slice(b0), /Jobs/)).toEqual(jobsA);

      const [a1, b1] = [alice.stdout.length, bob.stdout.length];
      alice.write('/audit 20');
      await alice.waitFor(/Audit: last/, { from: a1 });
      bob.write('/audit 20');
      await bob.waitFor(/Audit: last/, { from: b1 });
      const infraLines = (text: string) => text.split('\n').filter((l) => /infra|job\.(plan|apply)/.test(l) && /^\s*\d{4}-/.test(l));
      const auditA = infraLines(alice.stdout.slice(a1));
      expect(auditA.length).toBeGreaterThanOrEqual(4);
      expect(auditA.join('\n')).toMatch(/console:alice\s+command\.infra plan/);
      expect(auditA.join('\n')).toMatch(/console:bob\s+command\.infra apply/);
      expect(infraLines(bob.stdout.slice(b1))).toEqual(auditA);

      // Only the first process runs workers; both jobs ran in alice's.
      expect(redisServersFor(home)).toHaveLength(1);
      alice.child.stdin.end();
      bob.child.stdin.end();
      expect(await alice.exited).toBe(0);
      expect(await bob.exited).toBe(0);
      await waitUntil(() => redisServersFor(home).length === 0, 'the redis-server to stop after the last console');
    },
  );

  it('30 concurrent console --exec against a running opsbot start: one redis-server, every job run by start', async () => {
    const { home, env } = homeEnv({ PORT: '0', LOG_LEVEL: 'info' });
    const start = spawnOpsbot(['start', '--no-console'], env);
    await start.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
    const servers = redisServersFor(home);
    expect(servers).toHaveLength(1);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, redisServersFor(home).length)), 200);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => runOpsbot(['console', '--as', `user${i}`, '--exec', '/diagnose'], { env, timeoutMs: 240_000 })),
    );
    clearInterval(sampler);
    const ids = new Set<string>();
    for (const r of results) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`Worker: pid ${start.pid},`);
      ids.add(/Queued as job (\d+)/.exec(r.stdout)![1]!);
    }
    expect(ids.size).toBe(30);
    expect(most).toBe(1);
    expect(redisServersFor(home)).toEqual(servers);
    expect(await start.stop()).toBe(0);
    await waitUntil(() => redisServersFor(home).length === 0, 'the redis-server to stop after start');
  }, 300_000);

  it('several processes starting at once on a fresh home start exactly one redis-server', async () => {
    const { home, env } = homeEnv();
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, redisServersFor(home).length)), 20);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => runOpsbot(['console', '--as', `u${i}`, '--exec', '/jobs'], { env, timeoutMs: 90_000 })),
    );
    clearInterval(sampler);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(most).toBe(1);
    await waitUntil(() => redisServersFor(home).length === 0, 'the redis-server to stop');
  }, 120_000);

  it('survives a SIGKILL of a member; stops after the last one, even when it was killed', async () => {
    const { home, env } = homeEnv();
    const first = spawnOpsbot(['console', '--as', 'alice'], env);
    await first.waitFor(/you are console:alice/);
    const second = spawnOpsbot(['console', '--as', 'bob'], env);
    await second.waitFor(/you are console:bob/);
    const [server] = redisServersFor(home);

    first.child.kill('SIGKILL'); // the process that started it
    await first.exited;
    const from = second.stdout.length;
    second.write('/jobs');
    await second.waitFor(/No jobs yet/, { from });
    expect(redisServersFor(home)).toEqual([server]);

    second.child.kill('SIGKILL'); // the last member, killed too: nobody left to say goodbye
    await second.exited;
    await waitUntil(() => redisServersFor(home).length === 0, 'the keeper to stop redis-server after the last member died');
  });

  it('has a random password kept in a 0600 file, 0700 directories, and tightens files an older opsbot left readable', async () => {
    const { home, env } = homeEnv();
    mkdirSync(join(home, 'redis', 'appendonlydir'), { recursive: true, mode: 0o755 });
    writeFileSync(join(home, 'redis', 'port'), '6379', { mode: 0o644 });
    const console1 = spawnOpsbot(['console', '--as', 'alice'], env);
    await console1.waitFor(/you are console:alice/);
    const { port, redisPid } = keeperRecord(home);

    // A client without the password (raw RESP: ioredis gives up at its HELLO) is refused.
    expect(await rawCommand(port, 'PING')).toMatch(/^-NOAUTH/);
    expect(await rawCommand(port, 'KEYS *')).toMatch(/^-NOAUTH/);

    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'redis'))).toBe(0o700);
    expect(mode(join(home, 'redis', 'password'))).toBe(0o600);
    expect(mode(join(home, 'redis', 'redis.conf'))).toBe(0o600);
    expect(mode(join(home, 'redis', 'port'))).toBe(0o600);
    const aof = join(home, 'redis', 'appendonlydir');
    expect(mode(aof)).toBe(0o700);
    for (const f of readdirSync(aof)) expect(mode(join(aof, f)), f).toBe(0o600);
    // Never on a command line, where every user can read it.
    expect(cmdlineOf(redisPid)).not.toMatch(/requirepass|[0-9a-f]{64}/);
    console1.child.stdin.end();
    expect(await console1.exited).toBe(0);
  });

  it('opsbot redis status names the members; opsbot redis stop refuses while they run, unless --force', async () => {
    const { home, env } = homeEnv();
    const alice = spawnOpsbot(['console', '--as', 'alice'], env);
    await alice.waitFor(/you are console:alice/);
    const status = await runOpsbot(['redis', 'status'], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`redis-server pid ${keeperRecord(home).redisPid} on 127\\.0\\.0\\.1:\\d+`));
    expect(status.stdout).toContain(`pid ${alice.pid} (workers): opsbot console --as alice`);
    const refused = await runOpsbot(['redis', 'stop'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`pid ${alice.pid}: console --as alice`);
    expect(redisServersFor(home)).toHaveLength(1);
    const forced = await runOpsbot(['redis', 'stop', '--force'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(redisServersFor(home)).toHaveLength(0);
    expect((await runOpsbot(['redis', 'status'], { env })).stdout).toContain('no embedded redis-server running');
    await alice.stop('SIGKILL');
  });
});

function rawCommand(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${line}\r\n`));
    s.once('data', (d) => (s.destroy(), resolve(d.toString())));
    s.once('error', reject);
  });
}
