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
  sandbox: { dir: terraform/examples/local, approvers: ["group:sre"] }
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
    // admin is administration, not everything (it used to imply every action: an /audit right
    // was a deploy right)
    ['console:root', 'infra.approve', { stack: 'core' }, false],
    ['console:root', 'deploy', { app: 'web', environment: 'prod' }, false],
    ['console:root', 'cancel', {}, true],
    ['console:root', 'admin', { stack: 'core' }, true],
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

/** The attacks of a rule read wider than written, each against the rule that invited it. */
describe('a rule grants only what it names', () => {
  const scoped = new Policy(
    parseConfig(`
gitops: { url: /tmp/gitops.git }
apps:
  web: { image: ghcr.io/example/web, environments: { staging: { kind: kustomize, path: a.yaml }, prod: { kind: kustomize, path: b.yaml } } }
  api: { image: ghcr.io/example/api, environments: { prod: { kind: helm-values, path: v.yaml } } }
stacks:
  core: { dir: terraform, approvers: ["console:webadmin", "console:planner", "console:boss"] }
  sandbox: { dir: terraform/examples/local, approvers: ["console:planner"] }
access:
  rules:
    - subjects: ["console:webadmin"]
      actions: [admin, deploy, infra.plan, infra.approve, cancel]
      apps: [web]
    - subjects: ["console:stager"]
      actions: [deploy]
      environments: [staging]
    - subjects: ["console:planner"]
      actions: [infra.plan, infra.approve, deploy]
      stacks: [sandbox]
    - subjects: ["console:both"]
      actions: [deploy, infra.plan]
      apps: [api]
      stacks: [core]
    - subjects: ["console:boss"]
      actions: ["*"]
    - subjects: ["console:auditor"]
      actions: [admin]
`),
  );
  it.each<[Subject, Action, Resource, boolean]>([
    // { actions: [admin, …], apps: [web] }: web only — no stack, no administration
    ['console:webadmin', 'deploy', { app: 'web', environment: 'prod' }, true],
    ['console:webadmin', 'deploy', { app: 'api', environment: 'prod' }, false],
    ['console:webadmin', 'infra.plan', { stack: 'core' }, false],
    ['console:webadmin', 'infra.approve', { stack: 'sandbox' }, false],
    ['console:webadmin', 'admin', {}, false],
    ['console:webadmin', 'admin', { stack: 'core' }, false],
    ['console:webadmin', 'cancel', {}, false],
    // environments only: every app's staging, nothing else
    ['console:stager', 'deploy', { app: 'api', environment: 'staging' }, true],
    ['console:stager', 'deploy', { app: 'web', environment: 'prod' }, false],
    ['console:stager', 'infra.plan', { stack: 'sandbox' }, false],
    // stacks only: no app
    ['console:planner', 'infra.plan', { stack: 'sandbox' }, true],
    ['console:planner', 'infra.plan', { stack: 'core' }, false],
    ['console:planner', 'deploy', { app: 'web', environment: 'staging' }, false],
    // both named: both covered
    ['console:both', 'deploy', { app: 'api', environment: 'prod' }, true],
    ['console:both', 'infra.plan', { stack: 'core' }, true],
    ['console:both', 'infra.plan', { stack: 'sandbox' }, false],
    // "*" is the explicit way to grant everything
    ['console:boss', 'infra.approve', { stack: 'core' }, true],
    ['console:boss', 'deploy', { app: 'web', environment: 'prod' }, true],
    ['console:boss', 'admin', {}, true],
    // admin alone: administration, nothing else
    ['console:auditor', 'admin', {}, true],
    ['console:auditor', 'admin', { stack: 'core' }, true],
    ['console:auditor', 'cancel', {}, true],
    ['console:auditor', 'deploy', { app: 'web', environment: 'prod' }, false],
    ['console:auditor', 'infra.plan', { stack: 'core' }, false],
    ['console:auditor', 'infra.approve', { stack: 'core' }, false],
    // asked before the stack is known (/infra apply): "on any stack?"; precise once it is
    ['console:planner', 'infra.approve', {}, true],
    ['console:webadmin', 'infra.approve', {}, false],
    ['console:webadmin', 'deploy', {}, true],
  ])('%s %s %j → %s', (subject, action, resource, allowed) => {
    expect(scoped.can(subject, action, resource).allowed).toBe(allowed);
  });

  it('canApprove needs infra.approve on the stack itself: an app-scoped rule does not give it', () => {
    expect(scoped.canApprove('console:webadmin', 'core').allowed).toBe(false);
    expect(scoped.canApprove('console:boss', 'core').allowed).toBe(true);
  });

  it('/help shows only what some resource allows', () => {
    expect(scoped.mayEver('console:webadmin', 'infra.plan')).toBe(false);
    expect(scoped.mayEver('console:webadmin', 'admin')).toBe(false);
    expect(scoped.mayEver('console:planner', 'infra.plan')).toBe(true);
    expect(scoped.mayEver('console:auditor', 'deploy')).toBe(false);
  });
});

describe('people', () => {
  const people = new Policy(
    parseConfig(`
stacks:
  core: { dir: terraform, approvers: ["person:ann", "group:sre"] }
people:
  ann: ["slack:U0ANN", "telegram:111", "console:ann"]
groups:
  sre: ["person:ann", "slack:U0SRE"]
access:
  rules:
    - subjects: ["group:sre"]
      actions: [infra.plan, infra.approve]
`),
  );
  it('an account belongs to its person; an unlisted account is a person of its own', () => {
    expect(people.personOf('telegram:111')).toBe('person:ann');
    expect(people.samePerson('slack:U0ANN', 'telegram:111')).toBe(true);
    expect(people.samePerson('slack:U0ANN', 'slack:U0SRE')).toBe(false);
    expect(people.personOf('slack:U0SRE')).toBe('slack:U0SRE');
  });
  it('every account of a person answers to person:<name> and to the groups the person is in', () => {
    expect(people.identities('console:ann').has('person:ann')).toBe(true);
    expect(people.can('console:ann', 'infra.approve', { stack: 'core' }).allowed).toBe(true);
    expect(people.canApprove('telegram:111', 'core').allowed).toBe(true);
    expect(people.canApprove('telegram:222', 'core').allowed).toBe(false);
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
