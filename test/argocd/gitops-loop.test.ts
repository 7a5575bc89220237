/**
 * The deploy follow-up on the real GitOps loop: opsbot commits, Argo CD's own controller syncs
 * the Application by itself, kube-controller-manager makes ReplicaSets and pods, kwok runs them
 * (or fails them by image tag: `-broken` → ImagePullBackOff, `-crash` → CrashLoopBackOff). Driven
 * from the console CLI; no test writes an Application's or a pod's status. Each test has its own
 * Application, bare repository and destination namespace (createIsolatedApplication).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedApplication, deployment, refusedDeployment, type IsolatedApplication } from '../support/argocd-app.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, testenv, titled } from '../support/testenv.js';
import { git } from '../gitops/bare-repo.js';

const env = testenv();
const FOLLOW_TIMEOUT = '5m';
const GITHUB_TOKEN = 'ghp_looptoken0123456789abcdefghijklmnopq';

/** Two apps in one Application (one environment's manifests), each with its own file. */
function config(app: IsolatedApplication, github = false): string {
  const envOf = (name: string) => `{ kind: manifest, path: ${name}.yaml, container: ${name}, application: ${app.name} }`;
  return writeConfig(`
gitops: { url: ${app.repo.bare}${github ? ', github: { owner: example, repo: gitops }' : ''} }
argocd: { namespaces: [${app.namespace}], followTimeout: ${FOLLOW_TIMEOUT} }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: ${envOf('web')}
      prod: { kind: manifest, path: web.yaml, container: web, application: ${app.name}, protected: true }
  api:
    image: ghcr.io/example/api
    environments:
      staging: ${envOf('api')}
access:
  rules:
    - subjects: ["console:*"]
      actions: [deploy]
`);
}

