import { sleep } from '../core/backoff.js';
import type { ChangeRequest, EditOutcome, LandOutcome, LandTarget } from './change.js';
import { JOB_ID_PATTERN, JOB_TRAILER, withJobTrailer } from './deploy-message.js';
import { GitopsError } from './errors.js';
import { isPushConflict, type GitRunner } from './git-runner.js';

/**
 * The one loop that lands changes in the GitOps repository: fetch, look for each job's trailer,
 * commit each change still owed on a fresh copy of the base (its own message and Opsbot-Job
 * trailer, so every deploy stays traceable and recognisable on retry), push once; a push
 * refused because someone pushed first redoes the changes still owed on the new head. Several
 * deploys share one fetch and one push (measured: bench/deploy-throughput.ts); a review branch
 * is a batch of one.
 */
export interface LandingClone {
  git: GitRunner;
  workdir: string;
  author: { name: string; email: string };
  pushRetries: number;
  /** Sign each commit (gitops.signing: the GitRunner carries the key's configuration). */
  sign: boolean;
  /** Wait before push attempt `attempt + 1` (jittered backoff). */
  delay(attempt: number): number;
  /** Fetch the branch into its remote-tracking ref; false (and the ref removed) when the remote has no such branch. */
  fetch(branch: string, opts?: { optional: boolean }): Promise<boolean>;
  /** Reset the work tree to `ref`, nothing left behind. */
  checkout(ref: string): Promise<void>;
}

export const remoteRef = (branch: string) => `refs/remotes/origin/${branch}`;

export async function landBatch(clone: LandingClone, target: LandTarget, reqs: ChangeRequest<EditOutcome>[]): Promise<LandOutcome[]> {
  const out: (LandOutcome | undefined)[] = reqs.map((r) =>
    JOB_ID_PATTERN.test(r.jobId) ? undefined : { ok: false, error: new GitopsError('E_BAD_NAME', `job id "${r.jobId.slice(0, 40)}" is not usable in a commit trailer`) },
  );
  const { git, workdir: cwd } = clone;
  const base = remoteRef(target.base);
  for (let attempt = 1; attempt <= clone.pushRetries + 1; attempt++) {
    await clone.fetch(target.base);
    // A review branch may exist already: from this job (a retry) or a stale one of the same name.
    const separate = target.branch !== target.base;
    const targetExists = separate ? await clone.fetch(target.branch, { optional: true }) : true;
    const expected = separate && targetExists ? (await git.ok(['rev-parse', remoteRef(target.branch)], { cwd })).trim() : '';
    const owed = reqs.map((_, i) => i).filter((i) => out[i] === undefined);
    // Checked on every attempt: a push that succeeded but whose answer was lost shows up here.
    const found = await findJobCommits(clone, separate && targetExists ? [remoteRef(target.branch), base] : [base], owed.map((i) => reqs[i]!.jobId));
    for (const i of owed) {
      const sha = found.get(reqs[i]!.jobId);
      if (sha) out[i] = { ok: true, value: { sha, alreadyDone: true, changed: true, attempts: attempt - 1 } };
    }
    const todo = owed.filter((i) => out[i] === undefined);
    if (todo.length === 0) break;
    await clone.checkout(base);
    const tentative = new Map<number, LandOutcome>();
    const committed: { i: number; result: EditOutcome }[] = [];
    for (const i of todo) {
      const req = reqs[i]!;
      let result: EditOutcome;
      try {
        result = await req.edit(cwd);
      } catch (error) {
        tentative.set(i, { ok: false, error });
        // Leave no half-edit behind for the next change of the batch.
        await git.ok(['checkout', '--quiet', '--force', 'HEAD'], { cwd });
        await git.ok(['clean', '--quiet', '-ffdx'], { cwd });
        continue;
      }
      if (result.changed) {
        // --all takes what the edit changed: edits rewrite tracked files only (a missing file is
        // E_FILE_MISSING), and the checkout is clean, so one process per change does it.
        const commit = await git.run(['commit', '--all', '--quiet', '--no-verify', clone.sign ? '--gpg-sign' : '--no-gpg-sign', '--file', '-'], {
          cwd,
          input: withJobTrailer(req.message(result), req.jobId),
          extraEnv: { GIT_AUTHOR_NAME: clone.author.name, GIT_AUTHOR_EMAIL: clone.author.email, GIT_COMMITTER_NAME: clone.author.name, GIT_COMMITTER_EMAIL: clone.author.email },
        });
        if (commit.exitCode === 0) {
          committed.push({ i, result });
          continue;
        }
        // The edit said "changed" but the bytes are the same: nothing to commit.
        if (!/nothing to commit|nothing added to commit|no changes added/i.test(commit.stdout + commit.stderr)) throw git.failure(['commit'], commit);
      }
      tentative.set(i, { ok: true, value: { sha: '', alreadyDone: false, changed: false, attempts: attempt - 1, result } });
    }
    const shas = committed.length ? (await git.ok(['rev-list', '--reverse', `${base}..HEAD`], { cwd })).trim().split('\n') : [];
    const baseSha = tentative.size ? (await git.ok(['rev-parse', base], { cwd })).trim() : '';
    for (const [i, o] of tentative) out[i] = o.ok ? { ok: true, value: { ...o.value, sha: baseSha } } : o;
    if (committed.length === 0) break;
    if (shas.length !== committed.length) throw new GitopsError('E_GIT', `expected ${committed.length} new commits, found ${shas.length}`);
    // The branch Argo CD follows only moves forward; a review branch of the same name is
    // replaced only if it is still what this attempt saw.
    const lease = target.push === 'replace' ? [`--force-with-lease=refs/heads/${target.branch}:${expected}`] : [];
    const args = ['push', '--porcelain', ...lease, 'origin', `HEAD:refs/heads/${target.branch}`];
    const push = await git.run(args, { cwd });
    if (push.exitCode === 0) {
      committed.forEach(({ i, result }, n) => (out[i] = { ok: true, value: { sha: shas[n]!, alreadyDone: false, changed: true, attempts: attempt, result } }));
      break;
    }
    if (!isPushConflict(push.stderr + push.stdout)) throw git.failure(args, push);
    // Redo everything still owed on the new head (an edit that failed may succeed there).
    for (const i of todo) out[i] = undefined;
    if (attempt <= clone.pushRetries) await sleep(clone.delay(attempt));
  }
  return out.map(
    (o) => o ?? { ok: false, error: new GitopsError('E_PUSH_CONFLICT', `push to ${target.branch} was rejected ${clone.pushRetries + 1} times because others kept pushing first; try again`) },
  );
}

/** The commits that carry these jobs' trailers, on any of `refs`: one `git log` (several --grep patterns are ORed). */
async function findJobCommits(clone: LandingClone, refs: string[], jobIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (jobIds.length === 0) return found;
  const wanted = new Set(jobIds);
  const out = await clone.git.ok(
    ['log', ...refs, '--fixed-strings', ...jobIds.map((id) => `--grep=${JOB_TRAILER}: ${id}`), `--format=%H%x1f%(trailers:key=${JOB_TRAILER},valueonly,separator=%x1f)%x1e`],
    { cwd: clone.workdir },
  );
  for (const record of out.split('\x1e')) {
    const [sha, ...values] = record.trim().split('\x1f');
    if (!sha) continue;
    for (const v of values) if (wanted.has(v.trim()) && !found.has(v.trim())) found.set(v.trim(), sha);
  }
  return found;
}
