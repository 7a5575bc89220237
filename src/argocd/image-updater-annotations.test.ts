import { describe, expect, it } from 'vitest';
import { parseUpdaterAnnotations, UPDATER_PREFIX } from './image-updater-annotations.js';

const A = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${UPDATER_PREFIX}${k}`, v]));

describe("argocd-image-updater's annotations", () => {
  it('image-list: [<alias>=]<image>[:<constraint>], comma separated, spaces trimmed; a registry port is not a constraint', () => {
    const d = parseUpdaterAnnotations(
      A({ 'image-list': 'web=ghcr.io/example/web:~1.5, nginx, 127.0.0.1:5000/team/api:>=1.0.0 <2', 'write-back-method': 'git' }),
    );
    expect(d.problem).toBeUndefined();
    expect(d.images.map((i) => [i.alias, i.image, i.constraint])).toEqual([
      ['web', 'ghcr.io/example/web', '~1.5'],
      [undefined, 'nginx', undefined],
      [undefined, '127.0.0.1:5000/team/api', '>=1.0.0 <2'],
    ]);
    expect(d.writeBack).toEqual({ method: 'git' });
  });

  it('per-alias options: strategy (old names read as the new ones, said), allow-tags, ignore-tags, helm and kustomize names; "/" in an alias is "_" in keys', () => {
    const d = parseUpdaterAnnotations(
      A({
        'image-list': 'org/web=ghcr.io/org/web, api=ghcr.io/org/api',
        'org_web.update-strategy': 'latest',
        'org_web.allow-tags': 'regexp:^v1\\.',
        'org_web.ignore-tags': 'latest, dev-*',
        'api.update-strategy': 'name',
        'api.helm.image-name': 'api.image.repository',
        'api.helm.image-tag': 'api.image.tag',
        'api.kustomize.image-name': 'quay.io/org/api',
        'api.pull-secret': 'pullsecret:argocd/regcred',
        'write-back-method': 'git:secret:argocd/git-creds',
        'write-back-target': 'helmvalues:/charts/api/values.yaml',
        'git-branch': 'main',
      }),
    );
    const [web, api] = d.images;
    expect(web).toMatchObject({ alias: 'org/web', strategy: 'newest-build', allowTags: { regexp: '^v1\\.' }, ignoreTags: ['latest', 'dev-*'] });
    expect(web!.notes).toContain('update-strategy latest is read as newest-build (its name since argocd-image-updater v0.12)');
    expect(api).toMatchObject({
      strategy: 'alphabetical',
      helm: { imageName: 'api.image.repository', imageTag: 'api.image.tag' },
      kustomizeImageName: 'quay.io/org/api',
    });
    expect(api!.notes).toContain('pull-secret: opsbot reads registry credentials from DOCKER_CONFIG');
    expect(d.writeBack).toEqual({
      method: 'git',
      credentials: 'git:secret:argocd/git-creds',
      target: { kind: 'helmvalues', path: '/charts/api/values.yaml' },
    });
    expect(d.gitBranch).toBe('main');
    expect(d.notes).toEqual(['write-back-method git:secret:argocd/git-creds: opsbot commits with its own credentials (GITOPS_TOKEN), not these']);
  });

  it('Application-wide options (since v0.12) apply to images without an alias; an alias option wins', () => {
    const d = parseUpdaterAnnotations(
      A({ 'image-list': 'ghcr.io/example/web:latest, api=ghcr.io/example/api', 'update-strategy': 'digest', 'api.update-strategy': 'semver' }),
    );
    expect(d.images.map((i) => i.strategy)).toEqual(['digest', 'semver']);
  });

  it('write-back-method absent is argocd, as in argocd-image-updater', () => {
    expect(parseUpdaterAnnotations(A({ 'image-list': 'nginx' })).writeBack).toEqual({ method: 'argocd' });
  });

  it.each([
    ['an empty list', { 'image-list': ' , ' }, 'its image-list is empty'],
    ['shell characters in an alias', { 'image-list': 'a;rm -rf ~=nginx' }, 'the alias must be letters, digits'],
    ['path traversal in an image', { 'image-list': 'web=../../etc/passwd' }, 'the image must be a repository name'],
    ['shell characters in an image', { 'image-list': 'web=ghcr.io/x/$(id)' }, 'the image must be a repository name'],
    ['a digest instead of a constraint', { 'image-list': 'web=ghcr.io/x/web@sha256:' + 'a'.repeat(64) }, 'a digest is not a version constraint'],
    ['a constraint with shell characters', { 'image-list': 'web=ghcr.io/x/web:1.0;reboot' }, 'the version constraint must be'],
    ['an alias twice', { 'image-list': 'web=ghcr.io/x/web, web=ghcr.io/x/api' }, 'names the alias "web" twice'],
    ['an unknown write-back method', { 'image-list': 'nginx', 'write-back-method': 'svn' }, 'write-back-method "svn" is neither'],
    [
      'an unknown write-back target',
      { 'image-list': 'nginx', 'write-back-method': 'git', 'write-back-target': 'jsonnet:x' },
      'write-back-target "jsonnet:x"',
    ],
  ])('malformed: %s → a problem, no images', (_, annotations, problem) => {
    const d = parseUpdaterAnnotations(A(annotations));
    expect(d.problem).toContain(problem);
    expect(d.images).toEqual([]);
  });

  it('an unknown strategy or allow-tags function: the image is not watched, saying why (argocd-image-updater would guess semver / match nothing)', () => {
    const d = parseUpdaterAnnotations(
      A({ 'image-list': 'web=ghcr.io/x/web, api=ghcr.io/x/api', 'web.update-strategy': 'newest', 'api.allow-tags': 'glob:1.*' }),
    );
    expect(d.images[0]!.watchProblem).toBe('update-strategy "newest" is not one of semver, newest-build (latest), alphabetical (name), digest');
    expect(d.images[1]!.watchProblem).toBe('allow-tags "glob:1.*" is neither "regexp:<expression>" nor "any"');
  });
});
