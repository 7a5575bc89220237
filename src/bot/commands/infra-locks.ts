import { describeHolder } from '../../terraform/stack-lock.js';
import { defineCommand, expectArgs } from './spec.js';

export const infraLocks = defineCommand({
  name: 'infra locks',
  usage: '/infra locks',
  summary: 'Which stacks are locked by a running plan or apply, by whom, since when',
  // Read-only, like /jobs.
  action: 'jobs',
  parse(line) {
    expectArgs(infraLocks, line, { min: 0, max: 0 });
    return {};
  },
  target: () => 'stacks',
  async handle({ deps }) {
    const locks = await deps.infra.locks.list();
    if (locks.length === 0) return { kind: 'reply', message: { text: 'No stack is locked.' } };
    const lines = locks.map((l) => `${describeHolder(l.stack, l.holder)} (lease renews; expires in ${Math.ceil(l.ttlMs / 1000)} s if its worker stops)`);
    return { kind: 'reply', message: { title: 'Locked stacks', code: lines.join('\n'), context: 'A stuck lock: /infra unlock <stack> (admins).' } };
  },
});
