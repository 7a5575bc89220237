import { describe, expect, it } from 'vitest';
import { COMMANDS_CONFIG, config, FakeGitopsRepo, jobContext } from '../../../test/support/fakes.js';
import { historyJob } from './history.js';

const CONFIG = config(COMMANDS_CONFIG);

describe('history job', () => {
  it('lists the deploys read from the tag file, newest first, with who and which commit', async () => {
    const repo = new FakeGitopsRepo({});
    repo.records = [
      {
        sha: 'a'.repeat(40),
        verb: 'deploy',
        tag: '1.5.0',
        from: '1.4.3',
        requestedBy: 'alice (console:alice)',
        when: '2026-11-25T10:00:00Z',
        byOpsbot: true,
      },
      { sha: 'b'.repeat(40), verb: 'deploy', tag: '1.4.3', from: null, requestedBy: 'ci-bot', when: '2026-11-24T09:30:00Z', byOpsbot: false },
    ];
    const { ctx } = jobContext('history', { app: 'web', env: 'staging', n: 5 });
    const message = await historyJob({ config: CONFIG, repo }).run(ctx);
    expect(message.title).toBe('History of web in staging (last 2)');
    expect(message.code?.split('\n')).toEqual([
      'when              tag    commit    by',
      `2026-11-25 10:00  1.5.0  ${'a'.repeat(8)}  alice (console:alice)  ← current`,
      `2026-11-24 09:30  1.4.3  ${'b'.repeat(8)}  ci-bot`,
    ]);
  });

  it('says when the file has no deploys', async () => {
    const { ctx } = jobContext('history', { app: 'web', env: 'staging', n: 5 });
    const message = await historyJob({ config: CONFIG, repo: new FakeGitopsRepo({}) }).run(ctx);
    expect(message.text).toBe('No deploys of ghcr.io/example/web found in apps/web/staging/kustomization.yaml.');
  });

  it('an app gone from the configuration fails with E_UNKNOWN_APP', async () => {
    const { ctx } = jobContext('history', { app: 'worker', env: 'prod', n: 5 });
    await expect(historyJob({ config: CONFIG, repo: new FakeGitopsRepo({}) }).run(ctx)).rejects.toMatchObject({ code: 'E_UNKNOWN_APP' });
  });
});
