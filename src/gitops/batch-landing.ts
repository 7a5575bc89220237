import { setTimeout as sleep } from 'node:timers/promises';
import { JOB_ID_PATTERN, JOB_TRAILER, withJobTrailer } from './deploy-message.js';
import { GitopsError } from './errors.js';
import { isPushConflict, type GitRunner } from './git-runner.js';
import type { ChangeRequest, ChangeResult, EditOutcome } from './repo-writer.js';

/**
 * Lands several changes on the main branch: one fetch, one idempotency scan, one commit per
 * change (each with its own message and Opsbot-Job trailer, so every deploy stays traceable
 * and recognisable on retry), and one push. A push refused because someone pushed first redoes
 * the changes still owed on the new head. Measured (bench/deploy-throughput.ts): a local push
 * costs about as much as all of a deploy's other git commands together.
 */
export interface BatchGit {
  git: GitRunner;
  workdir: string;
  /** Remote-tracking ref of the branch (`refs/remotes/origin/main`). */
  base: string;
  branch: string;
  author: { name: string; email: string };
  pushRetries: number;
  delay(attempt: number): number;
  sync(): Promise<void>;
  checkout(ref: string): Promise<void>;
}

export type BatchOutcome = { ok: true; value: ChangeResult<EditOutcome> } | { ok: false; error: unknown };

export async function landBatch(ops: BatchGit, reqs: ChangeRequest<EditOutcome>[]): Promise<BatchOutcome[]> {
  const out: (BatchOutcome | undefined)[] = reqs.map((r) =>
    JOB_ID_PATTERN.test(r.jobId) ? undefined : { ok: false, error: new GitopsError('E_BAD_NAME', `job id "${r.jobId.slice(0, 40)}" is not usable in a commit trailer`) },
  );
  const cwd = ops.workdir;
  for (let attempt = 1; attempt <= ops.pushRetries + 1; attempt++) {
    await ops.sync();
    const owed = reqs.map((_, i) => i).filter((i) => out[i] === undefined);
    // Checked on every attempt: a push that succeeded but whose answer was lost shows up here.
    const found = await findJobCommits(ops, owed.map((i) => reqs[i]!.jobId));
    for (const i of owed) {
      const sha = found.get(reqs[i]!.jobId);
      if (sha) out[i] = { ok: true, value: { sha, alreadyDone: true, changed: true, attempts: attempt - 1 } };
    }
    const todo = owed.filter((i) => out[i] === undefined);
    if (todo.length === 0) break;
    await ops.checkout(ops.base);
    const tentative = new Map<number, BatchOutcome>();
    const committed: { i: number; result: EditOutcome }[] = [];
    for (const i of todo) {
      const req = reqs[i]!;
      let result: EditOutcome;
      try {
        result = await req.edit(cwd);
      } catch (error) {
        tentative.set(i, { ok: false, error });
        // Leave no half-edit behind for the next change of the batch.
        await ops.git.ok(['checkout', '--quiet', '--force', 'HEAD'], { cwd });
        await ops.git.ok(['clean', '--quiet', '-ffdx'], { cwd });
        continue;
      }
      if (result.changed) {
        await ops.git.ok(['add', '--all'], { cwd });
        const commit = await ops.git.run(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--file', '-'], {
          cwd,
          input: withJobTrailer(req.message(result), req.jobId),
          extraEnv: { GIT_AUTHOR_NAME: ops.author.name, GIT_AUTHOR_EMAIL: ops.author.email, GIT_COMMITTER_NAME: ops.author.name, GIT_COMMITTER_EMAIL: ops.author.email },
        });
        if (commit.exitCode === 0) {
          committed.push({ i, result });
          continue;
        }
        // The edit said "changed" but the bytes are the same: nothing to commit.
        if (!/nothing to commit|nothing added to commit|no changes added/i.test(commit.stdout + commit.stderr)) throw ops.git.failure(['commit'], commit);
      }
      tentative.set(i, { ok: true, value: { sha: '', alreadyDone: false, changed: false, attempts: attempt - 1, result } });
    }
    const shas = committed.length ? (await ops.git.ok(['rev-list', '--reverse', `${ops.base}..HEAD`], { cwd })).trim().split('\n') : [];
    const baseSha = tentative.size ? (await ops.git.ok(['rev-parse', ops.base], { cwd })).trim() : '';
    for (const [i, o] of tentative) out[i] = o.ok ? { ok: true, value: { ...o.value, sha: baseSha } } : o;
    if (committed.length === 0) break;
    if (shas.length !== committed.length) throw new GitopsError('E_GIT', `expected ${committed.length} new commits, found ${shas.length}`);
    const args = ['push', '--porcelain', 'origin', `HEAD:refs/heads/${ops.branch}`];
    const push = await ops.git.run(args, { cwd });
    if (push.exitCode === 0) {
      committed.forEach(({ i, result }, n) => (out[i] = { ok: true, value: { sha: shas[n]!, alreadyDone: false, changed: true, attempts: attempt, result } }));
      break;
    }
    if (!isPushConflict(push.stderr + push.stdout)) throw ops.git.failure(args, push);
    // Redo everything still owed on the new head (an edit that failed may succeed there).
    for (const i of todo) out[i] = undefined;
    if (attempt <= ops.pushRetries) await sleep(ops.delay(attempt));
  }
  return out.map(
    (o) => o ?? { ok: false, error: new GitopsError('E_PUSH_CONFLICT', `push to ${ops.branch} was rejected ${ops.pushRetries + 1} times because others kept pushing first; try again`) },
  );
}

/** One `git log` for every job id of the batch (multiple --grep patterns are ORed). */
async function findJobCommits(ops: BatchGit, jobIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (jobIds.length === 0) return found;
  const wanted = new Set(jobIds);
  const out = await ops.git.ok(
    ['log', ops.base, '--fixed-strings', ...jobIds.map((id) => `--grep=${JOB_TRAILER}: ${id}`), `--format=%H%x1f%(trailers:key=${JOB_TRAILER},valueonly,separator=%x1f)%x1e`],
    { cwd: ops.workdir },
  );
  for (const record of out.split('\x1e')) {
    const [sha, ...values] = record.trim().split('\x1f');
    if (!sha) continue;
    for (const v of values) if (wanted.has(v.trim()) && !found.has(v.trim())) found.set(v.trim(), sha);
  }
  return found;
}
