import { defineCommand, expectArgs } from './spec.js';

export const diagnose = defineCommand({
  name: 'diagnose',
  usage: '/diagnose',
  summary: 'Check what a worker can reach: Redis, git, Terraform (admins)',
  // It runs on a worker and reveals versions and paths: operators only.
  action: 'admin',
  parse(line) {
    expectArgs(diagnose, line, { min: 0, max: 0 });
    return {};
  },
  target: () => 'worker',
  async handle({ command, deps }) {
    const job = await deps.queues.enqueue('diagnose', {}, { requester: command.actor, conversation: command.conversation, target: 'worker' });
    return { kind: 'queued', jobId: job.id, message: { status: 'progress', text: `Queued as job ${job.id}: diagnose.` } };
  },
});
