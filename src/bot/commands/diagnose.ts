import { defineCommand, expectArgs, queueJob } from './spec.js';

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
  handle(ctx) {
    return queueJob(ctx, 'diagnose', {}, 'worker', 'diagnose');
  },
});
