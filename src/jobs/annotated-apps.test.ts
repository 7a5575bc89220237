import { describe, expect, it } from 'vitest';
import { parseApplication, type Application } from '../argocd/application.js';
import { UPDATER_PREFIX } from '../argocd/image-updater-annotations.js';
import { configSchema, type Config } from '../core/config/schema.js';
import { bestTag } from '../registry/watch-rule.js';
import { deriveAnnotatedApps, environmentOf, repositoryKey } from './annotated-apps.js';

const REPO = '/srv/git/gitops.git';
const config = (more: Record<string, unknown> = {}): Config =>
  configSchema.parse({ gitops: { url: REPO }, argocd: { imageUpdater: { interval: '1s' } }, ...more });

function application(
  name: string,
  annotations: Record<string, string>,
  source: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
): Application {
  return parseApplication({
    metadata: {
      name,
      namespace: 'argocd',
      annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [`${UPDATER_PREFIX}${k}`, v])),
    },
    spec: { source: { repoURL: `file://${REPO}`, targetRevision: 'main', path: `apps/${name}`, ...source } },
    status: { sourceType: 'Kustomize', ...status },
  })!;
}

describe('apps from argocd-image-updater annotations', () => {
  it("the reference organisation's style (image:latest, digest, git): a kustomize app pinned by digest, watched by the digest of latest", () => {
    const d = deriveAnnotatedApps(
      [
        application('web', {
          'image-list': 'web=ghcr.io/example/web:latest',
          'web.update-strategy': 'digest',
          'write-back-method': 'git',
          'write-back-target': 'kustomization',
        }),
      ],
      config(),
      REPO,
    );
    expect(d.refusals).toEqual(new Map());
    expect(d.apps.get('web')).toEqual({
      app: {
        image: 'ghcr.io/example/web',
        environments: { default: { kind: 'kustomize', path: 'apps/web/kustomization.yaml', application: 'web', protected: false, pin: 'digest' } },
      },
      origin: 'argocd/web',
    });
    expect(d.watches).toEqual([
      expect.objectContaining({ app: 'web', env: 'default', rule: { kind: 'digest', tag: 'latest' }, destination: 'console' }),
    ]);
    expect(d.watches[0]!.watch).toMatchObject({ mode: 'propose', interval: 1000 });
  });

  it('environments from the Application names; one app across Applications; Helm values with the alias keys', () => {
    const ann = { 'image-list': 'api=ghcr.io/example/api:^2', 'write-back-method': 'git', 'api.helm.image-tag': 'api.tag' };
    const d = deriveAnnotatedApps(
      [
        application('api-staging', ann, { helm: { valueFiles: ['values.yaml'] } }, { sourceType: 'Helm' }),
        application('api-prod', { ...ann, 'write-back-target': 'helmvalues:../shared/prod-values.yaml' }, {}, { sourceType: 'Helm' }),
      ],
      config(),
      REPO,
    );
    const api = d.apps.get('api')!;
    expect(api.origin).toBe('argocd/api-prod, argocd/api-staging');
    expect(api.app.environments).toEqual({
      prod: { kind: 'helm-values', path: 'apps/shared/prod-values.yaml', key: 'api.tag', application: 'api-prod', protected: false },
      staging: { kind: 'helm-values', path: 'apps/api-staging/values.yaml', key: 'api.tag', application: 'api-staging', protected: false },
    });
    expect(d.notes.get('api@staging')).toEqual([
      'no write-back-target: argocd-image-updater would write .argocd-source-api-staging.yaml; opsbot edits the values.yaml of the source path (as write-back-target: helmvalues:values.yaml)',
    ]);
    expect(d.watches.map((w) => [w.env, w.rule])).toEqual([
      ['prod', { kind: 'semver', range: '^2' }],
      ['staging', { kind: 'semver', range: '^2' }],
    ]);
  });

  it('strategies: semver with allow/ignore filters, alphabetical in byte order, newest-build not watched (said)', () => {
    const d = deriveAnnotatedApps(
      [
        application('a', {
          'image-list': 'a=ghcr.io/x/a, b=ghcr.io/x/b, c=ghcr.io/x/c',
          'write-back-method': 'git',
          'a.allow-tags': 'regexp:^1\\.',
          'a.ignore-tags': '*-rc*, 1.9.?',
          'b.update-strategy': 'alphabetical',
          'c.update-strategy': 'newest-build',
        }),
      ],
      config(),
      REPO,
    );
    const rule = (app: string) => d.watches.find((w) => w.app === app)!.rule as Parameters<typeof bestTag>[0];
    expect(bestTag(rule('a'), ['1.2.0', '1.9.1', '1.10.0-rc1', '2.0.0', '1.8.0'])).toBe('1.8.0');
    expect(bestTag(rule('b'), ['build-9', 'build-10'])).toBe('build-9');
    expect(d.watches.some((w) => w.app === 'c')).toBe(false);
    expect(d.notes.get('c@a')).toContain(
      "not watched: update-strategy newest-build orders tags by image creation date, which opsbot's watch does not read (deploys still work)",
    );
    expect(d.apps.has('c')).toBe(true);
  });

  it.each([
    ['write-back-method argocd', { 'image-list': 'web=ghcr.io/x/web' }, {}, 'web', 'its write-back-method is argocd (the default)'],
    [
      'another repository',
      { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git' },
      { repoURL: 'https://github.com/x/other.git' },
      'web',
      'is written to "https://github.com/x/other.git"',
    ],
    [
      'another branch',
      { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git', 'git-branch': 'main:image-updater' },
      {},
      'web',
      'writes to a branch of its own',
    ],
    [
      'a target outside the repository',
      { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git', 'write-back-target': 'kustomization:../../../../etc' },
      {},
      'web',
      'is not a directory inside the repository',
    ],
    [
      'a Helm key with shell characters',
      { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git', 'write-back-target': 'helmvalues:v.yaml', 'web.helm.image-tag': 'a;b' },
      {},
      'web',
      'is not a dotted key path',
    ],
    [
      'a plugin source',
      { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git' },
      { plugin: { name: 'cdk8s' } },
      'web',
      'its source type "plugin"',
    ],
    [
      'an alias that is no app name',
      { 'image-list': 'Web_App=ghcr.io/x/web', 'write-back-method': 'git' },
      {},
      'Application argocd/web',
      'is not usable as an app name',
    ],
    [
      'a malformed image-list',
      { 'image-list': 'web=ghcr.io/x/$(id)', 'write-back-method': 'git' },
      {},
      'Application argocd/web',
      'the image must be a repository name',
    ],
  ])('refused: %s, with the reason', (_, annotations, source, key, why) => {
    const d = deriveAnnotatedApps([application('web', annotations, source)], config(), REPO);
    expect(d.apps.size).toBe(0);
    expect(d.watches).toEqual([]);
    expect(d.refusals.get(key)).toContain(why);
  });

  it("plain manifests (the reference organisation's directories): the one container running the image, found in the repository's files", () => {
    // No alias: the Application-wide update-strategy applies, as in argocd-image-updater.
    const ann = { 'image-list': 'ghcr.io/example/web:latest', 'update-strategy': 'digest', 'write-back-method': 'git' };
    const apps = [application('web', ann, { directory: { recurse: true } }, { sourceType: 'Directory' })];
    const pending = deriveAnnotatedApps(apps, config(), REPO);
    expect(pending.pendingScans).toEqual([{ dir: 'apps/web', recurse: true }]);
    const deployment = (name: string, image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name} }\nspec:\n  template:\n    spec:\n      containers:\n        - { name: ${name}, image: "${image}" }\n`;
    const files = new Map([
      ['apps/web/src/deployment.yaml', `${deployment('redis', 'redis:7')}---\n${deployment('web', 'ghcr.io/example/web@sha256:' + 'a'.repeat(64))}`],
      ['apps/web/src/notes.yaml', ': not yaml ['],
    ]);
    const d = deriveAnnotatedApps(apps, config(), REPO, () => files);
    expect(d.apps.get('web')!.app.environments.default).toEqual({
      kind: 'manifest',
      path: 'apps/web/src/deployment.yaml',
      container: 'web',
      application: 'web',
      protected: false,
      pin: 'digest',
    });
    expect(d.notes.get('web@default')).toContain(
      'plain manifests: opsbot edits apps/web/src/deployment.yaml Deployment/web container web (argocd-image-updater cannot write plain manifests back)',
    );
    // Digest strategy on a plain manifest: not a Helm key, so the deploy is pinned and the tag's digest watched.
    expect(d.watches[0]!.rule).toEqual({ kind: 'digest', tag: 'latest' });
    files.set('apps/web/other.yaml', deployment('web2', 'ghcr.io/example/web:1'));
    expect(deriveAnnotatedApps(apps, config(), REPO, () => files).refusals.get('web')).toContain('ghcr.io/example/web runs in 2 containers');
    expect(deriveAnnotatedApps(apps, config(), REPO, () => ({ error: 'git fetch failed' })).refusals.get('web')).toContain(
      'its manifests could not be read from the GitOps repository: git fetch failed',
    );
  });

  it('an unknown strategy: deployable, not watched, saying why', () => {
    const d = deriveAnnotatedApps(
      [application('web', { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git', 'web.update-strategy': 'newest' })],
      config(),
      REPO,
    );
    expect(d.apps.has('web')).toBe(true);
    expect(d.watches).toEqual([]);
    expect(d.notes.get('web@default')).toContain(
      'not watched: update-strategy "newest" is not one of semver, newest-build (latest), alphabetical (name), digest',
    );
  });

  it('a regexp that could backtrack for ever is not used', () => {
    const d = deriveAnnotatedApps(
      [application('web', { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git', 'web.allow-tags': 'regexp:^(a+)+$' })],
      config(),
      REPO,
    );
    expect(d.watches).toEqual([]);
    expect(d.notes.get('web@default')?.join()).toContain('nests repetitions');
  });

  it('the same app with two images is refused for the second Application', () => {
    const d = deriveAnnotatedApps(
      [
        application('web-a', { 'image-list': 'web=ghcr.io/x/web', 'write-back-method': 'git' }),
        application('web-b', { 'image-list': 'web=ghcr.io/x/other', 'write-back-method': 'git' }),
      ],
      config(),
      REPO,
    );
    expect(Object.keys(d.apps.get('web')!.app.environments)).toEqual(['a']);
  });

  it('names: environments and repositories', () => {
    expect(environmentOf('web-staging', 'web')).toBe('staging');
    expect(environmentOf('web', 'web')).toBe('default');
    expect(environmentOf('frontend', 'web')).toBe('frontend');
    expect(repositoryKey('git@github.com:org/gitops.git')).toBe(repositoryKey('https://github.com/org/gitops'));
    expect(repositoryKey('ssh://git@github.com/org/gitops.git')).toBe('github.com/org/gitops');
    expect(repositoryKey('file:///srv/git/gitops.git')).toBe(repositoryKey('/srv/git/gitops.git/'));
  });
});
