import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TagLocation } from '../../src/core/config/schema.js';
import { formatDeployMessage, parseDeployMessage } from '../../src/gitops/deploy-message.js';
import { currentTag } from '../../src/gitops/editors/tag-location.js';
import { lineChanges } from '../../src/gitops/editors/line-changes.js';
import { RepoWriter, reviewBranchName, type ChangeRequest } from '../../src/gitops/repo-writer.js';
import type { EditResult } from '../../src/gitops/editors/edit-result.js';
import { editTagFile } from '../../src/gitops/tag-file.js';
import { createBareRepo, git, type BareRepo } from './bare-repo.js';

const WEB = { image: 'ghcr.io/example/web' };
const PROD: TagLocation = { kind: 'kustomize', path: 'apps/web/overlays/prod/kustomization.yaml', protected: false };
const KUSTOMIZATION = `# prod overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: ghcr.io/example/web
    newTag: "1.4.2" # opsbot
`;
const alice = { name: 'Alice Example', platform: 'slack', id: 'U024BE7LH' };

/** The deploy a job makes: edit the tag file, message from the edit's old → new. */
function deploy(jobId: string, ref: string, location: TagLocation = PROD): ChangeRequest<EditResult> {
  return {
    jobId,
    edit: (workdir: string) => editTagFile(workdir, WEB, location, ref),
    message: (r) =>
      formatDeployMessage({ verb: 'deploy', app: 'web', env: 'prod', from: r.old, to: r.new, requestedBy: alice, jobId }),
  };
}

let repo: BareRepo;
let cache: string;
/** Extra cache dirs, for "another process" in a test. */
const extraCaches: string[] = [];
const anotherCache = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'opsbot-cache-'));
  extraCaches.push(dir);
  return dir;
};
const writer = (extra: Partial<ConstructorParameters<typeof RepoWriter>[0]> = {}) =>
  new RepoWriter({ url: repo.bare, cacheDir: cache, backoff: { baseMs: 5, maxMs: 50 }, ...extra });

