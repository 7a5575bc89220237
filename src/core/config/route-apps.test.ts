import { describe, expect, it } from 'vitest';
import { configSchema } from './schema.js';
import { describeRoutes, readRouteApps, routeForApplications } from './route-apps.js';

const config = configSchema.parse({
  gitops: { url: '/srv/gitops.git' },
  apps: {
    web: {
      image: 'ghcr.io/example/web',
      environments: {
        staging: { kind: 'kustomize', path: 'apps/web/staging/kustomization.yaml' },
        prod: { kind: 'kustomize', path: 'apps/web/prod/kustomization.yaml', application: 'web-production' },
      },
    },
  },
  notifications: {
    routes: [
      { apps: ['web', 'worker-*', 'api-prod'], triggers: ['on-sync-failed'], to: ['console'] },
      { triggers: ['on-deployed'], to: ['console'] },
    ],
  },
});

describe('route apps: opsbot apps or Argo CD Applications', () => {
  it('an opsbot app means its environments’ Applications; other entries are Application names or patterns', () => {
    expect(readRouteApps(config, config.notifications.routes[0]!)).toEqual([
      { entry: 'web', kind: 'opsbot-app', applications: ['web-staging', 'web-production'] },
      { entry: 'worker-*', kind: 'pattern' },
      { entry: 'api-prod', kind: 'application' },
    ]);
    expect(routeForApplications(config, config.notifications.routes[0]!).apps).toEqual(['web-staging', 'web-production', 'worker-*', 'api-prod']);
  });

  it('check-config says which reading each entry got', () => {
    expect(describeRoutes(config)).toEqual([
      '    routes.0: web → opsbot app (Applications web-staging, web-production); worker-* → Application pattern; api-prod → Application | on-sync-failed → console',
      '    routes.1: * → every Application | on-deployed → console',
    ]);
  });
});
