/**
 * In-memory stand-ins for the seams of the job handlers and the chat commands (GitopsRepo,
 * PullRequestHost, ArgoCd, StackRunner, JobQueue and the Redis-backed stores), for the fast
 * tests beside src/jobs/handlers/ and src/bot/commands/. No Redis, no processes: the suites under
 * test/ prove the real implementations.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import type { AuditEntry } from '../../src/core/audit.js';
import { parseConfig } from '../../src/core/config/load.js';
import type { Config } from '../../src/core/config/schema.js';
import type { Actor, ConversationRef, Message } from '../../src/core/message.js';
import { Policy } from '../../src/core/policy.js';
import type { CommandDeps, CommandSpec, JobQueue } from '../../src/bot/commands/spec.js';
import type { Command } from '../../src/bot/command.js';
import { CommandRouter } from '../../src/bot/router.js';
import { Metrics } from '../../src/core/metrics.js';
import type { ChangeRequest, ChangeResult, EditOutcome } from '../../src/gitops/change.js';
import type { DeployRecord, ReadTag } from '../../src/gitops/deploy-history.js';
import type { CommitRelation, LineageQuestion } from '../../src/gitops/commit-lineage.js';
import { GitopsError } from '../../src/gitops/errors.js';
import { OpsbotError } from '../../src/core/errors.js';
import type { PullRequestInfo } from '../../src/gitops/pull-requests.js';
import type { Review } from '../../src/gitops/review-store.js';
import type { JobContext, JobEnvelope } from '../../src/jobs/kind.js';
import type { OutboxEvent } from '../../src/jobs/outbox.js';
import type { JobSummary } from '../../src/jobs/queues.js';
import type { Reporter } from '../../src/jobs/reporter.js';
import type { ArgoCd, GitopsRepo, OpenedStack, PullRequestHost, StackRunner } from '../../src/jobs/seams.js';
import type { ApprovalResult, PlanState, StoredPlan } from '../../src/terraform/plan-store.js';
import type { ReviewHold } from '../../src/terraform/review-lock.js';
import type { UnlockRequest } from '../../src/terraform/unlock-requests.js';
import type { StackLockEntry, StackLockHolder } from '../../src/terraform/stack-lock.js';
import type { PlanOutcome } from '../../src/terraform/stack-run.js';
import type { PlanSummary } from '../../src/terraform/plan-summary.js';
import type { UiEvent } from '../../src/terraform/ui-events.js';

export const silentLog = pino({ level: 'silent' });

export const alice: Actor = { platform: 'console', id: 'alice', displayName: 'alice' };
export const bob: Actor = { platform: 'console', id: 'bob', displayName: 'bob' };
export const here: ConversationRef = { platform: 'console', channel: 'test' };

export const config = (yaml: string): Config => parseConfig(yaml);

/** A Reporter that keeps every message in order, by kind. */
export function recordingReporter(): Reporter & { said: { kind: string; message: Message }[]; progressTexts(): string[] } {
  const said: { kind: string; message: Message }[] = [];
  const keep = (kind: string) => async (message: Message) => void said.push({ kind, message });
  return {
    said,
    progressTexts: () => said.filter((s) => s.kind === 'progress').map((s) => s.message.text ?? s.message.title ?? ''),
    progress: keep('progress'),
    detail: keep('detail'),
    succeeded: keep('succeeded'),
    failed: keep('failed'),
    cancelled: keep('cancelled'),
    answered: keep('answered'),
  };
}

/** What a worker hands a handler: the envelope, a recording reporter, a signal. */
export function jobContext<P>(
  kind: string,
  payload: P,
  opts: { id?: string; requester?: Actor; conversation?: ConversationRef; signal?: AbortSignal } = {},
) {
  const id = opts.id ?? '7';
  const job: JobEnvelope<P> = {
    id,
    uid: `${id}-0badc0de`,
    kind,
    requester: opts.requester ?? alice,
    conversation: opts.conversation ?? here,
    target: 'test',
    payload,
    createdAt: new Date(0).toISOString(),
  };
  const reporter = recordingReporter();
  const ctx: JobContext<P> = { job, reporter, signal: opts.signal ?? new AbortController().signal, log: silentLog, attempt: 1 };
  return { ctx, reporter, job };
}

