import type { ApplicationWatcher } from '../argocd/application-watcher.js';
import { mergeAnnotatedApps } from '../core/config/annotated-apps.js';
import type { Config } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import { deriveAnnotatedApps } from './annotated-apps.js';
import { watchKey, type WatchTarget } from './watch-targets.js';

/** Events of one list or a burst of changes are read as one: Applications are re-read at most this often. */
const SETTLE_MS = 100;

/**
 * The live side of apps declared by argocd-image-updater annotations: on every change the
 * watcher sees, the Applications are read again, merged into the config (opsbot.yaml wins) and
 * the registry watches told, so an annotation added, changed or removed takes effect without a
 * restart. What cannot be honoured is logged once per change, with the reason.
 */
export class AnnotatedAppCatalog {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private current: WatchTarget[] = [];
  private said = '';

  constructor(
    private readonly deps: {
      config: Config;
      /** The GitOps remote opsbot commits to, as resolved for git (a relative path made absolute). */
      gitopsUrl: string | undefined;
      log: Logger;
      /** The registry watches of annotated apps changed. */
      onWatches?: (targets: WatchTarget[]) => void;
    },
  ) {}

  /** Subscribes and reads the Applications once the watcher has listed them (waiting at most `syncTimeoutMs`). */
  async start(watcher: Pick<ApplicationWatcher, 'subscribe' | 'list' | 'waitForSync'>, syncTimeoutMs = 15_000): Promise<void> {
    this.unsubscribe = watcher.subscribe(() => this.schedule(watcher));
    const timeout = AbortSignal.timeout(syncTimeoutMs);
    await watcher.waitForSync(timeout);
    this.refresh(watcher);
  }

  watches(): WatchTarget[] {
    return this.current;
  }

  stop(): void {
    this.unsubscribe?.();
    clearTimeout(this.timer);
  }

  private schedule(watcher: Pick<ApplicationWatcher, 'list'>): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh(watcher);
    }, SETTLE_MS);
    this.timer.unref();
  }

  private refresh(watcher: Pick<ApplicationWatcher, 'list'>): void {
    const { config, log } = this.deps;
    const derived = deriveAnnotatedApps(watcher.list(), config, this.deps.gitopsUrl);
    const shadowed = mergeAnnotatedApps(config, derived.apps, derived.refusals);
    const watches = derived.watches.filter((w) => !shadowed.includes(w.app));
    const summary = {
      apps: [...derived.apps]
        .filter(([name]) => !shadowed.includes(name))
        .map(([name, a]) => `${name}@${Object.keys(a.app.environments).join(',')} (${a.origin})`),
      shadowed,
      refused: [...derived.refusals.values()],
      notes: [...derived.notes].filter(([at]) => !shadowed.includes(at.split('@')[0]!)).map(([at, n]) => `${at}: ${n.join('; ')}`),
      watches: watches.map((w) => `${w.app}@${w.env}`),
    };
    const text = JSON.stringify(summary);
    if (text !== this.said) {
      this.said = text;
      log.info(summary, 'apps from argocd-image-updater annotations');
      for (const name of shadowed)
        log.warn({ app: name }, `${name} is defined in opsbot.yaml: its argocd-image-updater annotations are not used (opsbot.yaml wins)`);
      for (const why of summary.refused) log.warn({ refused: why }, `not deployable through opsbot: ${why}`);
      for (const note of summary.notes) log.warn({ note }, `argocd-image-updater annotation handled differently: ${note}`);
    }
    const before = JSON.stringify(this.current.map(watchKey));
    this.current = watches;
    if (JSON.stringify(watches.map(watchKey)) !== before) this.deps.onWatches?.(watches);
  }
}
