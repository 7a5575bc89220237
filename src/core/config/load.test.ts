import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './load.js';

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('config was accepted');
}

const APP = `
gitops: { url: /tmp/g.git }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      prod: { kind: kustomize, path: apps/web/overlays/prod/kustomization.yaml }
`;

/** APP with an app-level `verify` and, unless `pin` is '', `pin: digest`. */
const verified = (verify: string, pin = ', pin: digest') =>
  APP.replace('    environments:', `    verify: ${verify}\n    environments:`).replace('kustomization.yaml }', `kustomization.yaml${pin} }`);

describe('parseConfig', () => {
  it('verify.cosign: needs pin: digest wherever it applies, and a plain file path', () => {
    expect(problems(verified('{ cosign: { key: web.pub } }', ''))).toEqual([
      'apps.web.environments.prod.pin: must be "digest": prod requires verified signatures, which are checked on the digest that is committed (a tag could be moved to another image after the check)',
    ]);
    expect(problems(verified('{ cosign: { key: "k8s://ns/secret" } }'))[0]).toMatch(
      /^apps\.web\.verify\.cosign\.key: must be the path of a PEM public key file/,
    );
    expect(problems(verified('{ cosign: { key: web.pub, identity: me } }'))).toEqual(['apps.web.verify.cosign: unknown key "identity"']);
    expect(problems(verified('{ notary: {} }'))[0]).toMatch(/^apps\.web\.verify/);
  });

  it('pin: digest — accepted for kustomize and manifests; for Helm only on a digest key', () => {
    expect(parseConfig(APP.replace('kustomization.yaml }', 'kustomization.yaml, pin: digest }')).apps.web?.environments.prod?.pin).toBe('digest');
    const helm = (key: string) =>
      APP.replace(
        '{ kind: kustomize, path: apps/web/overlays/prod/kustomization.yaml }',
        `{ kind: helm-values, path: v.yaml, key: ${key}, pin: digest }`,
      );
    expect(parseConfig(helm('image.digest')).apps.web?.environments.prod).toMatchObject({ key: 'image.digest', pin: 'digest' });
    expect(problems(helm('image.tag'))).toEqual([
      'apps.web.environments.prod.key: with pin: digest, "key" must be the chart\'s digest value (a key ending in "digest", e.g. "image.digest")',
    ]);
    expect(problems(APP.replace('kustomization.yaml }', 'kustomization.yaml, pin: sha }'))[0]).toMatch(/^apps\.web\.environments\.prod\.pin: /);
  });

  it('an image name the registry API could not be asked about is refused', () => {
    expect(problems(APP.replace('ghcr.io/example/web', 'ghcr.io:99999/web'))).toEqual([
      'apps.web.image: "ghcr.io:99999/web" is not an image name: port 99999 is out of range',
    ]);
  });

  it('accepts an empty file, with defaults', () => {
    const c = parseConfig('');
    expect(c.apps).toEqual({});
    expect(c.access.everyone).toEqual(['status', 'history', 'jobs']);
    expect(c.workers.concurrency).toBe(2);
  });

  it('fills defaults for apps and stacks', () => {
    const c = parseConfig(`${APP}\nstacks:\n  core: { dir: terraform, planTtl: 10m, approvers: ["console:bob"] }\n`);
    expect(c.apps.web?.environments.prod?.protected).toBe(false);
    expect(c.gitops?.author).toEqual({ name: 'opsbot', email: 'opsbot@localhost' });
    expect(c.stacks.core).toMatchObject({ branch: 'main', approvalsRequired: 1, requesterMayApprove: false, planTtl: 600_000 });
    expect(c.stacks.core).toMatchObject({ planTimeout: 30 * 60_000, applyTimeout: 2 * 3_600_000, postOutputs: false, extraVarFiles: [] });
    expect(c.terraform).toEqual({ sandbox: true });
  });

  it.each([
    ['malformed YAML', 'apps: [unclosed', /^: YAML syntax: .*line 1/],
    ['duplicate keys', 'apps: {}\napps: {}', /^: YAML syntax: Map keys must be unique/],
    ['an unknown top-level key', 'colour: blue', /^: unknown key "colour"/],
    [
      'an unknown nested key',
      `${APP.replace('kind: kustomize,', 'kind: kustomize, colour: red,')}`,
      /^apps\.web\.environments\.prod: unknown key "colour"/,
    ],
    ['a wrong type', 'workers: { concurrency: "many" }', /^workers\.concurrency: must be number, got string/],
    ['a missing path', APP.replace(', path: apps/web/overlays/prod/kustomization.yaml', ''), /^apps\.web\.environments\.prod\.path: is required/],
    [
      'a path escaping the repo',
      APP.replace('apps/web/overlays', '../web/overlays'),
      /^apps\.web\.environments\.prod\.path: must be a relative path/,
    ],
    ['an absolute path', APP.replace('apps/web/overlays', '/etc/web/overlays'), /^apps\.web\.environments\.prod\.path: must be a relative path/],
    ['an unknown manifest kind', APP.replace('kind: kustomize', 'kind: jsonnet'), /^apps\.web\.environments\.prod\.kind: must be one of/],
    ['a bad app name', APP.replace('  web:', '  Web_App:'), /^apps\.Web_App: app name must be lowercase/],
    ['a bad duration', 'stacks: { core: { dir: t, planTtl: soon } }', /^stacks\.core\.planTtl: must be a duration/],
    ['a stack dir with ..', 'stacks: { core: { dir: ../../etc } }', /^stacks\.core\.dir: must be a relative path/],
    [
      'a var file with shell syntax',
      'stacks: { core: { dir: t, varFiles: ["$(id).tfvars"] } }',
      /^stacks\.core\.varFiles\.0: must be a relative path/,
    ],
    ['a bad subject', 'access: { rules: [ { subjects: ["bob"], actions: [deploy] } ] }', /^access\.rules\.0\.subjects\.0: must be "slack:/],
    ['an unknown action', 'access: { rules: [ { subjects: ["console:bob"], actions: [destroy] } ] }', /^access\.rules\.0\.actions\.0: /],
    [
      'an undefined group',
      'access: { rules: [ { subjects: ["group:ops"], actions: [deploy] } ] }',
      /^access\.rules\.0\.subjects\.0: group "ops" is not defined/,
    ],
    [
      'an undefined app in a rule (apps from argocd-image-updater annotations off)',
      `${APP}\nargocd: { imageUpdater: { enabled: false } }\naccess: { rules: [ { subjects: ["console:bob"], actions: [deploy], apps: [api] } ] }`,
      /^access\.rules\.0\.apps\.0: app "api" is not defined \(defined: web\)/,
    ],
    [
      'an undefined stack in a rule',
      'access: { rules: [ { subjects: ["console:bob"], actions: [infra.plan], stacks: [core] } ] }',
      /^access\.rules\.0\.stacks\.0: stack "core" is not defined/,
    ],
    [
      'an undefined group among approvers',
      'stacks: { core: { dir: t, approvers: ["group:sre"] } }',
      /^stacks\.core\.approvers\.0: group "sre" is not defined/,
    ],
    ['a stack without approvers', 'stacks: { core: { dir: t } }', /^stacks\.core\.approvers: is required: who may approve plans of this stack/],
    [
      'a stack with an empty approver list',
      'stacks: { core: { dir: t, approvers: [] } }',
      /^stacks\.core\.approvers: needs at least one approver: without one, anyone with infra.approve could apply this stack/,
    ],
    [
      'an undefined person among approvers',
      'stacks: { core: { dir: t, approvers: ["person:ann"] } }',
      /^stacks\.core\.approvers\.0: person "ann" is not defined under people/,
    ],
    [
      'one account for two people',
      'people: { ann: ["slack:U1"], bob: ["console:bob", "slack:U1"] }',
      /^people\.bob\.1: slack:U1 already belongs to person "ann"/,
    ],
    ["a wildcard as a person's account", 'people: { ann: ["slack:*"] }', /^people\.ann\.0: must be one account/],
    [
      'a bad plan timeout',
      'stacks: { core: { dir: t, approvers: ["console:a"], planTimeout: forever } }',
      /^stacks\.core\.planTimeout: must be a duration/,
    ],
    ['apps without a gitops repository', APP.replace('gitops: { url: /tmp/g.git }', ''), /^gitops: is required when apps are defined/],
    [
      'an app group naming an undefined app',
      `${APP}\nappGroups: { bots: [web, bot-prod] }`,
      /^appGroups\.bots\.1: app "bot-prod" is not defined \(defined: web\)/,
    ],
    ['an app group named like an app', `${APP}\nappGroups: { web: [web] }`, /^appGroups\.web: "web" is an app's name too/],
    ['an app group listing an app twice', `${APP}\nappGroups: { bots: [web, web] }`, /^appGroups\.bots: lists web more than once/],
    ['an empty app group', `${APP}\nappGroups: { bots: [] }`, /^appGroups\.bots: needs at least one app/],
    ['a bad app group name', `${APP}\nappGroups: { Bots: [web] }`, /^appGroups\.Bots: app group name must be lowercase/],
    [
      'a bad destination',
      'notifications: { routes: [ { triggers: [on-sync-failed], to: ["email:x@y"] } ] }',
      /^notifications\.routes\.0\.to\.0: must be/,
    ],
  ])('reports %s with the field path', (_what, text, expected) => {
    const list = problems(text);
    expect(
      list.some((p) => expected.test(p)),
      list.join('\n'),
    ).toBe(true);
  });

  it('reports every problem, not only the first', () => {
    expect(problems('workers: { concurrency: 0, shutdownGrace: 1 }\ncolour: x')).toHaveLength(3);
  });

  it('reports a token-like value, schema problems and undefined groups in one round', () => {
    const list = problems(
      'chat: { slack: { channels: ["xoxb-123456789012-abcdefghijkl"] } }\nworkers: { concurrency: "two" }\n' +
        'stacks: { core: { dir: t, driftCheck: "every day", approvers: ["console:x"] } }\naccess: { rules: [ { subjects: ["group:ops"], actions: [deploy] } ] }\n',
    );
    expect(list).toEqual([
      'chat.slack.channels.0: looks like a Slack token; secrets must come from the environment, never from the config file',
      expect.stringMatching(/^stacks\.core\.driftCheck: must be a cron expression of five fields .* got 2 fields$/),
      'workers.concurrency: must be number, got string',
      'access.rules.0.subjects.0: group "ops" is not defined under groups (defined: none)',
    ]);
  });

  it.each(['every day', '0 0 6 * * 1-5', '61 * * * *'])('refuses driftCheck "%s"', (cron) => {
    expect(problems(`stacks: { core: { dir: t, driftCheck: "${cron}", approvers: ["console:x"] } }`)).toEqual([
      expect.stringMatching(/^stacks\.core\.driftCheck: /),
    ]);
  });

  it.each([
    ['a Slack token', 'chat: { slack: { channels: ["xoxb-123456789012-abcdefghijkl"] } }', /^chat\.slack\.channels\.0: looks like a Slack token/],
    ['a GitHub token', `gitops: { url: "ghp_${'a'.repeat(36)}" }`, /^gitops\.url: looks like a GitHub token/],
    ['a password in a URL', 'gitops: { url: "https://bot:s3cret@git.example.com/cd.git" }', /^gitops\.url: looks like a URL with a password/],
    ['a secret-named key', 'chat: { telegram: { token: "abc" } }', /^chat\.telegram\.token: "token" holds a secret value/],
  ])('refuses %s in the file', (_what, text, expected) => {
    const list = problems(text);
    expect(
      list.some((p) => expected.test(p)),
      list.join('\n'),
    ).toBe(true);
  });
});

describe('the shipped configuration files', () => {
  it.each(['opsbot.example.yaml', 'config/local.yaml'])('%s is valid', async (file) => {
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    expect(() => parseConfig(readFileSync(resolve(import.meta.dirname, '../../..', file), 'utf8'), file)).not.toThrow();
  });
});
