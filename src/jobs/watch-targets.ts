import { routeForApplications } from '../core/config/route-apps.js';
import type { Config, WatchConfig } from '../core/config/schema.js';
import { matchesAny } from '../core/policy.js';
import { watchRule, type WatchRule } from '../registry/watch-rule.js';

/**
 * The environments a registry watch polls, read off the config (no registry client here, so
 * check-config stays light).
 */
export interface WatchTarget {
  app: string;
  env: string;
  image: string;
  protected: boolean;
  watch: WatchConfig;
  rule: WatchRule;
  destination: string;
}

/**
 * Every environment with a `watch`, and where its news goes: `watch.notify`, else the app's
 * conversation — the first notification route that routes its Argo CD Application — else the
 * first route's first destination (as drift reports), else the console.
 */
export function watchTargets(config: Config): WatchTarget[] {
  const destinationOf = watchDestinations(config);
  return Object.entries(config.apps).flatMap(([app, a]) =>
    Object.entries(a.environments).flatMap(([env, loc]) => {
      if (!loc.watch) return [];
      const destination = destinationOf(loc.application ?? `${app}-${env}`, loc.watch.notify);
      return [{ app, env, image: a.image, protected: loc.protected, watch: loc.watch, rule: watchRule(loc.watch.tags), destination }];
    }),
  );
}

/** Where a watch of an Application says its news (see watchTargets). */
export function watchDestinations(config: Config): (application: string, notify?: string) => string {
  const routes = config.notifications.routes.map((r) => routeForApplications(config, r));
  const fallback = routes[0]?.to[0] ?? 'console';
  return (application, notify) => notify ?? routes.find((r) => matchesAny(r.apps, application))?.to[0] ?? fallback;
}

/** One line per watch for `check-config`: what is watched, how, how often, and where it is said. */
export function describeWatches(config: Config): string[] {
  return watchTargets(config).map((t) => {
    const what =
      t.rule.kind === 'semver' ? `tags ${t.rule.range}` : t.rule.kind === 'regex' ? `tags /${t.rule.pattern.source}/` : `digest of ${t.rule.tag}`;
    return `    ${t.app}@${t.env}: ${what}, ${t.watch.mode === 'auto' ? 'deployed' : 'proposed'} (polled every ${describeInterval(t.watch.interval)}) → ${t.destination}`;
  });
}

export function describeInterval(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/** What makes a watch the same watch: a changed rule, image or destination is a new one. */
export function watchKey(t: WatchTarget): string {
  const rule =
    t.rule.kind === 'digest'
      ? t.rule
      : {
          ...t.rule,
          ...(t.rule.kind === 'regex' ? { pattern: t.rule.pattern.source } : {}),
          allow: t.rule.allow?.source,
          ignore: t.rule.ignore?.map((r) => r.source),
        };
  return JSON.stringify([t.app, t.env, t.image, t.destination, t.watch.mode, t.watch.interval, rule]);
}
