import type { Config, Route } from './schema.js';

/**
 * What a notification route's `apps` entries name. An entry that is an opsbot app (`web`) means
 * the Argo CD Applications of that app's environments (`web-staging`, `web-prod`, or each
 * environment's `application`); anything else is an Argo CD Application name, or a pattern of
 * them ending in `*`. `check-config` prints which reading each entry got.
 */
export type RouteAppEntry =
  { entry: string; kind: 'opsbot-app'; applications: string[] } | { entry: string; kind: 'application' } | { entry: string; kind: 'pattern' };

export function readRouteApps(config: Pick<Config, 'apps'>, route: Pick<Route, 'apps'>): RouteAppEntry[] {
  return route.apps.map((entry): RouteAppEntry => {
    const app = config.apps[entry];
    if (app)
      return { entry, kind: 'opsbot-app', applications: Object.entries(app.environments).map(([env, loc]) => loc.application ?? `${entry}-${env}`) };
    return entry.includes('*') ? { entry, kind: 'pattern' } : { entry, kind: 'application' };
  });
}

/** The route with `apps` as Application names and patterns only (opsbot apps expanded), for matching. */
export function routeForApplications(config: Pick<Config, 'apps'>, route: Route): Route {
  return { ...route, apps: readRouteApps(config, route).flatMap((e) => (e.kind === 'opsbot-app' ? e.applications : [e.entry])) };
}

/** One line per route for `check-config`: each entry and how it is read. */
export function describeRoutes(config: Pick<Config, 'apps' | 'notifications'>): string[] {
  return config.notifications.routes.map((route, i) => {
    const entries = readRouteApps(config, route).map((e) => {
      if (e.kind === 'opsbot-app') return `${e.entry} → opsbot app (Applications ${e.applications.join(', ') || 'none'})`;
      if (e.entry === '*') return '* → every Application';
      return e.kind === 'pattern' ? `${e.entry} → Application pattern` : `${e.entry} → Application`;
    });
    return `    routes.${i}: ${entries.join('; ')} | ${route.triggers.join(', ')} → ${route.to.join(', ')}`;
  });
}
