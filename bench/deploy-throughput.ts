/**
 * Deploy throughput: N `/deploy`s of N different apps into one bare GitOps repository, typed at
 * once into a console (`--no-workers`) and run by two `opsbot worker` processes — time until
 * all N commits are on the remote — against the same N edits made by a plain sequential
 * `git commit && git push` loop into a twin repository, in the same run. Twice: with the bare
 * repository on local disk, and behind a loopback git HTTP server that answers like a forge
 * across the internet (300 ms per fetch and per push), where sharing fetches and pushes counts.
 * Each deploy must land as exactly one commit with one Opsbot-Job trailer of its own.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { startRedis } from '../test/support/redis.js';
import { createBareRepo, git, type BareRepo } from '../test/gitops/bare-repo.js';
import { startGitHttpServer, type GitHttpServer } from '../test/support/git-http-server.js';
import { row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

const manifest = (i: number, tag: string) =>
  `# app ${i}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/app${i}:${tag} # pinned by CI\n`;

function files(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`apps/app${i}/deployment.yaml`] = manifest(i, '1.0.0');
  return out;
}

/** Round trip of a forge across the internet, per fetch and per push. */
const FORGE_DELAY_MS = 300;

/** The remote as opsbot and the plain loop see it: the bare path, or the same repository behind the slow HTTP server. */
interface Remote {
  url: string;
  server?: GitHttpServer;
}

async function remoteFor(repo: BareRepo, slow: boolean): Promise<Remote> {
  if (!slow) return { url: repo.bare };
  const server = await startGitHttpServer(repo.root, { delayMs: FORGE_DELAY_MS });
  return { url: server.url('gitops.git'), server };
}

function config(remote: string, n: number): string {
  const apps = Array.from(
    { length: n },
    (_, i) =>
      `  app${i}:\n    image: ghcr.io/example/app${i}\n    environments:\n      prod: { kind: manifest, path: apps/app${i}/deployment.yaml, container: app }`,
  ).join('\n');
  return writeConfig(
    `gitops: { url: "${remote}" }\napps:\n${apps}\nlimits: { jobsPerMinute: 0 }\naccess:\n  rules:\n    - subjects: ["console:*"]\n      actions: [deploy]\n`,
  );
}

const count = async (repo: BareRepo) => Number((await git(repo.bare, 'rev-list', '--count', 'main')).trim());

/** The reference: one clone, then edit + commit + push per app, one after another. */
async function plainLoop(n: number, slow: boolean): Promise<number> {
  const repo = await createBareRepo(files(n));
  const remote = await remoteFor(repo, slow);
  try {
    const started = performance.now();
    const work = join(repo.root, 'plain');
    await git(repo.root, 'clone', '--quiet', remote.url, work);
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
    await remote.server?.close();
    await repo.cleanup();
  }
}

/** Every new commit carries exactly one Opsbot-Job trailer, and no two carry the same. */
async function oneTrailerPerDeploy(repo: BareRepo, n: number): Promise<void> {
  const out = await git(repo.bare, 'log', `-n${n}`, '--format=%(trailers:key=Opsbot-Job,valueonly,separator=%x1f)%x1e', 'main');
  const trailers = out
    .split('\x1e')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (trailers.length !== n || trailers.some((t) => t.includes('\x1f')))
    throw new Error(`expected ${n} commits with one Opsbot-Job trailer each, found ${JSON.stringify(trailers.slice(0, 5))}…`);
  if (new Set(trailers).size !== n) throw new Error('two commits carry the same Opsbot-Job trailer');
}

async function opsbotRun(n: number, slow: boolean, log: BenchOptions['log']): Promise<number> {
  const redis = await startRedis({ appendonly: false });
  const repo = await createBareRepo(files(n));
  const remote = await remoteFor(repo, slow);
  const procs: OpsbotProcess[] = [];
  try {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config(remote.url, n), PORT: '0' });
    for (const w of ['a', 'b'])
      procs.push(
        new OpsbotProcess(['worker'], {
          env: {
            ...env,
            LOG_LEVEL: 'info',
            ...(process.env.BENCH_GIT_PATH ? { PATH: process.env.BENCH_GIT_PATH } : {}),
            OPSBOT_HOME: tempDir(`opsbot-bench-worker-${w}-`),
          },
        }),
      );
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
    await oneTrailerPerDeploy(repo, n);
    const pushes = remote.server ? `, ${remote.server.counts.get('git-receive-pack') ?? 0} pushes` : '';
    log(`  deploy${slow ? ' (forge)' : ''}: ${n} commits in ${Math.round(ms)} ms through 2 workers${pushes}`);
    return ms;
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await remote.server?.close();
    await redis.close();
    await repo.cleanup();
  }
}

export async function deployThroughput(opts: BenchOptions): Promise<BenchResult[]> {
  const n = opts.quick ? 20 : 50;
  const plain = await plainLoop(n, false);
  opts.log(`  deploy: plain loop ${n} commits in ${Math.round(plain)} ms`);
  const ops = await opsbotRun(n, false, opts.log);
  const plainForge = await plainLoop(n, true);
  opts.log(`  deploy (forge): plain loop ${n} commits in ${Math.round(plainForge)} ms`);
  const opsForge = await opsbotRun(n, true, opts.log);
  return [
    row(
      `deploy: ${n} deploys, all pushed`,
      ops,
      'ms',
      plain,
      'baseline: sequential git commit && git push loop (clone included), bare repository on local disk',
    ),
    row(`deploy: per deploy`, ops / n, 'ms', plain / n),
    row(
      `deploy, forge remote: ${n} deploys, all pushed`,
      opsForge,
      'ms',
      plainForge,
      `remote: git http-backend behind a loopback HTTP server, ${FORGE_DELAY_MS} ms per fetch and per push; baseline: the same plain loop against it; target ratio ≤ 0.33 (≥ 3× faster); one commit and one Opsbot-Job trailer per deploy checked`,
    ),
    row(`deploy, forge remote: per deploy`, opsForge / n, 'ms', plainForge / n),
  ];
}
