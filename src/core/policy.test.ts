import { describe, expect, it } from 'vitest';
import { parseConfig } from './config/load.js';
import { Policy, type Resource, type Subject } from './policy.js';
import type { Action } from './config/schema.js';

const config = parseConfig(`
gitops: { url: /tmp/gitops.git }
apps:
  web: { image: ghcr.io/example/web, environments: { staging: { kind: kustomize, path: a.yaml }, prod: { kind: kustomize, path: b.yaml } } }
  api: { image: ghcr.io/example/api, environments: { prod: { kind: helm-values, path: v.yaml } } }
stacks:
  core: { dir: terraform, approvers: ["group:sre"] }
  sandbox: { dir: terraform/examples/local }
groups:
  sre: ["slack:U0SRE1", "telegram:42"]
  devs: ["slack:U0DEV1", "console:*"]
access:
  rules:
    - subjects: ["group:devs"]
      actions: [deploy, rollback]
      environments: [staging]
    - subjects: ["group:sre"]
      actions: [deploy, rollback, infra.plan, infra.approve, cancel]
    - subjects: ["slack:U0DEV1"]
      actions: [infra.plan]
      stacks: ["sand*"]
    - subjects: ["console:root"]
      actions: [admin]
`);
const policy = new Policy(config);

describe('Policy.can', () => {
  it.each<[Subject, Action, Resource, boolean]>([
    ['slack:U0DEV1', 'deploy', { app: 'web', environment: 'staging' }, true],
    ['slack:U0DEV1', 'deploy', { app: 'web', environment: 'prod' }, false],
    ['console:alice', 'deploy', { app: 'api', environment: 'staging' }, true],
    ['console:alice', 'rollback', { app: 'web', environment: 'prod' }, false],
    ['slack:U0SRE1', 'deploy', { app: 'web', environment: 'prod' }, true],
    ['telegram:42', 'infra.approve', { stack: 'core' }, true],
    ['telegram:43', 'infra.approve', { stack: 'core' }, false],
    ['slack:U0DEV1', 'infra.plan', { stack: 'sandbox' }, true],
    ['slack:U0DEV1', 'infra.plan', { stack: 'core' }, false],
    ['slack:UNKNOWN', 'deploy', { app: 'web', environment: 'staging' }, false],
    ['slack:UNKNOWN', 'status', { app: 'web' }, true],
    ['slack:UNKNOWN', 'jobs', {}, true],
    ['slack:UNKNOWN', 'cancel', {}, false],
    ['console:root', 'infra.approve', { stack: 'core' }, true],
    ['console:root', 'deploy', { app: 'web', environment: 'prod' }, true],
    // a platform prefix is part of the identity: the same id on another platform is someone else
    ['telegram:U0SRE1', 'deploy', { app: 'web', environment: 'prod' }, false],
  ])('%s %s %j → %s', (subject, action, resource, allowed) => {
    expect(policy.can(subject, action, resource).allowed).toBe(allowed);
  });

  it('explains a denial in words a user can act on', () => {
    const d = policy.can('slack:U0DEV1', 'deploy', { app: 'web', environment: 'prod' });
    expect(d.reason).toContain('slack:U0DEV1 may not deploy on app web, environment prod');
    expect(d.reason).toContain('access.rules');
  });

  it('read-only actions stop being public when removed from access.everyone', () => {
    const strict = new Policy(parseConfig('access: { everyone: [] }'));
    expect(strict.can('slack:U1', 'status').allowed).toBe(false);
  });
});

describe('Policy.canApprove', () => {
  it('needs both a place in the stack approvers and the infra.approve right', () => {
    expect(policy.canApprove('telegram:42', 'core').allowed).toBe(true);
    expect(policy.canApprove('slack:U0DEV1', 'core').reason).toContain('not an approver of stack core');
    expect(policy.canApprove('slack:U0DEV1', 'sandbox').allowed).toBe(false);
  });
});

describe('Policy.mayEver', () => {
  it('answers what /help shows', () => {
    expect(policy.mayEver('console:bob', 'deploy')).toBe(true);
    expect(policy.mayEver('console:bob', 'infra.approve')).toBe(false);
    expect(policy.mayEver('console:bob', 'jobs')).toBe(true);
  });
});
