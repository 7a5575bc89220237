/**
 * What the job handlers need from the systems outside opsbot, declared here where it is used
 * and implemented by the classes that talk to them (GitopsRepository, PullRequests,
 * ClusterAccess, TerraformStacks). The handlers' fast tests stand in for these with in-memory
 * fakes; the suites under test/ prove the real implementations.
 */
import type { FollowDeployRequest } from '../argocd/deploy-follow-up.js';
import type { StatusOptions, StatusTarget } from '../argocd/status-report.js';
import type { StackConfig, VerifyConfig } from '../core/config/schema.js';
import type { Message, Progress } from '../core/message.js';
import type { ChangeRequest, ChangeResult, EditOutcome } from '../gitops/change.js';
import type { CommitRelation, LineageQuestion } from '../gitops/commit-lineage.js';
import type { DeployRecord, ReadTag } from '../gitops/deploy-history.js';
import type { MergeMethod, PullRequestInfo } from '../gitops/pull-requests.js';
import type { StackSource } from '../terraform/stack-checkout.js';
import type { PlanOutcome } from '../terraform/stack-run.js';
import type { UiEvent } from '../terraform/ui-events.js';

/** The GitOps repository (GitopsRepository). */
export interface GitopsRepo {
  /** Commit one change to the branch Argo CD follows; resolves once it is pushed (or found pushed). */
  commit<T extends EditOutcome>(change: ChangeRequest<T>, signal?: AbortSignal): Promise<ChangeResult<T>>;
  /** Push one change to a review branch made from the main branch. */
  pushForReview<T extends EditOutcome>(branch: string, change: ChangeRequest<T>, signal?: AbortSignal): Promise<ChangeResult<T>>;
  deleteBranch(branch: string): Promise<void>;
  /** A file at the head of the branch Argo CD follows; null when it is not there. */
  readFile(file: string): Promise<string | null>;
  /** The YAML files under a directory at the head (recursively with `recurse`), by path: where a plain-manifest app's image is. */
  manifestFiles(dir: string, recurse: boolean): Promise<Map<string, string>>;
  /** The last `n` deploys recorded in a file's history, newest first. */
  history(file: string, n: number, readTag?: ReadTag): Promise<DeployRecord[]>;
  /**
   * The version a rollback goes to: the one before the last deploy, never one rolled back from;
   * or `to`, when it is in the file's history. Throws E_NO_PREVIOUS / E_NOT_IN_HISTORY.
   */
  rollbackTarget(file: string, readTag: ReadTag, to?: string): Promise<string>;
  /** Whether a revision (what Argo CD reports) contains the deploy's commit, or a newer change of its file. */
  relate(q: LineageQuestion): Promise<CommitRelation>;
}

/** The image registries (RegistryClient): a tag's manifest digest, for `pin: digest`. */
export interface ImageRegistry {
  /** Throws E_TAG_NOT_FOUND, E_REGISTRY_AUTH, E_REGISTRY_UNREACHABLE (after retries), E_REGISTRY_BAD_ANSWER. */
  resolve(image: string, tag: string, signal?: AbortSignal): Promise<{ digest: string }>;
}

/** Image signatures (CosignVerifier, with key paths resolved against the config file's directory). */
export interface ImageSignatures {
  /**
   * Resolves when `image@digest` carries a valid signature as `verify` requires. Throws
   * E_IMAGE_UNSIGNED, E_SIGNATURE_INVALID, E_REGISTRY_AUTH, E_REGISTRY_UNREACHABLE, E_COSIGN_MISSING, E_SIGNATURE_CHECK_FAILED.
   */
  verify(image: string, digest: string, verify: VerifyConfig, signal?: AbortSignal): Promise<{ fingerprint: string }>;
}

/** Pull requests of protected environments (PullRequests, on GitHub's REST API). */
export interface PullRequestHost {
  /** Opens a pull request; one already open for this head (a retried job) is returned instead. */
  open(req: { head: string; base: string; title: string; body?: string }): Promise<PullRequestInfo>;
  get(number: number): Promise<PullRequestInfo>;
  /** Merges only if the head is still `sha`. */
  merge(number: number, opts?: { sha?: string; method?: MergeMethod }): Promise<{ sha: string }>;
  close(number: number): Promise<PullRequestInfo>;
}

/** Argo CD on the cluster (ClusterAccess). */
export interface ArgoCd {
  /** False when opsbot has no cluster: the deploy ends at the commit, /status says so. */
  readonly connected: boolean;
  /** Follows a pushed commit until synced and healthy; its last word, with the pods. Throws when Argo CD does not get there. */
  followDeploy(req: FollowDeployRequest): Promise<Message>;
  /** `/status`: sync, health, the last operation and the pods. */
  status(target: Omit<StatusTarget, 'namespace'>, opts?: StatusOptions & { onPodsError?: (err: unknown) => void }): Promise<Message>;
}

/** The Terraform CLI on this worker (TerraformStacks). */
export interface StackRunner {
  /** The CLI that runs the stack; throws E_TF_MISSING, so a job fails before it takes any lock. */
  binaryFor(stack: StackConfig): string;
  /** Checks the stack out (at the branch head, or at `commit`, fetching `fetch` first) and initialises it. */
  open(src: StackSource, opts: { commit?: string | null; fetch?: string; signal: AbortSignal; progress: Progress }): Promise<OpenedStack>;
}

export interface OpenedStack {
  /** The commit checked out; null for a plain directory. */
  readonly commit: string | null;
  plan(opts: { varFiles: string[]; signal: AbortSignal; progress: Progress }): Promise<PlanOutcome>;
  apply(plan: { id: string; file: Buffer }, opts: { signal: AbortSignal; onEvent: (e: UiEvent) => void }): Promise<{ events: readonly UiEvent[] }>;
  /** Removes Terraform's state lock `lockId` (`force-unlock -force`); tofu's own error when it is not the held one. */
  forceUnlock(lockId: string, opts: { signal: AbortSignal }): Promise<void>;
  dispose(): Promise<void>;
}
