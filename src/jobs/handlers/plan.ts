import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../../core/config/schema.js';
import { stackNamed, stackSource, terraformBinaryFor, type InfraServices } from '../../terraform/infra-services.js';
import { planMessage } from '../../terraform/plan-message.js';
import { checkStackPaths } from '../../terraform/stack-checkout.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { openStack, planStack, withinTimeout } from '../../terraform/stack-run.js';
import type { JobKind } from '../kind.js';

export interface PlanPayload {
  stack: string;
  /** Extra var files from the command (`--var-file`), relative to the stack dir. */
  varFiles: string[];
}

export interface TerraformJobDeps {
  config: Config;
  infra: InfraServices;
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
      terraformBinaryFor(stack, deps.env); // a missing CLI fails here, before any lock is taken
      const say = (m: Parameters<typeof reporter.progress>[0]) => reporter.progress(m);

      const busy = await deps.infra.locks.holder(name);
      if (busy) await say({ text: `${describeHolder(name, busy)} Waiting up to ${Math.round(stack.lockTimeout / 1000)} s…` });
      const lock = await deps.infra.locks.acquire(name, { job: job.id, kind: 'plan', by: job.requester.displayName, since: Date.now() }, { waitMs: stack.lockTimeout, signal });
      let outcome;
      let commit: string | null;
      try {
        ({ outcome, commit } = await withinTimeout('plan', src, signal, async (limited) => {
          const open = await openStack(src, { env: deps.env, signal: limited, say });
          try {
            const at = open.checkout.commit;
            await say({ text: `Planning stack ${name} at ${at ? at.slice(0, 12) : 'a copy of its directory'}…` });
            return { outcome: await planStack(open, src, { varFiles, signal: limited, say }), commit: at };
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
