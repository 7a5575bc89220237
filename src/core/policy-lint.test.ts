import { describe, expect, it } from 'vitest';
import { parseConfig } from './config/load.js';
import { accessWarnings } from './policy-lint.js';

const STACKS = `
apps:
  web: { image: ghcr.io/example/web, environments: { prod: { kind: kustomize, path: b.yaml } } }
gitops: { url: /tmp/gitops.git }
stacks:
  core: { dir: terraform, approvers: ["group:sre"] }
groups:
  sre: ["slack:U0SRE"]
  everyone: ["slack:*"]
`;
const warn = (rules: string, extra = '') =>
  accessWarnings(parseConfig(`${STACKS}${extra}\naccess:\n  rules:\n${rules}`)).map((w) => `${w.path}: ${w.message}`);

describe('check-config warnings about access rules', () => {
  it('an app in a rule that opsbot.yaml does not define: covered only while annotations declare it', () => {
    expect(warn('    - { subjects: ["slack:U1"], actions: [deploy], apps: [web, api] }')).toEqual([
      'access.rules.0.apps.1: app "api" is not in opsbot.yaml: the rule covers it only while argocd-image-updater annotations on an Application declare it',
    ]);
  });

  it.each<[string, string, string]>([
    [
      'admin scoped to an app grants nothing',
      '    - { subjects: ["slack:U1"], actions: [admin], apps: [web] }',
      'access.rules.0: grants admin nowhere: admin is administration: /audit, /diagnose and cancelling jobs are about no app, environment or stack, /infra unlock about stacks, and a rule that names apps covers only those (put admin in a rule that names no apps, environments or stacks)',
    ],
    [
      'a stack action in an app-scoped rule',
      '    - { subjects: ["slack:U1"], actions: [deploy, infra.plan], apps: [web] }',
      'access.rules.0: grants infra.plan nowhere: infra.plan is about stacks, and a rule that names apps covers only those (put infra.plan in a rule that names stacks)',
    ],
    [
      'cancel in a scoped rule',
      '    - { subjects: ["slack:U1"], actions: [infra.plan, cancel], stacks: [core] }',
      'access.rules.0: grants cancel nowhere: cancel is about no app, environment or stack, and a rule that names stacks covers only those (put cancel in a rule that names no apps, environments or stacks)',
    ],
    [
      'admin with stacks',
      '    - { subjects: ["slack:U1"], actions: [admin], stacks: [core] }',
      'access.rules.0: admin with stacks grants only /infra unlock of those stacks',
    ],
    [
      'every action',
      '    - { subjects: ["slack:U1"], actions: ["*"] }',
      'access.rules.0: "*" grants every action — deploy, rollback, config, infra.plan, infra.approve, cancel and administration (admin), on every app, environment and stack',
    ],
    [
      'a whole workspace may deploy',
      '    - { subjects: ["slack:*"], actions: [deploy], environments: [prod] }',
      'access.rules.0: anyone in the Slack workspace may deploy, on environments prod',
    ],
    [
      'a whole workspace through a group',
      '    - { subjects: ["group:everyone"], actions: [infra.plan] }',
      'access.rules.0: anyone in the Slack workspace (slack:* is in group:everyone) may infra.plan, on every app, environment and stack',
    ],
  ])('%s', (_what, rules, expected) => {
    expect(
      warn(rules).some((w) => w.startsWith(expected)),
      warn(rules).join('\n'),
    ).toBe(true);
  });

  it('a stack approver list open to a whole platform', () => {
    const w = accessWarnings(parseConfig('stacks:\n  core: { dir: t, approvers: ["telegram:*"] }\n'));
    expect(w).toEqual([
      {
        path: 'stacks.core.approvers.0',
        message: 'anyone on Telegram who can message the bot who also has infra.approve on stack core may approve its plans',
      },
    ]);
  });

  it('says nothing about rules that grant exactly what they say', () => {
    expect(
      warn(
        '    - { subjects: ["group:sre"], actions: [deploy, rollback], apps: [web], environments: [prod] }\n    - { subjects: ["group:sre"], actions: [infra.plan, infra.approve], stacks: [core] }\n    - { subjects: ["console:*"], actions: [deploy] }\n    - { subjects: ["slack:U1"], actions: [admin] }',
      ),
    ).toEqual([]);
  });
});
