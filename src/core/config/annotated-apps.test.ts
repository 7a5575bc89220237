import { describe, expect, it } from 'vitest';
import { annotatedOrigin, annotatedRefusal, mergeAnnotatedApps } from './annotated-apps.js';
import { configSchema } from './schema.js';

const app = (image: string) => ({ image, environments: { default: { kind: 'kustomize' as const, path: 'k.yaml', protected: false } } });

describe('apps from annotations merged into the config', () => {
  it('opsbot.yaml wins on a name it defines; a merge replaces the previous one (an annotation removed, the app gone)', () => {
    const config = configSchema.parse({
      gitops: { url: '/g' },
      apps: { web: { image: 'ghcr.io/x/web', environments: { prod: { kind: 'kustomize', path: 'w.yaml' } } } },
    });
    const shadowed = mergeAnnotatedApps(
      config,
      new Map([
        ['web', { app: app('ghcr.io/other/web'), origin: 'argocd/web' }],
        ['api', { app: app('ghcr.io/x/api'), origin: 'argocd/api' }],
      ]),
      new Map([['old', 'old (declared on Application argocd/old): its write-back-method is argocd']]),
    );
    expect(shadowed).toEqual(['web']);
    expect(config.apps.web!.image).toBe('ghcr.io/x/web');
    expect(annotatedOrigin(config, 'web')).toBeUndefined();
    expect(annotatedOrigin(config, 'api')).toBe('argocd/api');
    expect(annotatedRefusal(config, 'old')).toContain('write-back-method is argocd');

    mergeAnnotatedApps(config, new Map(), new Map());
    expect(Object.keys(config.apps)).toEqual(['web']);
    expect(annotatedRefusal(config, 'old')).toBeUndefined();
  });
});