describe.skipIf(!env.argocd.available)(titled('the deploy follow-up on the real GitOps loop', env.argocd), () => {
  let redis: TestRedis;
  const apps: IsolatedApplication[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const a of apps) await a.delete();
    await redis?.close();
  });

  async function loop(
    github?: { api: GitHubApiDouble; repos: Record<string, string> },
    retry?: Parameters<typeof createIsolatedApplication>[0]['retry'],
  ): Promise<{ app: IsolatedApplication; opsbotEnv: NodeJS.ProcessEnv }> {
    const app = await createIsolatedApplication({
      prefix: 'loop',
      retry,
      files: {
        'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.0', replicas: 2 }),
        'api.yaml': deployment({ name: 'api', image: 'ghcr.io/example/api:1.0.0' }),
      },
    });
    apps.push(app);
    await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy', 90_000);
    if (github) github.repos['example/gitops'] = app.repo.bare;
    const opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config(app, github !== undefined),
      OPSBOT_HOME: tempDir('opsbot-loop-home-'),
      KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG,
      ...(github ? { GITHUB_TOKEN: GITHUB_TOKEN, GITHUB_API_URL: github.api.url } : {}),
    });
    return { app, opsbotEnv };
  }

  const chat = (e: NodeJS.ProcessEnv, line: string, as = 'alice') =>
    runOpsbot(['console', '--as', as, '--exec', line], { env: e, timeoutMs: 240_000 });

  /**
   * The final answer's rollout is done for every workload: Argo CD can say Healthy from a live
   * state read before kube-controller-manager saw the new spec, and "deployed" must not follow it.
   */
  const expectRolledOut = (stdout: string) => {
    const last = stdout
      .split('\n')
      .filter((l) => l.trim().startsWith('Rollout:'))
      .pop();
    expect(last, stdout).toBeDefined();
    for (const [, a, b] of last!.matchAll(/(\d+)\/(\d+) (?:updated|ready)/g)) expect(a, last).toBe(b);
  };

  /** Every revision Argo CD ever synced the Application to (status.history, written by its controller). */
  const syncedHistory = async (app: IsolatedApplication) =>
    ((await app.get()).status as { history?: { revision?: string }[] } | undefined)?.history?.map((h) => h.revision) ?? [];

  it('/deploy → commit → Argo CD syncs by itself → kwok pods Ready → the chat says deployed, with the rollout and the pods', async () => {
    const { app, opsbotEnv } = await loop();
    const r = await chat(opsbotEnv, '/deploy web 1.0.1 staging');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const head = await app.head();
    expect(r.stdout).toContain(`runs ${head.slice(0, 7)}: synced and healthy`);
    expect(r.stdout).toMatch(/Deployment web: 2\/2 updated, 2\/2 ready \(ReplicaSet web-[a-z0-9]+\)/);
    expectRolledOut(r.stdout);
    const pods = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: app.destination, labelSelector: 'app.kubernetes.io/name=web' });
    const running = pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.spec?.containers[0]?.image === 'ghcr.io/example/web:1.0.1');
    expect(running).toHaveLength(2);
    for (const p of running) expect(r.stdout).toContain(p.metadata!.name!);
    // Argo CD's own verdict agrees, at the deploy's commit.
    const live = await app.get();
    expect(live.status?.sync?.revision).toBe(head);
    expect(live.status?.health?.status).toBe('Healthy');
  }, 300_000);

  it('an outside commit pushed on top before Argo CD looks: Argo CD never syncs the deploy commit itself, and the deploy still ends deployed', async () => {
    const { app, opsbotEnv } = await loop();
    // A CI bot that answers every push with a commit of its own on top (post-receive runs before
    // opsbot's push returns, so Argo CD can only ever see the later commit).
    const hook = join(app.repo.bare, 'hooks', 'post-receive');
    writeFileSync(
      hook,
      `#!/bin/sh
[ -e "$GIT_DIR/ci-done" ] && exit 0
touch "$GIT_DIR/ci-done"
head=$(git rev-parse refs/heads/main)
blob=$(echo "stamp $head" | git hash-object -w --stdin)
tree=$( (git ls-tree "$head"; printf '100644 blob %s\\tci-stamp.txt\\n' "$blob") | git mktree)
c=$(echo "ci: stamp" | GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid git commit-tree "$tree" -p "$head")
git update-ref refs/heads/main "$c" "$head"
`,
    );
    chmodSync(hook, 0o755);
    const r = await chat(opsbotEnv, '/deploy web 1.0.2 staging');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [outside, deployCommit] = (await app.repo.log('main')).map((l) => l.split(' ')[0]!);
    expect((await app.repo.log('main'))[0]).toContain('ci: stamp');
    expect(r.stdout).toContain(`runs ${deployCommit!.slice(0, 7)}: synced and healthy at ${outside!.slice(0, 7)}, which contains it`);
    expect(await syncedHistory(app)).not.toContain(deployCommit);
    expect(await syncedHistory(app)).toContain(outside);
    expectRolledOut(r.stdout);
  }, 300_000);

  /** Holds the repository lease (as another worker would) while both deploys queue in ONE worker; then lets go. */
  async function inOnePush(opsbotEnv: NodeJS.ProcessEnv, app: IsolatedApplication, lines: string[]) {
    const worker = new OpsbotProcess(['worker'], { env: opsbotEnv });
    const client = new Redis(redis.url);
    const lease = `opsbot:lock:repo:${app.repo.bare}`;
    try {
      await client.set(lease, 'test:held by the test', 'PX', 120_000);
      const consoles = lines.map((line) => new OpsbotProcess(['console', '--as', 'alice', '--no-workers', '--exec', line], { env: opsbotEnv }));
      const waiting = async () => consoles.every((c) => c.stdout.includes('waiting for the GitOps repository'));
      for (let i = 0; !(await waiting()); i++) {
        if (i > 600) throw new Error(`deploys not both waiting: ${consoles.map((c) => c.stdout).join('\n---\n')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const before = await app.head();
      await client.del(lease);
      const codes = await Promise.all(consoles.map((c) => c.exited));
      return { before, codes, outputs: consoles.map((c) => c.stdout + c.stderr) };
    } finally {
      client.disconnect();
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  }

  it('two deploys that land in one push both end deployed', async () => {
    const { app, opsbotEnv } = await loop();
    const { before, codes, outputs } = await inOnePush(opsbotEnv, app, ['/deploy web 1.1.0 staging', '/deploy api 1.1.0 staging']);
    expect(codes, outputs.join('\n---\n')).toEqual([0, 0]);
    const log = (await app.repo.log('main')).map((l) => l.split(' ')[0]!);
    const landed = log.slice(0, log.indexOf(before));
    expect(landed).toHaveLength(2);
    // The lower commit is never what Argo CD reports: only the head of the one push.
    expect(await syncedHistory(app)).not.toContain(landed[1]);
    for (const o of outputs) expect(o).toMatch(/synced and healthy/);
    for (const o of outputs) expectRolledOut(o);
    expect(outputs.some((o) => o.includes(`at ${landed[0]!.slice(0, 7)}, which contains it`))).toBe(true);
  }, 300_000);

  it('a deploy whose file another deploy in the same push changed again reports "superseded by <commit> (job N)"', async () => {
    const { app, opsbotEnv } = await loop();
    const { codes, outputs } = await inOnePush(opsbotEnv, app, ['/deploy web 1.2.0 staging', '/deploy web 1.3.0 staging']);
    expect(codes, outputs.join('\n---\n')).toEqual([0, 0]);
    const [newest] = (await app.repo.log('main')).map((l) => l.split(' ')[0]!);
    const body = await git(app.repo.bare, 'log', '-1', '--format=%B', newest!);
    const job = /Opsbot-Job: (\S+)/.exec(body)![1]!;
    const first = outputs.find((o) => o.includes('superseded'));
    expect(first, outputs.join('\n---\n')).toContain(`superseded by ${newest!.slice(0, 7)} (job ${job})`);
    expect(outputs.filter((o) => /runs [0-9a-f]{7}: synced and healthy/.test(o))).toHaveLength(1);
  }, 300_000);

  it('a -broken tag ends in a failure naming ImagePullBackOff and the pod, well before followTimeout', async () => {
    const { app, opsbotEnv } = await loop();
    const started = Date.now();
    const r = await chat(opsbotEnv, '/deploy web 1.0.3-broken staging');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/pod web-[a-z0-9]+-[a-z0-9]+: container web ImagePullBackOff/);
    // followTimeout is 5 minutes; Argo CD itself would say Degraded only after progressDeadlineSeconds (600 s).
    expect(Date.now() - started).toBeLessThan(120_000);
    // opsbot read the pods itself, so it may answer before Argo CD's next reconcile replaces the
    // pre-sync Healthy: wait for Argo CD's own verdict, which must be Progressing, not Degraded.
    await expect.poll(async () => (await app.get()).status?.health?.status, { timeout: 30_000, interval: 250 }).toBe('Progressing');
  }, 300_000);

  it('a -crash tag ends in a failure naming CrashLoopBackOff and the restarts', async () => {
    const { opsbotEnv } = await loop();
    const r = await chat(opsbotEnv, '/deploy web 1.0.4-crash staging');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/pod web-[a-z0-9]+-[a-z0-9]+: container web CrashLoopBackOff, \d+ restarts?, last Error \(exit 1\)/);
  }, 300_000);

  it("a deploy whose sync Argo CD cannot apply: a failure in Argo CD's words once its retries are spent", async () => {
    // One retry, 1 s apart (Argo CD 3.x's default is 5, backing off from 5 s: minutes).
    const { app, opsbotEnv } = await loop(undefined, { limit: 1, backoff: { duration: '1s', factor: 1, maxDuration: '1s' } });
    // Someone else's file in the same Application that the kube-apiserver refuses: every sync of it fails.
    await app.commit({ 'other.yaml': refusedDeployment('other') }, 'other: a manifest the API refuses');
    const r = await chat(opsbotEnv, '/deploy web 1.0.5 staging');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // Argo CD's own message, after its retry (between attempts the operation is Running again:
    // the progress message shows the failed attempt when an edit falls in that window).
    expect(r.stdout).toMatch(/the sync failed: .*Deployment\.apps \\?"other\\?" is invalid: .*Not_A_Label.*\(retried 1 times\)/);
    expect((await app.get()).status?.operationState?.phase).toBe('Failed');
  }, 300_000);

  it('a protected deploy is followed after its pull request is merged, from the merge commit', async () => {
    // The stand-in merges into the Application's own bare repository (it reads the map per request).
    const repos: Record<string, string> = {};
    const github = await startGitHubApi({ token: GITHUB_TOKEN, repos });
    try {
      const { app, opsbotEnv } = await loop({ api: github, repos });
      const asked = await chat(opsbotEnv, '/deploy web 2.0.0 prod');
      expect(asked.code, asked.stdout + asked.stderr).toBe(0);
      const id = /Queued as job (\d+)/.exec(asked.stdout)![1]!;
      const approved = await chat(opsbotEnv, `/deploy approve ${id}`, 'bob');
      expect(approved.code, approved.stdout + approved.stderr).toBe(0);
      const merge = await app.head();
      expect(await git(app.repo.bare, 'rev-list', '--parents', '-n1', merge)).toMatch(/^[0-9a-f]{40} [0-9a-f]{40} [0-9a-f]{40}$/);
      expect(approved.stdout).toContain('Approved by bob: web 2.0.0 merged into prod');
      expect(approved.stdout).toContain(`runs ${merge.slice(0, 7)}: synced and healthy`);
      expect(approved.stdout).toMatch(/Deployment web: 2\/2 updated, 2\/2 ready/);
    } finally {
      await github.close();
    }
  }, 300_000);
});
