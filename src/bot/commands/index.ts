import { audit } from './audit.js';
import { cancel } from './cancel.js';
import { diagnose } from './diagnose.js';
import { help } from './help.js';
import { jobs } from './jobs.js';
import type { CommandSpec } from './spec.js';

/** Every chat command, in the order /help lists them. */
export const ALL_COMMANDS: readonly CommandSpec<never>[] = [help, jobs, cancel, diagnose, audit] as unknown as CommandSpec<never>[];
