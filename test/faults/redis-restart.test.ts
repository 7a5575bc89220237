import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { appManifests, appsConfig } from '../support/gitops-apps.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { slowGitPath } from '../support/slow-git.js';
import { createBareRepo, type BareRepo } from '../gitops/bare-repo.js';

/**
 * Fault: Redis (append-only, as in production) is restarted while accepted jobs are both
 * queued and running on two `opsbot worker` processes — a mix of /diagnose and /deploy. Every
 * accepted command must end with exactly one final reply, and every deploy with one commit.
 */
describe('fault: Redis restarted with jobs queued and running', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  const procs: OpsbotProcess[] = [];
  const DEPLOYS = 4;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
    repo = await createBareRepo(appManifests(DEPLOYS));
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
    await repo.cleanup();
  });

  it('every accepted command completes exactly once', async () => {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: appsConfig(repo.bare, DEPLOYS) });
    // Each git call takes a second, so jobs are mid-flight when Redis goes away.
    const slow = slowGitPath(1);
    for (const w of ['a', 'b']) {
      const p = new OpsbotProcess(['worker'], {
        env: { ...env, PORT: '0', LOG_LEVEL: 'info', PATH: slow, OPSBOT_HOME: join(repo.root, `worker-${w}`) },
      });
      procs.push(p);
      await p.waitFor(/opsbot started/, { stream: 'stderr' });
    }
    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'alice'], { env });
    procs.push(chat);
    await chat.waitFor(/opsbot console/);
    const lines = [...Array.from({ length: DEPLOYS }, (_, i) => `/deploy app${i} 2.0.${i}`), '/diagnose', '/diagnose'];
    chat.write(lines.join('\n'));
    await chat.waitFor(new RegExp(`(Queued as job \\d+[^]*){${lines.length}}`), { timeoutMs: 30_000 });
    const ids = [...chat.stdout.matchAll(/Queued as job (\d+)/g)].map((m) => m[1]!);
    await chat.waitFor(/\[job \d+\] … /, { timeoutMs: 30_000 });

    await redis.stop();
    const finishedBefore = (chat.stdout.match(/\[job \d+\] [✔✖]/g) ?? []).length;
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    console.log(
      `injected: Redis stopped for 2 s with ${ids.length} jobs accepted (${finishedBefore} finished before the stop), then restarted from its append-only file`,
    );

    for (const id of ids) await chat.waitFor(new RegExp(`\\[job ${id}\\] [✔✖]`), { timeoutMs: 90_000 });
    await new Promise((r) => setTimeout(r, 3000)); // room for a duplicate to show up
    const finals = ids.map((id) => chat.stdout.match(new RegExp(`\\[job ${id}\\] [✔✖][^\\n]*`, 'g')) ?? []);
    console.log(
      `observed: final replies per job ${finals.map((f, i) => `${ids[i]}:${f.length}`).join(' ')}; ${(await repo.log()).length - 1} commit(s)`,
    );
    for (const f of finals) {
      expect(f, chat.stdout).toHaveLength(1);
      expect(f[0]).toMatch(/✔/);
    }
    expect((await repo.log()).length - 1).toBe(DEPLOYS);
    for (let i = 0; i < DEPLOYS; i++) expect(await repo.show(`apps/app${i}/deployment.yaml`)).toContain(`app${i}:2.0.${i}`);
  }, 180_000);
});
