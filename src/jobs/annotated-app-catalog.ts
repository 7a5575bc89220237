import type { ApplicationWatcher } from '../argocd/application-watcher.js';
import { mergeAnnotatedApps } from '../core/config/annotated-apps.js';
import type { Config } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import { deriveAnnotatedApps, type DerivedApps, type ManifestLookup } from './annotated-apps.js';
import type { GitopsRepo } from './seams.js';
import { watchKey, type WatchTarget } from './watch-targets.js';

/** Events of one list or a burst of changes are read as one: Applications are re-read at most this often. */
const SETTLE_MS = 100;
/** A plain-manifest directory read from the GitOps repository is trusted this long (the file and container of an app rarely move). */
const SCAN_TTL_MS = 60_000;

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
  /** One refresh at a time; a change during one is read by another right after. */
  private running?: Promise<void>;
  private again = false;
  private readonly scans = new Map<string, { at: number; files: ReadonlyMap<string, string> | { error: string } }>();

  constructor(
    private readonly deps: {
      config: Config;
      /** The GitOps remote opsbot commits to, as resolved for git (a relative path made absolute). */
      gitopsUrl: string | undefined;
      log: Logger;
      /** Where plain-manifest apps are looked up (their file and container). */
      repo?: Pick<GitopsRepo, 'manifestFiles'>;
      /** The registry watches of annotated apps changed. */
      onWatches?: (targets: WatchTarget[]) => void;
    },
  ) {}

  /**
   * Subscribes and reads the Applications once the watcher has listed them. The wait ends at the
   * first answer, or after 5 s: a cluster without Argo CD, or that does not answer, must not
   * hold up the start; the apps then appear when a list succeeds.
   */
  async start(watcher: Pick<ApplicationWatcher, 'subscribe' | 'list' | 'waitForAnswer' | 'synced'>, syncTimeoutMs = 5000): Promise<void> {
    this.unsubscribe = watcher.subscribe(() => this.schedule(watcher));
    await watcher.waitForAnswer(AbortSignal.timeout(syncTimeoutMs));
    if (!watcher.synced) this.deps.log.warn('Applications not listed yet: apps from argocd-image-updater annotations appear once they are');
    await this.refresh(watcher);
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
      void this.refresh(watcher);
    }, SETTLE_MS);
    this.timer.unref();
  }

  private refresh(watcher: Pick<ApplicationWatcher, 'list'>): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          this.apply(await this.derive(watcher));
        } catch (err) {
          this.deps.log.error({ err }, 'apps from argocd-image-updater annotations: not read');
        }
      } while (this.again);
      this.running = undefined;
    })();
    return this.running;
  }

  /** Derives, reading the plain-manifest directories it asks for, then derives again with them. */
  private async derive(watcher: Pick<ApplicationWatcher, 'list'>): Promise<DerivedApps> {
    const { config, gitopsUrl, repo } = this.deps;
    const lookup: ManifestLookup = (dir, recurse) => {
      const hit = this.scans.get(`${recurse}:${dir}`);
      return hit && Date.now() - hit.at < SCAN_TTL_MS ? hit.files : undefined;
    };
    const first = deriveAnnotatedApps(watcher.list(), config, gitopsUrl, lookup);
    if (first.pendingScans.length === 0 || !repo) return first;
    for (const { dir, recurse } of first.pendingScans) {
      const files = await repo.manifestFiles(dir, recurse).catch((err: unknown) => ({ error: (err as Error).message }));
      this.scans.set(`${recurse}:${dir}`, { at: Date.now(), files });
    }
    return deriveAnnotatedApps(watcher.list(), config, gitopsUrl, lookup);
  }

  private apply(derived: DerivedApps): void {
    const { config, log } = this.deps;
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
      // A console's terminal shows warnings: an Application left to image-updater (argocd write-back) is no mistake.
      for (const [key, why] of derived.refusals)
        log[derived.byChoice.has(key) ? 'info' : 'warn']({ refused: why }, `not deployable through opsbot: ${why}`);
      for (const [at, notes] of derived.notes) {
        if (shadowed.includes(at.split('@')[0]!)) continue;
        for (const note of notes) log[note.startsWith('not watched') ? 'warn' : 'info']({ app: at, note }, `${at}: ${note}`);
      }
    }
    const before = JSON.stringify(this.current.map(watchKey));
    this.current = watches;
    if (JSON.stringify(watches.map(watchKey)) !== before) this.deps.onWatches?.(watches);
  }
}
