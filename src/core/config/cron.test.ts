import { describe, expect, it } from 'vitest';
import { cronProblem } from './cron.js';

describe('cronProblem (driftCheck)', () => {
  it.each(['0 6 * * 1-5', '*/15 * * * *', '0 6 * * MON-FRI', '30 2 1 * *', '@daily', '@hourly'])('accepts %s', (e) =>
    expect(cronProblem(e)).toBeUndefined(),
  );

  it.each([
    ['every day', /five fields .* got 2 fields/],
    ['0 0 6 * * 1-5', /five fields .* got 6 fields/],
    ['* * *', /got 3 fields/],
    ['61 * * * *', /not a valid cron expression: .*61/],
    ['0 6 * * 8', /not a valid cron expression: .*8/],
    ['@sometimes', /got 1 field$/],
  ])('refuses %s', (e, why) => expect(cronProblem(e)).toMatch(why));
});

describe('the cron parser', () => {
  it('is the very one BullMQ schedules drift checks with, so what passes here is what runs', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const ours = (require('cron-parser/package.json') as { version: string }).version;
    const bullmq = require('bullmq/package.json') as { dependencies: Record<string, string> };
    expect(ours).toBe(bullmq.dependencies['cron-parser']);
  });
});
