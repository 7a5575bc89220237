import { audit } from './audit.js';
import { cancel } from './cancel.js';
import { config } from './config.js';
import { deploy } from './deploy.js';
import { deployIgnore } from './deploy-ignore.js';
import { deployApprove, deployReject } from './deploy-review.js';
import { diagnose } from './diagnose.js';
import { history } from './history.js';
import { rollback } from './rollback.js';
import { status } from './status.js';
import { help } from './help.js';
import { infraApply } from './infra-apply.js';
import { infraDrift } from './infra-drift.js';
import { infraForceUnlock } from './infra-force-unlock.js';
import { infraLocks } from './infra-locks.js';
import { infraPlan } from './infra-plan.js';
import { infraReject } from './infra-reject.js';
import { infraUnlock } from './infra-unlock.js';
import { jobs } from './jobs.js';
import type { CommandSpec } from './spec.js';

/** Every chat command, in the order /help lists them. */
export const ALL_COMMANDS: readonly CommandSpec<never>[] = [
  help,
  deploy,
  deployApprove,
  deployReject,
  deployIgnore,
  rollback,
  config,
  history,
  status,
  infraPlan,
  infraApply,
  infraReject,
  infraDrift,
  infraLocks,
  infraUnlock,
  infraForceUnlock,
  jobs,
  cancel,
  diagnose,
  audit,
] as unknown as CommandSpec<never>[];
