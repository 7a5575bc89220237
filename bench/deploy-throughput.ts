/**
 * Deploy throughput: N `/deploy`s of N different apps into one bare GitOps repository, typed at
 * once into a console (`--no-workers`) and run by two `opsbot worker` processes — time until
 * all N commits are on the remote — against the same N edits made by a plain sequential
 * `git commit && git push` loop into a twin repository, in the same run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { startRedis } from '../test/support/redis.js';
import { createBareRepo, git, type BareRepo } from '../test/gitops/bare-repo.js';
import { row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

const manifest = (i: number, tag: string) =>
  `# app ${i}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/app${i}:${tag} # pinned by CI\n`;

function files(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`apps/app${i}/deployment.yaml`] = manifest(i, '1.0.0');
  return out;
}

function config(repo: BareRepo, n: number): string {
  const apps = Array.from({ length: n }, (_, i) => `  app${i}:\n    image: ghcr.io/example/app${i}\n    environments:\n      prod: { kind: manifest, path: apps/app${i}/deployment.yaml, container: app }`).join('\n');
  return writeConfig(`gitops: { url: ${repo.bare} }\napps:\n${apps}\naccess:\n  rules:\n    - subjects: ["console:*"]\n      actions: [deploy]\n`);
}

const count = async (repo: BareRepo) => Number((await git(repo.bare, 'rev-list', '--count', 'main')).trim());

/** The reference: one clone, then edit + commit + push per app, one after another. */
async function plainLoop(n: number): Promise<number> {
  const repo = await createBareRepo(files(n));
  try {
    const started = performance.now();
    const work = join(repo.root, 'plain');
    await git(repo.root, 'clone', '--quiet', repo.bare, work);
    for (let i = 0; i < n; i++) {
      const file = join(work, `apps/app${i}/deployment.yaml`);
      await writeFile(file, (await readFile(file, 'utf8')).replace(':1.0.0 ', `:2.0.${i} `));
      await git(work, 'commit', '--quiet', '-am', `deploy(app${i}): 1.0.0 → 2.0.${i} [prod]`);
      await git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    }
    const ms = performance.now() - started;
    if ((await count(repo)) !== n + 1) throw new Error('plain loop did not land every commit');
    return ms;
  } finally {
    await repo.cleanup();
  }
}

async function opsbotRun(n: number, log: BenchOptions['log']): Promise<number> {
  const redis = await startRedis({ appendonly: false });
  const repo = await createBareRepo(files(n));
  const procs: OpsbotProcess[] = [];
  try {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config(repo, n), PORT: '0' });
    for (const w of ['a', 'b']) procs.push(new OpsbotProcess(['worker'], { env: { ...env, LOG_LEVEL: 'info', ...(process.env.BENCH_GIT_PATH ? { PATH: process.env.BENCH_GIT_PATH } : {}), OPSBOT_HOME: tempDir(`opsbot-bench-worker-${w}-`) } }));
    await Promise.all(procs.map((p) => p.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 30_000 })));
    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'bench'], { env });
    procs.push(chat);
    await chat.waitFor(/opsbot console/, { timeoutMs: 30_000 });
    const before = await count(repo);
    const started = performance.now();
    chat.write(Array.from({ length: n }, (_, i) => `/deploy app${i} 2.0.${i}`).join('\n'));
    await waitUntil(`${n} commits`, async () => (await count(repo)) >= before + n, 10 * 60_000, 10);
    const ms = performance.now() - started;
    await waitUntil(`${n} final replies`, () => (chat.stdout.match(/✔ Deployed app/g) ?? []).length >= n, 60_000, 50);
    if ((await count(repo)) !== before + n) throw new Error(`expected ${n} commits, found ${(await count(repo)) - before}`);
    for (let i = 0; i < n; i++) {
      if (!(await repo.show(`apps/app${i}/deployment.yaml`)).includes(`app${i}:2.0.${i} `)) throw new Error(`app${i} not at 2.0.${i}`);
    }
    log(`  deploy: ${n} commits in ${Math.round(ms)} ms through 2 workers`);
    return ms;
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
    await repo.cleanup();
  }
}

export async function deployThroughput(opts: BenchOptions): Promise<BenchResult[]> {
  const n = opts.quick ? 20 : 50;
  const plain = await plainLoop(n);
  opts.log(`  deploy: plain loop ${n} commits in ${Math.round(plain)} ms`);
  const ops = await opsbotRun(n, opts.log);
  return [
    row(`deploy: ${n} deploys, all pushed`, ops, 'ms', plain, 'baseline: sequential git commit && git push loop (clone included)'),
    row(`deploy: per deploy`, ops / n, 'ms', plain / n),
  ];
}
