/**
 * One change to the GitOps repository, as every writer hands it to the landing loop
 * (`landBatch`): what to edit, the commit message for the edit's result, and the job id that
 * becomes the `Opsbot-Job` trailer — how a retried job recognises its own commit.
 */
export interface EditOutcome {
  changed: boolean;
}

export interface ChangeRequest<T extends EditOutcome> {
  /** Recorded as the `Opsbot-Job` trailer; a retry of the same job finds its commit instead of committing again. */
  jobId: string;
  /** Runs in the checkout; called again on the new head after a rejected push. */
  edit: (workdir: string) => Promise<T>;
  /** The commit message for this edit's result (the old tag may differ between attempts). */
  message: (result: T) => string;
}

export interface ChangeResult<T> {
  sha: string;
  /** A commit of this job was already on the branch; nothing was committed now. */
  alreadyDone: boolean;
  /** False when the edit found nothing to change (already at the tag): no commit. */
  changed: boolean;
  /** Push attempts made (1 when nobody raced us). */
  attempts: number;
  /** The edit's result on the attempt that landed (absent when alreadyDone). */
  result?: T;
}

/** One change's outcome in a batch: an edit that fails fails only its own change. */
export type LandOutcome = { ok: true; value: ChangeResult<EditOutcome> } | { ok: false; error: unknown };

/**
 * Where a batch lands. `fast-forward`: onto `branch` itself, a plain push (the branch Argo CD
 * follows). `replace`: a review branch made from `base`, pushed with --force-with-lease so a
 * stale branch of the same name is replaced only if it is still what was seen.
 */
export interface LandTarget {
  branch: string;
  base: string;
  push: 'fast-forward' | 'replace';
}
