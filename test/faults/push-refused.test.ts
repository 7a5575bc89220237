import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { appManifests, appsConfig, refusingRemote, type RefusingRemote } from '../support/gitops-apps.js';
import { eventually } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, type BareRepo } from '../gitops/bare-repo.js';

/**
 * Fault: the Git remote refuses every push for a while (a pre-receive hook, as a server in
 * maintenance would). Deploys accepted meanwhile are retried with backoff by the job and land
 * once the remote takes pushes again — one commit each.
 */
describe('fault: the GitOps remote refuses pushes for a while', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  let remote: RefusingRemote;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    repo = await createBareRepo(appManifests(3));
    remote = refusingRemote(repo.bare);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
    await repo.cleanup();
  });

  it('deploys accepted during the refusal complete once it recovers, one commit each', async () => {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: appsConfig(repo.bare, 3) });
    const worker = new OpsbotProcess(['worker'], { env: { ...env, PORT: '0', LOG_LEVEL: 'info', OPSBOT_HOME: join(repo.root, 'worker') } });
    procs.push(worker);
    await worker.waitFor(/opsbot started/, { stream: 'stderr' });
    const before = (await repo.log()).length;

    remote.refuse();
    const deploys = [0, 1, 2].map((i) =>
      runOpsbot(['console', '--no-workers', '--as', 'alice', '--exec', `/deploy app${i} 2.0.${i}`], { env, timeoutMs: 90_000 }),
    );
    await eventually(async () => remote.refused() >= 1, 'a refused push', 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    const refusedWhileClosed = remote.refused();
    remote.allow();
    const results = await Promise.all(deploys);
    console.log(`injected: pre-receive hook refusing pushes; refused ${refusedWhileClosed} push(es) before it was lifted`);

    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(
      results.some((r) => /retrying/.test(r.stdout)),
      results.map((r) => r.stdout).join('\n'),
    ).toBe(true);
    const log = await repo.log();
    console.log(`observed: ${log.length - before} new commit(s); replies: ${results.map((r) => /✔ [^\n]*/.exec(r.stdout)?.[0]).join(' | ')}`);
    expect(log.length - before).toBe(3);
    for (let i = 0; i < 3; i++) expect(await repo.show(`apps/app${i}/deployment.yaml`)).toContain(`app${i}:2.0.${i}`);
  }, 120_000);
});