/**
 * A GitOps repository in memory: each change's real edit runs on a scratch copy of the files,
 * and what it changed becomes a "commit" (its message, its job id), as the landing loop would.
 */
export class FakeGitopsRepo implements GitopsRepo {
  readonly commits: { branch: string; message: string; jobId: string; sha: string }[] = [];
  readonly deleted: string[] = [];
  previous: string | null = null;
  records: DeployRecord[] = [];
  failWith?: unknown;

  constructor(readonly files: Record<string, string>) {}

  commit<T extends EditOutcome>(change: ChangeRequest<T>): Promise<ChangeResult<T>> {
    return this.land('main', change);
  }

  pushForReview<T extends EditOutcome>(branch: string, change: ChangeRequest<T>): Promise<ChangeResult<T>> {
    return this.land(branch, change);
  }

  async deleteBranch(branch: string): Promise<void> {
    this.deleted.push(branch);
  }

  async history(_file: string, n: number, _readTag?: ReadTag): Promise<DeployRecord[]> {
    return this.records.slice(0, n);
  }

  async readFile(file: string): Promise<string | null> {
    if (this.failWith) throw this.failWith;
    return this.files[file] ?? null;
  }

  async manifestFiles(dir: string, recurse: boolean): Promise<Map<string, string>> {
    const prefix = dir === '.' ? '' : `${dir}/`;
    return new Map(
      Object.entries(this.files).filter(([f]) => f.startsWith(prefix) && /\.ya?ml$/.test(f) && (recurse || !f.slice(prefix.length).includes('/'))),
    );
  }

  /** `previous` stands for what DeployHistory would find; `to` must be a tag of `records`. */
  async rollbackTarget(file: string, _readTag: ReadTag, to?: string): Promise<string> {
    if (to !== undefined) {
      if (this.records.some((r) => r.tag === to)) return to;
      throw new GitopsError('E_NOT_IN_HISTORY', `${to} is not in the history of ${file}; nothing was changed.`, file);
    }
    if (this.previous === null) throw new GitopsError('E_NO_PREVIOUS', `Nothing to roll back to in ${file}.`, file);
    return this.previous;
  }

  /** Commits here have no history: a revision is the commit itself or unrelated (as without a clone). */
  async relate(q: LineageQuestion): Promise<CommitRelation> {
    return q.revision === q.commit ? { kind: 'same' } : { kind: 'unrelated' };
  }