beforeEach(async () => {
  repo = await createBareRepo({ [PROD.path]: KUSTOMIZATION, 'README.md': 'gitops\n' });
  cache = await mkdtemp(path.join(tmpdir(), 'opsbot-cache-'));
});
afterEach(async () => {
  await repo.cleanup();
  await rm(cache, { recursive: true, force: true });
  await Promise.all(extraCaches.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('RepoWriter.commitChange against a real bare repository', () => {
  it('commits a one-line tag change with author, message and trailers, and reuses the clone', async () => {
    const w = writer();
    const first = await w.commitChange(deploy('job-1', '1.5.0'));
    expect(first).toMatchObject({ alreadyDone: false, changed: true, attempts: 1 });
    const after = await repo.show(PROD.path);
    expect(lineChanges(KUSTOMIZATION, after)).toEqual({ line: 8, removed: ['    newTag: "1.4.2" # opsbot'], added: ['    newTag: "1.5.0" # opsbot'] });
    const head = await git(repo.bare, 'log', '-1', '--format=%H%n%an <%ae>%n%cn%n%B', 'main');
    const [sha, author, committer, ...message] = head.split('\n');
    expect(sha).toBe(first.sha);
    expect(author).toBe('opsbot <opsbot@localhost>');
    expect(committer).toBe('opsbot');
    expect(message.join('\n').trimEnd()).toBe('deploy(web): 1.4.2 → 1.5.0 [prod]\n\nRequested-by: Alice Example (slack:U024BE7LH)\nOpsbot-Job: job-1');

    const second = await w.commitChange(deploy('job-2', '1.6.0'));
    expect(second.changed).toBe(true);
    expect(await repo.log()).toHaveLength(3);
    expect(w.workdir.startsWith(cache)).toBe(true);
  });

  it('a retried job finds its commit instead of committing again', async () => {
    const first = await writer().commitChange(deploy('job-7', '1.5.0'));
    // Another process (fresh cache) retries the same job after someone else pushed on top.
    await repo.commitAsOther({ 'README.md': 'changed\n' }, 'docs');
    const again = await writer({ cacheDir: await anotherCache() }).commitChange(deploy('job-7', '1.5.0'));
    expect(again).toMatchObject({ sha: first.sha, alreadyDone: true });
    expect((await repo.log()).filter((l) => l.includes('deploy(web)'))).toHaveLength(1);
  });

  it('does not commit when the file is already at the tag', async () => {
    const r = await writer().commitChange(deploy('job-3', '1.4.2'));
    expect(r).toMatchObject({ changed: false, alreadyDone: false });
    expect(r.sha).toBe((await git(repo.bare, 'rev-parse', 'main')).trim());
    expect(await repo.log()).toHaveLength(1);
  });

  it('a missing tag file is E_FILE_MISSING and nothing is committed', async () => {
    const missing: TagLocation = { ...PROD, path: 'apps/nope/kustomization.yaml' };
    await expect(writer().commitChange(deploy('job-4', '1.5.0', missing))).rejects.toMatchObject({ code: 'E_FILE_MISSING' });
    expect(await repo.log()).toHaveLength(1);
  });

  it('a push rejected as non-fast-forward is redone on the new head', async () => {
    let raced = false;
    const base = deploy('job-5', '1.5.0');
    const r = await writer().commitChange({
      ...base,
      edit: async (workdir) => {
        if (!raced) {
          raced = true; // someone else pushes between our fetch and our push
          await repo.commitAsOther({ [PROD.path]: KUSTOMIZATION.replace('1.4.2', '1.4.3') }, 'chore: bump web to 1.4.3');
        }
        return base.edit(workdir);
      },
    });
    expect(r).toMatchObject({ changed: true, attempts: 2 });
    expect(r.result?.old).toBe('1.4.3'); // the message was rebuilt from the new head
    expect(await repo.log()).toHaveLength(3);
    expect(await repo.show(PROD.path)).toContain('newTag: "1.5.0"');
    const msg = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
    expect(parseDeployMessage(msg)).toMatchObject({ from: '1.4.3', to: '1.5.0', jobId: 'job-5' });
  });

  it('gives up with E_PUSH_CONFLICT when others keep winning', async () => {
    let n = 0;
    const base = deploy('job-6', '1.5.0');
    const attempt = writer({ pushRetries: 2 }).commitChange({
      ...base,
      edit: async (workdir) => {
        await repo.commitAsOther({ 'README.md': `race ${n++}\n` }, `race ${n}`);
        return base.edit(workdir);
      },
    });
    await expect(attempt).rejects.toMatchObject({ code: 'E_PUSH_CONFLICT' });
    expect(n).toBe(3);
    expect((await repo.log()).filter((l) => l.includes('deploy('))).toHaveLength(0);
  });

  it('N concurrent writers with separate clones: exactly N commits, every edit present', async () => {
    const N = 6;
    const values = ['# one values file, one key per app', ...Array.from({ length: N }, (_, i) => `app${i}:\n  image:\n    tag: "0.0.0"`)].join('\n') + '\n';
    await repo.commitAsOther({ 'values.yaml': values }, 'add values');
    const caches = await Promise.all(Array.from({ length: N }, () => mkdtemp(path.join(tmpdir(), 'opsbot-cache-'))));
    try {
      const results = await Promise.all(
        caches.map((dir, i) => {
          const loc: TagLocation = { kind: 'helm-values', path: 'values.yaml', key: `app${i}.image.tag`, protected: false };
          return writer({ cacheDir: dir, pushRetries: 20 }).commitChange(deploy(`job-c${i}`, `1.0.${i}`, loc));
        }),
      );
      expect(results.every((r) => r.changed && !r.alreadyDone)).toBe(true);
      expect(results.some((r) => r.attempts > 1)).toBe(true); // they really raced
      const deploys = (await repo.log()).filter((l) => l.includes('deploy(web)'));
      expect(deploys).toHaveLength(N);
      const final = await repo.show('values.yaml');
      for (let i = 0; i < N; i++) {
        expect(currentTag(final, WEB, { kind: 'helm-values', path: 'values.yaml', key: `app${i}.image.tag`, protected: false })).toBe(`1.0.${i}`);
      }
      // Same number of lines, exactly N of them different: one per writer, nothing else touched.
      const [was, now] = [values.split('\n'), final.split('\n')];
      expect(now).toHaveLength(was.length);
      expect(now.filter((l, i) => l !== was[i])).toHaveLength(N);
    } finally {
      await Promise.all(caches.map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});

describe('RepoWriter history and rollback', () => {
  it('lists deploys (opsbot and others) and finds the tag before the current one', async () => {
    const w = writer();
    await w.commitChange(deploy('job-h1', '1.5.0'));
    await repo.commitAsOther({ [PROD.path]: KUSTOMIZATION.replace('1.4.2', '1.6.0') }, 'ci: bump web to 1.6.0');
    await repo.commitAsOther({ [PROD.path]: KUSTOMIZATION.replace('1.4.2', '1.6.0').replace('# prod overlay', '# prod') }, 'comment only');
    await w.commitChange(deploy('job-h2', '1.7.0'));
    const read = (text: string) => currentTag(text, WEB, PROD);

    const history = await w.historyOf(PROD.path, 10, read);
    expect(history.map((h) => [h.tag, h.from, h.byOpsbot, h.requestedBy])).toEqual([
      ['1.7.0', '1.6.0', true, 'Alice Example (slack:U024BE7LH)'],
      ['1.6.0', '1.5.0', false, 'ci-bot'],
      ['1.5.0', '1.4.2', true, 'Alice Example (slack:U024BE7LH)'],
      ['1.4.2', null, false, 'ci-bot'],
    ]);
    expect(history[0]).toMatchObject({ jobId: 'job-h2', when: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(await w.historyOf(PROD.path, 1)).toHaveLength(1);
    expect(await w.rollbackTarget(PROD.path, read)).toBe('1.6.0');
    expect(await w.rollbackTarget(PROD.path, read, '1.4.2')).toBe('1.4.2');
    await expect(w.rollbackTarget(PROD.path, read, '9.9.9')).rejects.toMatchObject({ code: 'E_NOT_IN_HISTORY' });
    expect(await w.readFile(PROD.path)).toContain('newTag: "1.7.0"');
    expect(await w.readFile('nope.yaml')).toBeNull();
  });
});

describe('RepoWriter pull-request branches', () => {
  it('pushes opsbot/<app>-<env>-<tag> from main, is idempotent, and deletes it', async () => {
    const w = writer();
    const branch = reviewBranchName('web', 'prod', '1.5.0');
    expect(branch).toBe('opsbot/web-prod-1.5.0');
    const pushed = await w.pushBranch(branch, deploy('job-p1', '1.5.0'));
    expect(pushed).toMatchObject({ changed: true, alreadyDone: false });
    expect(await repo.show(PROD.path, branch)).toContain('newTag: "1.5.0"');
    expect(await repo.show(PROD.path, 'main')).toContain('newTag: "1.4.2"');
    expect(await w.pushBranch(branch, deploy('job-p1', '1.5.0'))).toMatchObject({ sha: pushed.sha, alreadyDone: true });
    // A stale branch of the same name from another job is replaced.
    const replaced = await w.pushBranch(branch, deploy('job-p2', '1.5.0'));
    expect(replaced.sha).not.toBe(pushed.sha);
    await w.deleteRemoteBranch(branch);
    expect(await git(repo.bare, 'branch', '--list', 'opsbot/*')).toBe('');
    await w.deleteRemoteBranch(branch); // already gone: fine
  });

  it.each(['main', 'opsbot/../x', 'opsbot/a b', 'opsbot/x.lock', 'feature/x', 'opsbot/-x'])('refuses branch %j', async (b) => {
    await expect(writer().pushBranch(b, deploy('job-p3', '1.5.0'))).rejects.toMatchObject({ code: 'E_BAD_NAME' });
  });

  it('refuses a job id that cannot be a trailer', async () => {
    await expect(writer().commitChange(deploy('x\nOpsbot-Job: y', '1.5.0'))).rejects.toMatchObject({ code: 'E_BAD_NAME' });
  });

  it('keeps the remote URL on disk free of credentials', async () => {
    const w = new RepoWriter({ url: 'https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz012345@127.0.0.1:9/org/gitops.git', cacheDir: cache });
    await expect(w.readFile('x')).rejects.toMatchObject({ code: 'E_GIT_UNREACHABLE' });
    const config = await readFile(path.join(w.workdir, '.git', 'config'), 'utf8');
    expect(config).toContain('url = https://127.0.0.1:9/org/gitops.git');
    expect(config).not.toContain('ghs_');
  });
});

describe('RepoWriter in one process', () => {
  it('two instances on the same cache dir take turns instead of sharing a dirty checkout', async () => {
    const a = writer();
    const b = writer();
    const values = (i: number) => deploy(`job-s${i}`, `1.9.${i}`);
    const results = await Promise.all([a.commitChange(values(1)), b.commitChange(values(2)), a.commitChange(values(3))]);
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect((await repo.log()).filter((l) => l.includes('deploy(web)'))).toHaveLength(3);
    expect(await repo.show(PROD.path)).toContain('newTag: "1.9.3"');
  });
});

describe('RepoWriter remotes', () => {
  it('works with a file:// URL', async () => {
    const r = await writer({ url: `file://${repo.bare}` }).commitChange(deploy('job-f1', '1.5.0'));
    expect(r.changed).toBe(true);
    expect(await repo.show(PROD.path)).toContain('newTag: "1.5.0"');
  });

  it('SSH remotes use GIT_SSH_COMMAND from the environment; a refused key is E_GIT_AUTH', async () => {
    const script = path.join(cache, 'fake-ssh');
    const record = path.join(cache, 'ssh-args');
    await writeFile(script, `#!/bin/sh\necho "$@" > '${record}'\necho 'git@example.invalid: Permission denied (publickey).' >&2\nexit 255\n`);
    await chmod(script, 0o755);
    const w = new RepoWriter({ url: 'git@example.invalid:org/gitops.git', cacheDir: cache, env: { PATH: process.env.PATH, GIT_SSH_COMMAND: script } });
    await expect(w.readFile('x')).rejects.toMatchObject({ code: 'E_GIT_AUTH' });
    expect(await readFile(record, 'utf8')).toContain('git@example.invalid');
  });
});
