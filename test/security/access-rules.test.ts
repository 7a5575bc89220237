import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_TIMEOUT } from './leaks.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { SKIP_REASON, TOFU, haveTofu, planIdOf, stackRepo } from '../terraform/stacks.js';

const APPS = {
  web: {
    image: 'ghcr.io/example/web',
    environments: {
      staging: { kind: 'kustomize', path: 'web/staging/kustomization.yaml' },
      prod: { kind: 'kustomize', path: 'web/prod/kustomization.yaml' },
    },
  },
};
const RULES = [
  // The issue's rule: someone given administration "for web"
  { subjects: ['console:webadmin'], actions: ['admin'], apps: ['web'] },
  // Someone given /audit
  { subjects: ['console:auditor'], actions: ['admin'] },
  { subjects: ['console:alice'], actions: ['infra.plan'], stacks: ['core', 'spare'] },
  { subjects: ['console:bob'], actions: ['infra.approve'], stacks: ['core'] },
  // The explicit way to grant everything
  { subjects: ['console:boss'], actions: ['*'] },
];

/**
 * Rules that grant only what they name, driven through the CLI: an admin rule scoped to an app
 * no longer applies Terraform stacks or deploys; administration (/audit) is not a deploy right;
 * check-config says which rules are wider or narrower than they look, and refuses a stack
 * without approvers.
 */
describe.skipIf(!haveTofu)(
  `access rules grant only what they name${haveTofu ? '' : ` — skipped: ${SKIP_REASON}`}`,
  { timeout: SUITE_TIMEOUT },
  () => {
    let redis: TestRedis;
    let client: Redis;
    let env: NodeJS.ProcessEnv;
    const config = writeConfig(
      stringify({
        gitops: { url: tempDir('opsbot-gitops-unused-') },
        apps: APPS,
        stacks: {
          core: { repo: stackRepo(), dir: 'infra', approvers: ['console:bob', 'console:webadmin'] },
          spare: { repo: stackRepo(), dir: 'infra', approvers: ['console:bob', 'console:boss'] },
        },
        access: { rules: RULES },
      }),
    );

    beforeAll(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
      env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: tempDir('opsbot-home-') });
    });
    afterAll(async () => {
      client.disconnect();
      await redis.close();
    });

    const exec = (as: string, line: string, workers = false) =>
      runOpsbot(['console', ...(workers ? [] : ['--no-workers']), '--as', as, '--exec', line], { env, timeoutMs: 120_000 });
    const queued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);

    it('{actions: [admin], apps: [web]} neither plans nor approves a stack, nor deploys, nor reads the audit', async () => {
      const planned = await exec('alice', '/infra plan core', true);
      expect(planned.code, planned.stdout).toBe(0);
      const id = planIdOf(planned.stdout);
      const before = await queued();
      for (const [line, reply] of [
        ['/infra plan core', 'Denied: console:webadmin may not infra.plan on stack core: no access rule allows it.'],
        [`/infra apply ${id}`, 'Denied: console:webadmin may not infra.approve: no access rule allows it.'],
        ['/deploy web 1.2.3 prod', 'Denied: console:webadmin may not deploy on app web, environment prod: no access rule allows it.'],
        ['/infra unlock core', 'Denied: console:webadmin may not admin on stack core'],
        ['/audit', 'Denied: console:webadmin may not admin: no access rule allows it.'],
      ] as const) {
        const res = await exec('webadmin', line);
        expect(res.code, `${line}\n${res.stdout}`).toBe(2);
        expect(res.stdout).toContain(reply);
      }
      expect(await queued()).toBe(before);
      expect(await client.hget(`opsbot:plan:${id}`, 'state')).toBe('pending');
      const audit = (await client.xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' '));
      expect(audit.filter((a) => a.includes('console:webadmin') && a.includes('denied')).length).toBeGreaterThanOrEqual(5);
    });

    it('admin is administration: /audit and /infra unlock, but no deploy and no plan', async () => {
      const audit = await exec('auditor', '/audit 3');
      expect(audit.code, audit.stdout).toBe(0);
      const unlock = await exec('auditor', '/infra unlock core');
      expect(unlock.code, unlock.stdout).toBe(0);
      expect(unlock.stdout).toContain('Stack core was not locked.');
      const before = await queued();
      for (const [line, reply] of [
        ['/deploy web 1.2.3 staging', 'Denied: console:auditor may not deploy on app web, environment staging'],
        ['/infra plan core', 'Denied: console:auditor may not infra.plan on stack core'],
      ] as const) {
        const res = await exec('auditor', line);
        expect(res.code).toBe(2);
        expect(res.stdout).toContain(reply);
      }
      expect(await queued()).toBe(before);
      const help = await exec('auditor', '/help');
      expect(help.stdout).toContain('/audit');
      expect(help.stdout).not.toContain('/deploy <app');
      expect(help.stdout).not.toContain('/infra plan');
    });

    it("a rule scoped to a stack is enough to approve that stack's plans", async () => {
      const planned = await exec('alice', '/infra plan core', true);
      const id = planIdOf(planned.stdout);
      const approved = await exec('bob', `/infra apply ${id}`, true);
      expect(approved.code, approved.stdout).toBe(0);
      expect(approved.stdout).toContain('✔ Applied: stack core');
    });

    it('"*" grants everything, and a stack approver with it approves', async () => {
      const help = await exec('boss', '/help');
      for (const usage of ['/deploy <app|group>', '/infra plan', '/audit', '/rollback']) expect(help.stdout).toContain(usage);
      const planned = await exec('alice', '/infra plan spare', true);
      const id = planIdOf(planned.stdout);
      // bob's rule names core only: approving spare, where he is listed, is still not his to do
      const bob = await exec('bob', `/infra apply ${id}`);
      expect(bob.stdout).toContain('Denied: console:bob may not infra.approve on stack spare');
      const approved = await exec('boss', `/infra apply ${id}`, true);
      expect(approved.code, approved.stdout).toBe(0);
      expect(approved.stdout).toContain('✔ Applied: stack spare');
    });

    it('check-config names the rules wider or narrower than they look', async () => {
      const res = await runOpsbot(['check-config', '--config', config], { env });
      expect(res.code).toBe(0);
      const warnings = res.stderr.trim().split('\n');
      expect(warnings).toEqual([
        'opsbot: warning: access.rules.0: grants admin nowhere: admin is administration: /audit, /diagnose and cancelling jobs are about no app, environment or stack, /infra unlock about stacks, and a rule that names apps covers only those (put admin in a rule that names no apps, environments or stacks)',
        'opsbot: warning: access.rules.4: "*" grants every action — deploy, rollback, config, infra.plan, infra.approve, cancel and administration (admin), on every app, environment and stack',
      ]);
    });

    it('check-config refuses a stack without approvers (exit 2, the field and why)', async () => {
      const bad = writeConfig(stringify({ stacks: { core: { dir: 'infra' }, open: { dir: 'infra', approvers: [] } } }));
      const res = await runOpsbot(['check-config', '--config', bad], { env });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('stacks.core.approvers: is required: who may approve plans of this stack');
      expect(res.stderr).toContain(
        'stacks.open.approvers: needs at least one approver: without one, anyone with infra.approve could apply this stack',
      );
    });
  },
);
