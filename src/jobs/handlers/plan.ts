import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../../core/config/schema.js';
import type { Progress } from '../../core/message.js';
import { stackNamed, stackSource, type InfraServices } from '../../terraform/infra-services.js';
import { planMessage } from '../../terraform/plan-message.js';
import type { PlanStore } from '../../terraform/plan-store.js';
import { checkStackPaths } from '../../terraform/stack-checkout.js';
import { describeHolder, type StackLocks } from '../../terraform/stack-lock.js';
import { withinTimeout } from '../../terraform/stack-run.js';
import type { JobKind } from '../kind.js';
import type { StackRunner } from '../seams.js';

export interface PlanPayload {
  stack: string;
  /** Extra var files from the command (`--var-file`), relative to the stack dir. */
  varFiles: string[];
}

export interface TerraformJobDeps {
  config: Config;
  /** The plan store and stack locks, shared with the /infra commands. */
  infra: Pick<InfraServices, 'baseDir' | 'stateHome'> & {
    store: Pick<PlanStore, 'save' | 'claim' | 'get' | 'file' | 'finish' | 'release'>;
    locks: Pick<StackLocks, 'holder' | 'acquire'>;
  };
  stacks: StackRunner;
  /** Where the console's full plans are written (OPSBOT_HOME). */
  env: NodeJS.ProcessEnv;
}

/**
 * `/infra plan <stack>`: under the stack lock, check out the branch head, init, plan with
 * progress, and post a summary with Approve / Reject (or "no changes"). Idempotent: a plan
 * that crashed is simply made again — nothing outside the work dir changed.
 */
export function planJob(deps: TerraformJobDeps): JobKind<PlanPayload> {
  return {
    name: 'plan',
    idempotent: true,
    attempts: 2,
    async run({ job, reporter, signal }) {
      const { stack: name, varFiles } = job.payload;
      const stack = stackNamed(deps.config, name);
      const src = stackSource(deps.infra, name, stack);
      checkStackPaths(src, varFiles);
      deps.stacks.binaryFor(stack); // a missing CLI fails here, before any lock is taken
      const say: Progress = (m) => reporter.progress(m);

      const busy = await deps.infra.locks.holder(name);
      if (busy) await say({ text: `${describeHolder(name, busy)} Waiting up to ${Math.round(stack.lockTimeout / 1000)} s…` });
      const lock = await deps.infra.locks.acquire(name, { job: job.id, kind: 'plan', by: job.requester.displayName, since: Date.now() }, { waitMs: stack.lockTimeout, signal });
      let outcome;
      let commit: string | null;
      try {
        ({ outcome, commit } = await withinTimeout('plan', src, signal, async (limited) => {
          const open = await deps.stacks.open(src, { signal: limited, progress: say });
          try {
            const at = open.commit;
            await say({ text: `Planning stack ${name} at ${at ? at.slice(0, 12) : 'a copy of its directory'}…` });
            return { outcome: await open.plan({ varFiles, signal: limited, progress: say }), commit: at };
          } finally {
            await open.dispose();
          }
        }));
      } finally {
        await lock.release();
      }

      const files = { stack: stack.varFiles, extra: varFiles };
      if (outcome.summary.noChanges) return planMessage({ stack: name, summary: outcome.summary, commit, varFiles: files });
      const stored = await deps.infra.store.save(
        { stack: name, requester: job.requester, conversation: job.conversation, commit, summary: outcome.summary, varFiles, ttlMs: stack.planTtl },
        outcome.planFile,
      );
      // The console cannot take attachments: the full plan goes to a file whose path is shown.
      const fullPlanPath = job.conversation.platform === 'console' ? await writePlanText(deps.env, stored.id, outcome.planText) : undefined;
      return planMessage({
        stack: name,
        summary: outcome.summary,
        commit,
        varFiles: files,
        plan: { id: stored.id, expiresAt: stored.expiresAt, approvalsRequired: stack.approvalsRequired, requesterMayApprove: stack.requesterMayApprove },
        fullPlanPath,
        planText: outcome.planText,
      });
    },
  };
}

async function writePlanText(env: NodeJS.ProcessEnv, id: string, text: string): Promise<string> {
  const dir = resolve(env.OPSBOT_HOME ?? '.opsbot', 'plans');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `plan-${id}.txt`);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}
