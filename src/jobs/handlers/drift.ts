import type { Queue } from 'bullmq';
import type { Config } from '../../core/config/schema.js';
import { parseDestination } from '../../core/destination.js';
import { isOpsbotError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ConversationRef, Message } from '../../core/message.js';
import { stackNamed, stackSource } from '../../terraform/infra-services.js';
import { driftChange, driftFingerprint, type DriftMemory } from '../../terraform/drift-memory.js';
import { planMessage, shortCommit } from '../../terraform/plan-message.js';
import { withinTimeout } from '../../terraform/stack-run.js';
import type { JobEnvelope, JobKind } from '../kind.js';
import type { Outbox } from '../outbox.js';
import type { TerraformJobDeps } from './plan.js';

export interface DriftPayload {
  stack: string;
}

/** The scheduler's own final words go here; nobody reads it (bounded by the outbox MAXLEN). */
const SCHEDULER_SINK: ConversationRef = { platform: 'console', channel: 'drift-scheduler' };
const SCHEDULER_PREFIX = 'drift:';

/**
 * Where drift of a stack without its own `notify` is reported: the first destination of the
 * first notification route, else the console — the same stream as Argo CD notifications routed
 * to `console`, which every console shows.
 */
export function driftDestination(config: Pick<Config, 'notifications'>): ConversationRef {
  return parseDestination(config.notifications.routes[0]?.to[0] ?? 'console');
}

/**
 * A drift check (scheduled, or `/infra drift <stack>`): a plan whose summary goes to the stack's
 * `notify` destination only when the drift appears or changes, and once when it is gone — silent
 * between (DriftMemory). The asker of `/infra drift` hears the outcome either way. A busy stack
 * is skipped (the next run will look again); nothing is stored, nothing can be approved.
 */
export function driftJob(deps: TerraformJobDeps & { outbox: Pick<Outbox, 'publish'>; memory: Pick<DriftMemory, 'swap'> }): JobKind<DriftPayload> {
  return {
    name: 'drift',
    idempotent: true,
    attempts: 1,
    async run({ job, signal, log }) {
      const name = job.payload.stack;
      const stack = stackNamed(deps.config, name);
      const src = stackSource(deps.infra, name, stack);
      const quiet = async () => undefined;
      let lock;
      try {
        lock = await deps.infra.locks.acquire(
          name,
          { job: `drift-${name}`, kind: 'plan', by: 'drift-check', since: Date.now() },
          { waitMs: 0, signal },
        );
      } catch (err) {
        if (isOpsbotError(err) && err.code === 'E_STACK_LOCKED') return { text: `drift check of ${name} skipped: stack busy` };
        throw err;
      }
      try {
        const { outcome, commit } = await withinTimeout('plan', src, signal, async (limited) => {
          const open = await deps.stacks.open(src, { signal: limited, progress: quiet });
          try {
            return { outcome: await open.plan({ varFiles: [], signal: limited, progress: quiet }), commit: open.commit };
          } finally {
            await open.dispose();
          }
        });
        const now = outcome.summary.noChanges ? null : driftFingerprint(outcome.summary);
        const change = driftChange(await deps.memory.swap(name, now), now);
        const how =
          job.requester.id === 'drift-check' ? `scheduled drift check (${stack.driftCheck ?? ''})` : `drift check by ${job.requester.displayName}`;
        const to = stack.notify ? parseDestination(stack.notify) : driftDestination(deps.config);
        if (change === 'gone') {
          const gone: Message = {
            status: 'success',
            title: `Drift on stack ${name} is gone`,
            text: 'The infrastructure matches its code again.',
            fields: [{ label: 'Commit', value: shortCommit(commit) }],
            context: how,
          };
          await deps.outbox.publish({ conversation: to, key: `drift:${name}:${Date.now()}`, message: gone });
          log.info({ stack: name }, 'drift gone reported');
          return { text: `drift on ${name} is gone (reported)` };
        }
        if (!now) return { text: `no drift on ${name}` };
        const report: Message = {
          ...planMessage({ stack: name, summary: outcome.summary, commit, varFiles: { stack: stack.varFiles, extra: [] } }),
          status: 'warning',
          title: `Drift on stack ${name}${change === 'changed' ? ' has changed' : ''}: the infrastructure does not match its code`,
          buttons: [{ action: { command: 'infra plan', args: [name] }, label: 'Plan', style: 'primary' }],
          context: how,
        };
        if (change === 'same') return { text: `drift on ${name} unchanged since it was reported (not posted again)` };
        await deps.outbox.publish({ conversation: to, key: `drift:${name}:${Date.now()}`, message: report });
        log.info({ stack: name, change }, 'drift reported');
        return { text: `drift on ${name} ${change === 'changed' ? 'changed' : 'found'} (reported)` };
      } finally {
        await lock.release();
      }
    },
  };
}

/**
 * One BullMQ job scheduler per stack with `driftCheck` (upsert: restarts and several
 * processes converge on one schedule); schedulers of stacks that lost theirs are removed.
 */
export async function scheduleDriftChecks(queue: Queue, config: Config, log: Logger): Promise<void> {
  const wanted = new Set<string>();
  for (const [name, stack] of Object.entries(config.stacks)) {
    if (!stack.driftCheck) continue;
    const id = `${SCHEDULER_PREFIX}${name}`;
    wanted.add(id);
    const envelope: JobEnvelope<DriftPayload> = {
      id: `drift-${name}`,
      uid: `drift-${name}`,
      kind: 'drift',
      requester: { platform: 'console', id: 'drift-check', displayName: 'drift check' },
      conversation: SCHEDULER_SINK,
      target: `stack ${name}`,
      payload: { stack: name },
      createdAt: new Date().toISOString(),
    };
    try {
      await queue.upsertJobScheduler(
        id,
        { pattern: stack.driftCheck },
        { name: 'drift', data: envelope, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    } catch (err) {
      log.error({ stack: name, cron: stack.driftCheck, err: (err as Error).message }, 'drift check not scheduled: bad cron expression?');
    }
  }
  for (const s of await queue.getJobSchedulers()) {
    const id = s.id ?? s.key;
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) await queue.removeJobScheduler(id);
  }
}
