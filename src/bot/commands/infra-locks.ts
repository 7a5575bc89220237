import { describeHold } from '../../terraform/review-lock.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { defineCommand, expectArgs } from './spec.js';

export const infraLocks = defineCommand({
  name: 'infra locks',
  usage: '/infra locks',
  summary: 'Which stacks are locked (a running plan or apply, or a plan awaiting apply), by whom, since when, for which pull request',
  // Read-only, like /jobs.
  action: 'jobs',
  parse(line) {
    expectArgs(infraLocks, line, { min: 0, max: 0 });
    return {};
  },
  target: () => 'stacks',
  async handle({ deps }) {
    const [locks, holds] = await Promise.all([deps.infra.locks.list(), deps.infra.holds.list()]);
    if (locks.length === 0 && holds.length === 0) return { kind: 'reply', message: { text: 'No stack is locked.' } };
    const lines = [
      ...locks.map((l) => `${describeHolder(l.stack, l.holder)} (lease renews; expires in ${Math.ceil(l.ttlMs / 1000)} s if its worker stops)`),
      ...holds.map(
        (h) =>
          `${describeHold(h.stack, h.hold)} (plan-to-apply; frees on apply, rejection${h.hold.pr ? ', merge' : ''} or in ${Math.ceil(h.ttlMs / 60_000)} min)`,
      ),
    ];
    return {
      kind: 'reply',
      message: {
        title: 'Locked stacks',
        code: lines.join('\n'),
        context: 'A stuck lock: /infra unlock <stack> (admins, or for a plan-to-apply lock an approver of the stack).',
      },
    };
  },
});
