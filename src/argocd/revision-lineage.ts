/**
 * How a revision Argo CD reports relates to the deploy's commit. Argo CD syncs the branch head,
 * not each commit: when something lands on top of a deploy before Argo CD looks (another
 * deploy, a CI bump, a merged pull request, or a batch of deploys pushed at once), the
 * Application never reports the deploy's own SHA — only a later one that contains it. Whether
 * it does is a question for git (the GitOps clone), answered by the jobs layer; this module
 * only names the answers and keeps each one (commits never change, so neither does the answer).
 */
import { sameRevision } from './application.js';

export type RevisionRelation =
  /** The deploy's own commit. */
  | { kind: 'same' }
  /** A later commit that has the deploy's commit in its history and leaves its change in place. */
  | { kind: 'contains' }
  /** A later commit that changed the deploy's file again: what runs is a newer change. */
  | { kind: 'superseded'; by: string; jobId?: string }
  /** Not a descendant of the deploy's commit (an older revision, another branch, unknown here). */
  | { kind: 'unrelated' };

/** Answers for one deploy's commit. */
export interface RevisionLineage {
  relate(revision: string): Promise<RevisionRelation>;
}

/** Without a clone to ask: only the commit itself (or its abbreviation) counts. */
export function exactRelation(commit: string, revision: string): RevisionRelation {
  return sameRevision(commit, revision) ? { kind: 'same' } : { kind: 'unrelated' };
}

/**
 * Each revision asked once per follow-up; a failed question (git unreachable for a moment) is
 * forgotten so the next event asks again.
 */
export class RevisionRelations {
  private readonly known = new Map<string, RevisionRelation>();
  private readonly pending = new Map<string, Promise<RevisionRelation>>();

  constructor(
    private readonly commit: string,
    private readonly lineage: RevisionLineage | undefined,
  ) {}

  /** What is known now (undefined: not asked yet, or still being answered). */
  get(revision: string): RevisionRelation | undefined {
    if (!this.lineage || sameRevision(this.commit, revision)) return exactRelation(this.commit, revision);
    return this.known.get(revision);
  }

  /** Answers every revision not known yet; resolves when all are. */
  async resolve(revisions: string[]): Promise<void> {
    const lineage = this.lineage;
    if (!lineage) return;
    await Promise.all(
      revisions
        .filter((r) => this.get(r) === undefined)
        .map((r) => {
          let p = this.pending.get(r);
          if (!p) {
            p = lineage.relate(r).then(
              (rel) => {
                this.known.set(r, rel);
                this.pending.delete(r);
                return rel;
              },
              (err: unknown) => {
                this.pending.delete(r);
                throw err;
              },
            );
            this.pending.set(r, p);
          }
          return p;
        }),
    );
  }
}
