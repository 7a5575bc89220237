import { describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';

/** A config that is valid YAML and valid opsbot config, but names secrets the environment lacks. */
const CONFIG = writeConfig(`
gitops:
  url: https://github.com/example/gitops.git
  github: { owner: example, repo: gitops }
stacks:
  net: { dir: infra/net, env: [ARM_CLIENT_SECRET], approvers: ["console:alice"] }
chat:
  slack: {}
`);

const env = (extra: Record<string, string | undefined> = {}) =>
  // No REDIS_URL: a refusal must come before anything tries to connect.
  baseEnv({ OPSBOT_CONFIG: CONFIG, PORT: '0', SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: undefined, ARM_CLIENT_SECRET: undefined, ...extra });

describe('start refuses a config whose secrets are not in the environment', () => {
  it.each<[string, string[], string[]]>([
    [
      'start',
      ['start', '--no-console'],
      [
        'opsbot: GITHUB_TOKEN is not set (needed by gitops.github)',
        'opsbot: ARM_CLIENT_SECRET is not set (needed by stacks.net.env)',
        'opsbot: SLACK_BOT_TOKEN is not set (needed by chat.slack)',
        'opsbot: SLACK_SIGNING_SECRET is not set (needed by chat.slack)',
      ],
    ],
    [
      'bot (chat side only)',
      ['bot'],
      ['opsbot: SLACK_BOT_TOKEN is not set (needed by chat.slack)', 'opsbot: SLACK_SIGNING_SECRET is not set (needed by chat.slack)'],
    ],
    [
      'worker (job side only)',
      ['worker'],
      ['opsbot: GITHUB_TOKEN is not set (needed by gitops.github)', 'opsbot: ARM_CLIENT_SECRET is not set (needed by stacks.net.env)'],
    ],
  ])('%s exits 2, one line per missing variable', async (_title, args, lines) => {
    const res = await runOpsbot(args, { env: env() });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual(lines);
  });

  it('with the variables set, it gets past the check (and stops at the next thing: no REDIS_URL)', async () => {
    const res = await runOpsbot(['worker'], { env: env({ GITHUB_TOKEN: 'x', ARM_CLIENT_SECRET: 'y' }) });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('REDIS_URL is not set');
    expect(res.stderr).not.toContain('is not set (needed by');
  });

  it('check-config only warns, and exits 0', async () => {
    const res = await runOpsbot(['check-config'], { env: env({ GITHUB_TOKEN: 'x' }) });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(': valid');
    expect(res.stderr).toContain('opsbot: warning: ARM_CLIENT_SECRET is not set (needed by stacks.net.env)');
    expect(res.stderr).not.toContain('GITHUB_TOKEN');
  });
});
