/**
 * Whether a revision Argo CD reports holds a deploy's commit, answered by the GitOps clone:
 * `git merge-base --is-ancestor` for "contains", and the commits between the two that touched
 * the deploy's file for "superseded". A later change counts as superseding only when it left the
 * file with another tag than the deploy's (read with the app's editor): a commit that touched the
 * file for something else (a label, another app's key in shared Helm values) keeps the deploy's
 * version running.
 */
import { parseDeployMessage, parseTrailers, JOB_TRAILER } from './deploy-message.js';
import type { ReadTag } from './deploy-history.js';
import type { GitRunner } from './git-runner.js';

export type CommitRelation = { kind: 'same' } | { kind: 'contains' } | { kind: 'superseded'; by: string; jobId?: string } | { kind: 'unrelated' };

export interface LineageQuestion {
  /** The deploy's commit (full SHA). */
  commit: string;
  /** What Argo CD reports (a full SHA; anything else is unrelated). */
  revision: string;
  /** The tag file the deploy changed. */
  file: string;
  readTag?: ReadTag;
}

const SHA = /^[0-9a-f]{40}$/i;

export class CommitLineage {
  constructor(
    private readonly git: GitRunner,
    private readonly workdir: string,
    /** Brings missing commits into the clone (a fetch of the followed branch). */
    private readonly fetch: () => Promise<void>,
  ) {}

  async relate(q: LineageQuestion): Promise<CommitRelation> {
    if (q.revision.toLowerCase() === q.commit.toLowerCase()) return { kind: 'same' };
    // Argo CD reports full SHAs; a tag or chart version is not a commit of this repository.
    if (!SHA.test(q.revision) || !SHA.test(q.commit)) return { kind: 'unrelated' };
    if (!(await this.has(q.revision)) || !(await this.has(q.commit))) {
      await this.fetch();
      if (!(await this.has(q.revision)) || !(await this.has(q.commit))) return { kind: 'unrelated' };
    }
    const ancestor = await this.git.run(['merge-base', '--is-ancestor', q.commit, q.revision], { cwd: this.workdir });
    if (ancestor.exitCode === 1) return { kind: 'unrelated' };
    if (ancestor.exitCode !== 0) throw this.git.failure(['merge-base'], ancestor);
    return this.laterChange(q);
  }

  private async has(sha: string): Promise<boolean> {
    const r = await this.git.run(['cat-file', '-e', `${sha}^{commit}`], { cwd: this.workdir });
    return r.exitCode === 0;
  }

  /** The newest commit after the deploy's that changed its file to another tag, if any. */
  private async laterChange(q: LineageQuestion): Promise<CommitRelation> {
    const out = await this.git.ok(['log', '--format=%H%x1f%B%x1e', `${q.commit}..${q.revision}`, '--', q.file], { cwd: this.workdir });
    const later = out
      .split('\x1e')
      .map((raw) => raw.replace(/^\n/, '').split('\x1f'))
      .filter((parts): parts is [string, string] => Boolean(parts[0]) && parts[1] !== undefined);
    const newest = later[0];
    if (!newest) return { kind: 'contains' };
    if (q.readTag) {
      const [before, after] = await Promise.all([this.tagAt(q.commit, q.file, q.readTag), this.tagAt(q.revision, q.file, q.readTag)]);
      if (before !== null && before === after) return { kind: 'contains' };
    }
    const [by, message] = newest;
    const jobId = parseDeployMessage(message)?.jobId ?? parseTrailers(message).get(JOB_TRAILER);
    return { kind: 'superseded', by, ...(jobId ? { jobId } : {}) };
  }

  private async tagAt(rev: string, file: string, readTag: ReadTag): Promise<string | null> {
    const r = await this.git.run(['show', `${rev}:${file}`], { cwd: this.workdir });
    if (r.exitCode !== 0) return null;
    try {
      return readTag(r.stdout);
    } catch {
      return null;
    }
  }
}