  private async land<T extends EditOutcome>(branch: string, change: ChangeRequest<T>): Promise<ChangeResult<T>> {
    if (this.failWith) throw this.failWith;
    const done = this.commits.find((c) => c.jobId === change.jobId && c.branch === branch);
    if (done) return { sha: done.sha, alreadyDone: true, changed: true, attempts: 0 };
    const dir = mkdtempSync(join(tmpdir(), 'opsbot-fake-repo-'));
    try {
      for (const [file, text] of Object.entries(this.files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      const result = await change.edit(dir);
      const sha = `${String(this.commits.length + 1).padStart(2, '0')}${'c0ffee'.repeat(6)}00`;
      if (!result.changed) return { sha: 'f'.repeat(40), alreadyDone: false, changed: false, attempts: 0, result };
      if (branch === 'main') for (const file of Object.keys(this.files)) this.files[file] = readFileSync(join(dir, file), 'utf8');
      this.commits.push({ branch, message: change.message(result), jobId: change.jobId, sha });
      return { sha, alreadyDone: false, changed: true, attempts: 1, result };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

export class FakePullRequests implements PullRequestHost {
  readonly opened: { head: string; base: string; title: string; body?: string }[] = [];
  readonly merged: { number: number; sha?: string; method?: string }[] = [];
  readonly closed: number[] = [];
  state: Partial<PullRequestInfo> = {};
  /** What the next merge throws (GitHub's 409 when the head moved). */
  mergeError?: unknown;

  /** With a repo, a pull request's head is the last commit the repo "pushed" to its branch, as on GitHub. */
  constructor(private readonly repo?: FakeGitopsRepo) {}

  async open(req: { head: string; base: string; title: string; body?: string }): Promise<PullRequestInfo> {
    this.opened.push(req);
    return { ...this.info(41 + this.opened.length, req.head), ...this.state };
  }

  async get(number: number): Promise<PullRequestInfo> {
    return { ...this.info(number, this.opened[number - 42]?.head ?? 'opsbot/x'), ...this.state };
  }

  async merge(number: number, opts: { sha?: string; method?: 'merge' | 'squash' | 'rebase' } = {}): Promise<{ sha: string }> {
    if (this.mergeError) throw this.mergeError;
    this.merged.push({ number, ...opts });
    return { sha: 'm'.repeat(40) };
  }

  async close(number: number): Promise<PullRequestInfo> {
    this.closed.push(number);
    return { ...this.info(number, 'opsbot/x'), state: 'closed' };
  }

  private info(number: number, head: string): PullRequestInfo {
    const headSha = this.repo?.commits.findLast((c) => c.branch === head)?.sha ?? 'h'.repeat(40);
    return {
      number,
      url: `https://github.example/org/gitops/pull/${number}`,
      state: 'open',
      merged: false,
      headRef: head,
      headSha,
      baseRef: 'main',
      mergeCommitSha: null,
    };
  }
}

export class FakeArgoCd implements ArgoCd {
  readonly followed: Parameters<ArgoCd['followDeploy']>[0][] = [];
  readonly asked: Parameters<ArgoCd['status']>[0][] = [];
  followResult: Message | Error = {
    status: 'success',
    title: 'web-staging runs',
    fields: [
      { label: 'Stages', value: 'committed → healthy' },
      { label: 'Pods ready', value: '2/2' },
    ],
    code: 'web-1  1/1  Running',
  };

  constructor(public connected = true) {}

  async followDeploy(req: Parameters<ArgoCd['followDeploy']>[0]): Promise<Message> {
    this.followed.push(req);
    await req.progress({ status: 'progress', title: 'following' });
    if (this.followResult instanceof Error) throw this.followResult;
    return this.followResult;
  }

  async status(target: Parameters<ArgoCd['status']>[0]): Promise<Message> {
    this.asked.push(target);
    return { title: `${target.application}: Synced, Healthy` };
  }
}

export const NO_CHANGES: PlanSummary = {
  counts: { create: 0, update: 0, replace: 0, destroy: 0, forget: 0, read: 0, noop: 0 },
  groups: [],
  outputs: [],
  drift: { addresses: [], more: 0 },
  destructive: false,
  noChanges: true,
  errored: false,
  applyable: false,
};

/** A plan summary with one resource to create. */
export const ONE_CREATE: PlanSummary = {
  ...NO_CHANGES,
  counts: { ...NO_CHANGES.counts, create: 1 },
  groups: [{ action: 'create', addresses: ['terraform_data.x'], more: 0 }],
  noChanges: false,
  applyable: true,
};

/** The Terraform CLI stood in for: canned plan outcomes and apply events, every call recorded. */
export class FakeStacks implements StackRunner {
  readonly calls: string[] = [];
  missingBinary?: Error;
  planOutcome: PlanOutcome = { summary: ONE_CREATE, planFile: Buffer.from('PLAN'), planText: '+ terraform_data.x' };
  applyEvents: UiEvent[] = [];
  applyError?: Error;
  unlockError?: Error;
  commit: string | null = 'abc123abc123abc123abc123abc123abc123abcd';

  binaryFor(): string {
    if (this.missingBinary) throw this.missingBinary;
    return '/usr/bin/tofu';
  }

  async open(src: Parameters<StackRunner['open']>[0], opts: Parameters<StackRunner['open']>[1]): Promise<OpenedStack> {
    this.calls.push(`open ${src.name}${opts.commit ? ` at ${opts.commit}` : ''}`);
    const commit = opts.commit ?? this.commit;
    return {
      commit,
      plan: async (o) => {
        this.calls.push(`plan ${src.name} ${o.varFiles.join(',')}`.trim());
        return this.planOutcome;
      },
      apply: async (plan, o) => {
        this.calls.push(`apply ${plan.id} (${plan.file.length} bytes)`);
        for (const e of this.applyEvents) o.onEvent(e);
        if (this.applyError) throw this.applyError;
        return { events: this.applyEvents };
      },
      forceUnlock: async (lockId) => {
        this.calls.push(`force-unlock ${src.name} ${lockId}`);
        if (this.unlockError) throw this.unlockError;
      },
      dispose: async () => void this.calls.push(`dispose ${src.name}`),
    };
  }
}

export class FakeLocks {
  readonly held = new Map<string, StackLockHolder>();
  readonly released: string[] = [];
  busy?: Error;

  async holder(stack: string): Promise<StackLockHolder | undefined> {
    return this.held.get(stack);
  }

  async acquire(stack: string, holder: StackLockHolder) {
    if (this.busy) throw this.busy;
    this.held.set(stack, holder);
    return { held: () => true, release: async () => void (this.held.delete(stack), this.released.push(stack)) };
  }

  async list(): Promise<StackLockEntry[]> {
    return [...this.held].map(([stack, holder]) => ({ stack, holder, ttlMs: 30_000 }));
  }

  async forceUnlock(stack: string): Promise<StackLockHolder | null | undefined> {
    const h = this.held.get(stack);
    this.held.delete(stack);
    return h ?? null;
  }
}

/** Plan-to-apply holds in memory, with the same take rule as the Lua script. */
export class FakeHolds {
  readonly held = new Map<string, ReviewHold>();

  async get(stack: string): Promise<ReviewHold | undefined> {
    return this.held.get(stack);
  }

  async take(stack: string, hold: ReviewHold): Promise<ReviewHold | undefined> {
    const h = this.held.get(stack);
    if (h && (h.person !== hold.person || h.source !== hold.source)) return h;
    this.held.set(stack, hold);
    return undefined;
  }

  async release(stack: string, planId?: string): Promise<ReviewHold | undefined> {
    const h = this.held.get(stack);
    if (!h || (planId && h.planId !== planId)) return undefined;
    this.held.delete(stack);
    return h;
  }

  async list(): Promise<{ stack: string; hold: ReviewHold; ttlMs: number }[]> {
    return [...this.held].map(([stack, hold]) => ({ stack, hold, ttlMs: 60_000 }));
  }
}

/** Pending force-unlock requests, in memory (UnlockRequests' contract). */
export class FakeUnlockRequests {
  readonly pending = new Map<string, UnlockRequest>();

  async ask(req: UnlockRequest): Promise<UnlockRequest | undefined> {
    const k = `${req.stack} ${req.lockId}`;
    const had = this.pending.get(k);
    if (had) return had;
    this.pending.set(k, req);
    return undefined;
  }

  async get(stack: string, lockId: string): Promise<UnlockRequest | undefined> {
    return this.pending.get(`${stack} ${lockId}`);
  }

  async take(stack: string, lockId: string): Promise<UnlockRequest | undefined> {
    const r = this.pending.get(`${stack} ${lockId}`);
    this.pending.delete(`${stack} ${lockId}`);
    return r;
  }
}

/** Stacks without a GitHub repository: what a fast test that plans no pull request needs. */
export const NO_GITHUB = {
  forStack(name: string): never {
    throw new OpsbotError('E_NO_GITHUB', `Stack ${name} has no GitHub repository.`);
  },
};

/** Saved plans in memory; `approveResult` and `claimResult` stand for what the Lua scripts decide. */
export class FakePlanStore {
  readonly plans = new Map<string, StoredPlan>();
  readonly files = new Map<string, Buffer>();
  readonly log: string[] = [];
  approveResult: ApprovalResult = { kind: 'start', approvals: 1 };
  claimResult?: { state: PlanState | 'missing'; extra: string };

  add(plan: Partial<StoredPlan> & { id: string; stack: string }, file: Buffer = Buffer.from('PLAN')): StoredPlan {
    const full: StoredPlan = {
      requester: alice,
      conversation: here,
      createdAt: 0,
      expiresAt: Date.parse('2099-01-01T00:00:00Z'),
      commit: 'abc123abc123abc123abc123abc123abc123abcd',
      sha256: '4e47b9a2e1bd1ab3efe12dda6fc0a5c5c5e07a8e4e9bba6d3e7f7b4e4e5e59a9',
      summary: ONE_CREATE,
      varFiles: [],
      state: 'pending',
      approvers: [],
      ...plan,
    };
    this.plans.set(plan.id, full);
    this.files.set(plan.id, file);
    return full;
  }

  async save(
    plan: Omit<StoredPlan, 'id' | 'createdAt' | 'expiresAt' | 'sha256' | 'state' | 'approvers'> & { ttlMs: number },
    file: Buffer,
  ): Promise<StoredPlan> {
    const stored = this.add({ ...plan, id: `pl${String(this.plans.size).padStart(6, 'a')}`.slice(0, 8), expiresAt: Date.now() + plan.ttlMs }, file);
    this.log.push(`save ${stored.id}`);
    return stored;
  }

  async get(id: string): Promise<StoredPlan | undefined> {
    return this.plans.get(id);
  }

  async file(id: string): Promise<Buffer | undefined> {
    return this.files.get(id);
  }

  async approve(plan: Pick<StoredPlan, 'id'>, subject: string): Promise<ApprovalResult> {
    this.log.push(`approve ${plan.id} by ${subject}`);
    return this.approveResult;
  }

  async reject(id: string, subject: string): Promise<{ state: PlanState | 'missing'; by: string }> {
    this.log.push(`reject ${id} by ${subject}`);
    const plan = this.plans.get(id);
    if (!plan) return { state: 'missing', by: '' };
    if (plan.state === 'pending') Object.assign(plan, { state: 'rejected', decidedBy: subject });
    return { state: plan.state, by: plan.decidedBy ?? '' };
  }

  async claim(plan: Pick<StoredPlan, 'id'>, jobId: string): Promise<{ state: PlanState | 'missing'; extra: string }> {
    this.log.push(`claim ${plan.id} for ${jobId}`);
    return this.claimResult ?? { state: 'applying', extra: jobId };
  }

  async setApplyJob(id: string, jobId: string): Promise<void> {
    this.log.push(`job ${id} ${jobId}`);
  }

  async release(id: string): Promise<void> {
    this.log.push(`release ${id}`);
  }

  async finish(id: string, state: 'applied' | 'failed'): Promise<void> {
    this.log.push(`finish ${id} ${state}`);
  }
}

export class FakeReviews {
  readonly reviews = new Map<string, Review>();

  async put(review: Review): Promise<void> {
    this.reviews.set(review.id, { ...review });
  }

  async get(id: string): Promise<Review | undefined> {
    return this.reviews.get(id);
  }

  async decide(id: string, decision: 'approved' | 'rejected', by: string): Promise<{ won: boolean; found: string }> {
    const r = this.reviews.get(id);
    if (!r) return { won: false, found: 'missing' };
    if (r.state !== 'pending') return { won: false, found: r.state };
    Object.assign(r, { state: decision, decidedBy: by });
    return { won: true, found: 'pending' };
  }
}

export class FakeQueue implements JobQueue {
  readonly queued: { kind: string; payload: unknown; target: string; requester: Actor; conversation: ConversationRef; id: string }[] = [];
  readonly summaries = new Map<string, JobSummary & { conversation?: ConversationRef }>();
  cancelled: string[] = [];
  cancelResult: 'removed' | 'signalled' | 'finished' = 'removed';
  unavailable?: Error;

  async enqueue<P>(kind: string, payload: P, meta: { requester: Actor; conversation: ConversationRef; target: string }): Promise<{ id: string }> {
    if (this.unavailable) throw this.unavailable;
    const id = String(100 + this.queued.length);
    this.queued.push({ kind, payload, id, ...meta });
    return { id };
  }

  async summary(id: string): Promise<JobSummary | undefined> {
    return this.summaries.get(id);
  }

  async recent(limit: number): Promise<JobSummary[]> {
    return [...this.summaries.values()].slice(0, limit);
  }

  async cancel(id: string): Promise<'removed' | 'signalled' | 'finished'> {
    this.cancelled.push(id);
    // As BullMQ: a removed job is gone, with its data.
    if (this.cancelResult === 'removed') this.summaries.delete(id);
    return this.cancelResult;
  }

  async conversationOf(id: string): Promise<ConversationRef | undefined> {
    return this.summaries.get(id)?.conversation;
  }
}

export class FakeAudit {
  readonly entries: Omit<AuditEntry, 'time'>[] = [];

  async append(entry: Omit<AuditEntry, 'time'>): Promise<void> {
    this.entries.push(entry);
  }

  async recent(n: number): Promise<AuditEntry[]> {
    return this.entries
      .slice(-n)
      .reverse()
      .map((e) => ({ time: '2026-11-25T10:00:00.000Z', ...e }));
  }
}

export class FakeOutbox {
  readonly events: OutboxEvent[] = [];

  private readonly ids = new Set<string>();

  async publish(event: OutboxEvent): Promise<void> {
    this.events.push(event);
  }

  async publishOnce(event: OutboxEvent & { id: string }): Promise<boolean> {
    if (this.ids.has(event.id)) return false;
    this.ids.add(event.id);
    this.events.push(event);
    return true;
  }
}

/** Everything a command handler may use, in memory, around one config. */
export function commandDeps(yaml: string) {
  const cfg = config(yaml);
  const queues = new FakeQueue();
  const audit = new FakeAudit();
  const outbox = new FakeOutbox();
  const reviews = new FakeReviews();
  const store = new FakePlanStore();
  const locks = new FakeLocks();
  const holds = new FakeHolds();
  const unlocks = new FakeUnlockRequests();
  const deps: CommandDeps = {
    config: cfg,
    policy: new Policy(cfg),
    queues,
    audit,
    outbox,
    reviews,
    infra: { store, locks, holds, unlocks, github: NO_GITHUB, baseDir: process.cwd(), stateHome: join(tmpdir(), 'opsbot-state') },
    commands: () => [],
  };
  return { deps, queues, audit, outbox, reviews, store, locks, holds, unlocks };
}

/** A command as an adapter hands it to the router. */
export function command(text: string, actor: Actor = alice): Command {
  return { actor, conversation: here, text };
}

/** The router over the given commands and in-memory deps: what every adapter calls. */
export function routerFor(commands: readonly CommandSpec<unknown>[], deps: CommandDeps): CommandRouter {
  return new CommandRouter(commands, { ...deps, commands: () => commands }, new Metrics(), silentLog);
}

/** One image in two apps (bot-mat also has staging), grouped as `bots`: the group-deploy tests' configuration. */
export const BOTS_CONFIG = `
gitops: { url: /srv/gitops.git }
apps:
  bot-mat:
    image: ghcr.io/example/bot
    environments:
      prod: { kind: manifest, path: bot-mat/deployment.yaml, container: bot }
      staging: { kind: manifest, path: bot-mat/staging.yaml, container: bot }
  bot-prod:
    image: ghcr.io/example/bot
    environments:
      prod: { kind: manifest, path: bot-prod/deployment.yaml, container: bot }
appGroups:
  bots: [bot-mat, bot-prod]
`;

/** The configuration the command tests share: two apps, one protected environment, one stack. */
export const COMMANDS_CONFIG = `
gitops: { url: /srv/gitops.git }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml }
      prod: { kind: kustomize, path: apps/web/prod/kustomization.yaml, protected: true }
  api:
    image: ghcr.io/example/api
    environments:
      prod: { kind: helm-values, path: apps/api/values.yaml }
stacks:
  core: { dir: terraform/core, approvalsRequired: 2, approvers: ["console:alice", "console:bob"], extraVarFiles: ["env/prod.tfvars"] }
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy, rollback, infra.plan, infra.approve, cancel, admin]
    - subjects: ["console:bob"]
      actions: [deploy]
      environments: [staging]
    - subjects: ["console:bob"]
      actions: [infra.approve]
      stacks: [core]
`;

export const carol: Actor = { platform: 'console', id: 'carol', displayName: 'carol' };
