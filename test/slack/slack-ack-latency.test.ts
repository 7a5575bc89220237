import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowGitPath } from '../support/slow-git.js';
import { startSlackRig, type SlackRig, WEB_STAGING_APP } from './slack-harness.js';

const CONFIG = `
${WEB_STAGING_APP}access:
  rules:
    - subjects: ["slack:U0ALICE"]
      actions: [deploy]
workers: { shutdownGrace: 1s }
`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Slack allows 3 s to ack. The figure is printed, not asserted: timings depend on the machine. */
describe('Slack: ack latency while the workers are busy', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    // Every git call of the worker takes 2 s longer: deploys hold both workers for many seconds.
    rig = await startSlackRig({ configTail: CONFIG, env: async () => ({ PATH: slowGitPath(2) }) });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('acks slash commands at once while deploys run', async () => {
    for (const tag of ['5.0.1', '5.0.2', '5.0.3']) expect((await rig.slash('/deploy', `web ${tag} staging`)).json?.text).toMatch(/Queued as job/);
    await new Promise((r) => setTimeout(r, 500));
    const timings: number[] = [];
    for (let i = 0; i < 30; i++) {
      const ack = await (i % 2 ? rig.slash('/jobs', '') : rig.slash('/deploy', `web 6.0.${i} staging`));
      expect(ack.status).toBe(200);
      expect(ack.json?.response_type).toBe('ephemeral');
      timings.push(ack.ms);
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const figure = `Slack ack latency with busy workers (30 signed slash commands, sequential): p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
    console.log(figure);
    // The workers really were busy: most of the deploys asked for are still waiting.
    expect((await rig.audit()).filter((e) => e.action === 'job.deploy' && e.result === 'succeeded').length).toBeLessThan(10);
  });
});
