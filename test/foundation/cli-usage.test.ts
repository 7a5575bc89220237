import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, ROOT, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('the opsbot command line, as the README promises', () => {
  it.each([
    [[], /Usage: opsbot/],
    [
      ['deploy', 'web', '1.2.3'],
      /unknown command 'deploy'[\s\S]*"deploy" is a chat command; from a terminal: opsbot console --exec "\/deploy <app\|group> <tag> \[env\]"/,
    ],
    [['strat'], /unknown command 'strat'[\s\S]*Did you mean start\?/],
    [['console', '--bogus'], /unknown option '--bogus'/],
    [['redis'], /Usage: opsbot redis/],
  ])('bad usage %j exits 2 and says why', async (args, why) => {
    const res = await runOpsbot(args as string[]);
    expect(res.code).toBe(2);
    expect(res.stdout + res.stderr).toMatch(why);
  });

  it('--version and -V print the version; --help and help exit 0', async () => {
    for (const flag of ['--version', '-V']) expect(await runOpsbot([flag])).toMatchObject({ code: 0, stdout: `${version}\n` });
    for (const args of [['--help'], ['help'], ['console', '--help']]) expect((await runOpsbot(args)).code).toBe(0);
  });

  it('check-config reports a token-like value, schema problems, a bad cron and undefined groups in one round', async () => {
    const file = writeConfig(
      'chat:\n  slack:\n    channels: ["xoxb-123456789012-abcdefghijkl"]\nworkers: { concurrency: "two" }\ncolour: blue\n' +
        'stacks:\n  core: { dir: infra, driftCheck: "every day", approvers: ["group:ops"] }\n' +
        'access:\n  rules:\n    - subjects: ["group:admins"]\n      actions: [deploy]\n',
    );
    const res = await runOpsbot(['check-config', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([
      `opsbot: ${file}: invalid configuration`,
      '  chat.slack.channels.0: looks like a Slack token; secrets must come from the environment, never from the config file',
      expect.stringMatching(/^ {2}stacks\.core\.driftCheck: must be a cron expression of five fields/),
      '  workers.concurrency: must be number, got string',
      '  (file): unknown key "colour"',
      '  access.rules.0.subjects.0: group "admins" is not defined under groups (defined: none)',
      '  stacks.core.approvers.0: group "ops" is not defined under groups (defined: none)',
    ]);
    expect(res.stderr).not.toContain('xoxb-');
  });

  it('/help lists the apps, environments and stacks this person may act on, and nothing else', async () => {
    const repo = tempDir('opsbot-gitops-');
    const config = writeConfig(
      `gitops: { url: ${repo} }\n` +
        'apps:\n  web:\n    image: ghcr.io/example/web\n    environments:\n      staging: { kind: kustomize, path: web/staging.yaml }\n      prod: { kind: kustomize, path: web/prod.yaml }\n' +
        '  api:\n    image: ghcr.io/example/api\n    environments:\n      prod: { kind: kustomize, path: api/prod.yaml }\n' +
        'stacks:\n  core: { dir: infra, approvers: ["console:carol"] }\n  net: { dir: net, approvers: ["console:carol"] }\n' +
        'access:\n  everyone: [jobs]\n  rules:\n    - subjects: ["console:bob"]\n      actions: [deploy, status]\n      apps: [web]\n      environments: [staging]\n' +
        '    - subjects: ["console:bob"]\n      actions: [infra.plan]\n      stacks: [core]\n',
    );
    const env = baseEnv({ OPSBOT_CONFIG: config, OPSBOT_HOME: tempDir('opsbot-home-') });
    const res = await runOpsbot(['console', '--as', 'bob', '--exec', '/help'], { env });
    expect(res.code).toBe(0);
    const table = res.stdout.slice(res.stdout.indexOf('app / stack'));
    expect(
      table
        .split('\n')
        .slice(0, 3)
        .map((l) => l.trim().replace(/\s{2,}/g, ' | ')),
    ).toEqual(['app / stack | environment | you may', 'web | staging | deploy, status', 'stack core | plan']);
    expect(res.stdout).not.toMatch(/^\s*api\s/m);
    expect(res.stdout).not.toMatch(/stack net/);
  });
});
