import type { AppConfig, Config } from './schema.js';

/**
 * Apps declared by argocd-image-updater annotations on Argo CD Applications, merged at run time
 * into the loaded config's `apps`, so that every reader of the config (commands, jobs, /help,
 * /status) sees them as it sees configured ones and access rules apply alike. This module is the
 * only writer of that merge: opsbot.yaml's own apps are never replaced, and each merge replaces
 * the previous one as a whole, so an annotation removed or changed takes effect without a restart.
 */
export interface AnnotatedApp {
  app: AppConfig;
  /** `argocd/web-staging, argocd/web-prod`: the Applications that declare it. */
  origin: string;
}

interface Merged {
  /** The names opsbot.yaml defines, taken before the first merge. */
  configured: ReadonlySet<string>;
  origins: Map<string, string>;
  /** Declared but not deployable through opsbot, with why. */
  refusals: Map<string, string>;
}

const merged = new WeakMap<Config, Merged>();

function stateOf(config: Config): Merged {
  let state = merged.get(config);
  if (!state) {
    state = { configured: new Set(Object.keys(config.apps)), origins: new Map(), refusals: new Map() };
    merged.set(config, state);
  }
  return state;
}

/** Replaces the annotated apps of `config`; returns the names opsbot.yaml kept (its definition wins). */
export function mergeAnnotatedApps(config: Config, apps: ReadonlyMap<string, AnnotatedApp>, refusals: ReadonlyMap<string, string>): string[] {
  const state = stateOf(config);
  for (const name of state.origins.keys()) delete config.apps[name];
  state.origins.clear();
  state.refusals.clear();
  const shadowed: string[] = [];
  for (const [name, a] of apps) {
    if (state.configured.has(name)) {
      shadowed.push(name);
      continue;
    }
    config.apps[name] = a.app;
    state.origins.set(name, a.origin);
  }
  for (const [name, why] of refusals) if (!state.configured.has(name) && !state.origins.has(name)) state.refusals.set(name, why);
  return shadowed;
}

/** The Applications an app was declared on; undefined for an app of opsbot.yaml. */
export function annotatedOrigin(config: Config, app: string): string | undefined {
  return merged.get(config)?.origins.get(app);
}

/** Why an app declared by annotations cannot be deployed through opsbot, when it cannot. */
export function annotatedRefusal(config: Config, app: string): string | undefined {
  return merged.get(config)?.refusals.get(app);
}

/** Every refused declaration, for /help. */
export function annotatedRefusals(config: Config): ReadonlyMap<string, string> {
  return merged.get(config)?.refusals ?? new Map();
}
