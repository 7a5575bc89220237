/**
 * A list-then-watch informer over Argo CD Applications in the configured namespaces, with an
 * in-memory cache. Written on client-node's `Watch` rather than its `makeInformer`: in 1.4.0 the
 * informer's ListWatch (dist/cache.js) stops for good on any error other than 410 (a dropped
 * connection ends it), never asks for bookmarks, and cannot say why it relisted.
 *
 * Per namespace, one loop: list (emit the difference against the cache, then SYNCED) → watch
 * from the list's resourceVersion with bookmarks → on a clean close or a dropped connection,
 * watch again from the last resourceVersion seen (so nothing between is lost: the API server
 * replays every change after it) → on 410 Gone (HTTP or an ERROR event) that position has been
 * compacted away, so list again. 401/403 are reported once and retried with backoff.
 */
import { Watch } from '@kubernetes/client-node';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { parseApplication, type Application } from './application.js';
import type { ArgocdError } from './errors.js';
import { APPLICATIONS, type KubeConnection } from './kube.js';
import { Backoff, sleep } from '../core/backoff.js';
import { ForbiddenReport, httpStatusOf, kubeError } from './kube-errors.js';

export type WatcherEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED';

/** `app` is undefined for SYNCED (a namespace's list has been applied to the cache). */
export type WatcherListener = (type: WatcherEventType, app: Application | undefined, namespace: string) => void;

export interface ApplicationWatcherOptions {
  kube: KubeConnection;
  namespaces: string[];
  logger?: Logger;
  metrics?: Metrics;
  /** Server-side end of one watch request. client-go picks 5–10 min (reflector minWatchTimeout); so do we. */
  watchTimeoutSeconds?: () => number;
  /** Told once per distinct 401/403 (and not again for each retry). */
  onForbidden?: (err: ArgocdError) => void;
}

type WatchOutcome = 'closed' | 'gone' | 'stalled' | 'stopped';

const key = (ns: string, name: string) => `${ns}/${name}`;

export class ApplicationWatcher {
  private readonly cache = new Map<string, Application>();
  private readonly listeners = new Set<WatcherListener>();
  /** Namespace → resourceVersion to resume from; '' means "list first". Protected for fault tests. */
  protected readonly positions = new Map<string, string>();
  private readonly syncedNamespaces = new Set<string>();
  private readonly aborts = new Set<AbortController>();
  private readonly stop$ = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly forbidden: ForbiddenReport;
  private syncWaiters: (() => void)[] = [];
  /** Namespaces whose list has been answered once, with Applications or with an error. */
  private readonly answered = new Set<string>();
  private answerWaiters: (() => void)[] = [];

  constructor(private readonly opts: ApplicationWatcherOptions) {
    this.forbidden = new ForbiddenReport(
      (err) => {
        opts.logger?.error({ code: err.code, server: opts.kube.server }, err.message);
        opts.onForbidden?.(err);
      },
      (what) => opts.logger?.info({ what }, 'Kubernetes API access works again'),
    );
  }

  subscribe(listener: WatcherListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(namespace: string, name: string): Application | undefined {
    return this.cache.get(key(namespace, name));
  }

  list(): Application[] {
    return [...this.cache.values()];
  }

  /** Every namespace has been listed at least once. */
  get synced(): boolean {
    return this.opts.namespaces.every((ns) => this.syncedNamespaces.has(ns));
  }

  /** Starts one loop per namespace; resolves at once (use `waitForSync` to wait for the cache). */
  start(): void {
    if (this.loops.length > 0) return;
    this.loops = this.opts.namespaces.map((ns) => {
      this.positions.set(ns, '');
      return this.run(ns);
    });
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Resolves once every namespace was listed or failed to be (no Argo CD, no access): for a start that must not wait for a cluster that does not answer. */
  waitForAnswer(signal?: AbortSignal): Promise<void> {
    if (this.opts.namespaces.every((ns) => this.answered.has(ns))) return Promise.resolve();
    return new Promise((resolve) => {
      this.answerWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  private markAnswered(ns: string): void {
    this.answered.add(ns);
    if (!this.opts.namespaces.every((n) => this.answered.has(n))) return;
    const waiters = this.answerWaiters;
    this.answerWaiters = [];
    for (const w of waiters) w();
  }

  async stop(): Promise<void> {
    this.stop$.abort();
    for (const a of this.aborts) a.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private get stopped(): boolean {
    return this.stop$.signal.aborted;
  }

  private async run(ns: string): Promise<void> {
    // 30 s: the longest a recovered API server should wait to be noticed.
    const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 });
    let relistReason = 'initial';
    while (!this.stopped) {
      try {
        if (!this.positions.get(ns)) {
          await this.relist(ns, relistReason);
          this.forbidden.succeeded(`list Applications in ${ns}`);
        }
        const outcome = await this.watchOnce(ns, () => backoff.reset());
        if (outcome === 'stopped') return;
        if (outcome === 'gone') {
          this.positions.set(ns, '');
          relistReason = 'gone';
        }
        this.opts.metrics?.argocdWatchRestarts.inc({ namespace: ns, reason: outcome });
        this.opts.logger?.debug({ namespace: ns, outcome, resourceVersion: this.positions.get(ns) }, 'Application watch ended; resuming');
      } catch (err) {
        if (this.stopped) return;
        const e = kubeError(err, `watch Applications in ${ns}`);
        if (e.httpStatus === 410) {
          this.positions.set(ns, '');
          relistReason = 'gone';
          continue;
        }
        this.markAnswered(ns);
        this.forbidden.failed(e);
        if (e.code !== 'E_KUBE_FORBIDDEN') this.opts.logger?.warn({ namespace: ns, code: e.code }, e.message);
        relistReason = e.code === 'E_KUBE_FORBIDDEN' ? 'forbidden' : 'error';
        this.opts.metrics?.argocdWatchRestarts.inc({ namespace: ns, reason: relistReason });
        await sleep(backoff.next(), this.stop$.signal);
      }
    }
  }

  /** Lists the namespace and emits what changed against the cache (ADDED / MODIFIED / DELETED), then SYNCED. */
  private async relist(ns: string, reason: string): Promise<void> {
    const list = await this.opts.kube.listApplications(ns);
    this.opts.metrics?.argocdRelists.inc({ namespace: ns, reason });
    if (list.skipped > 0) this.opts.logger?.warn({ namespace: ns, skipped: list.skipped }, 'Applications without a name or namespace ignored');
    const seen = new Set<string>();
    for (const app of list.items) {
      const k = key(ns, app.name);
      seen.add(k);
      const before = this.cache.get(k);
      this.cache.set(k, app);
      if (!before) this.emit('ADDED', app, ns);
      else if (before.resourceVersion !== app.resourceVersion) this.emit('MODIFIED', app, ns);
    }
    for (const [k, app] of this.cache) {
      if (app.namespace === ns && !seen.has(k)) {
        this.cache.delete(k);
        this.emit('DELETED', app, ns);
      }
    }
    this.positions.set(ns, list.resourceVersion);
    this.syncedNamespaces.add(ns);
    this.markAnswered(ns);
    this.emit('SYNCED', undefined, ns);
    if (this.synced) {
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** One watch request; resolves with why it ended, rejects with an HTTP/network error. */
  private watchOnce(ns: string, onProgress: () => void): Promise<WatchOutcome> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
    // A connection silent for longer than the server's own timeout plus a minute is half-open.
    const stallMs = (timeoutSeconds + 60) * 1000;
    let lastData = Date.now();
    let gone = false;
    let stalled = false;
    let controller: AbortController | undefined;
    const watch = new Watch(this.opts.kube.kubeConfig);
    const path = `/apis/${APPLICATIONS.group}/${APPLICATIONS.version}/namespaces/${ns}/${APPLICATIONS.plural}`;
    const params = { allowWatchBookmarks: true, resourceVersion: this.positions.get(ns), timeoutSeconds };

    return new Promise<WatchOutcome>((resolve, reject) => {
      const watchdog = setInterval(
        () => {
          if (Date.now() - lastData > stallMs) {
            stalled = true;
            controller?.abort();
          }
        },
        Math.min(stallMs, 15_000),
      );
      watchdog.unref();

      const onEvent = (type: string, obj: unknown) => {
        lastData = Date.now();
        this.opts.metrics?.argocdWatchEvents.inc({ namespace: ns, type });
        this.opts.metrics?.argocdLastEventAt.set(ns, lastData);
        if (type === 'ERROR') {
          const status = obj as { code?: unknown; message?: unknown };
          if (status.code === 410) {
            gone = true;
            controller?.abort();
          } else {
            this.opts.logger?.warn({ namespace: ns, status }, 'Application watch sent an ERROR event');
          }
          return;
        }
        const rv = (obj as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
        if (typeof rv === 'string' && rv !== '') this.positions.set(ns, rv);
        onProgress();
        if (type === 'BOOKMARK') return;
        this.apply(type, obj, ns);
      };

      let finished = false;
      const onDone = (err: unknown) => {
        finished = true;
        clearInterval(watchdog);
        if (controller) this.aborts.delete(controller);
        if (this.stopped) return resolve('stopped');
        if (gone || httpStatusOf(err) === 410) return resolve('gone');
        if (stalled) return resolve('stalled');
        if (err && !isAbort(err)) return reject(err);
        resolve('closed');
      };

      watch.watch(path, params, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (finished) return;
          this.aborts.add(c);
          if (this.stopped) c.abort();
        },
        (err: unknown) => onDone(err),
      );
    });
  }

  private apply(type: string, raw: unknown, ns: string): void {
    const app = parseApplication(raw);
    if (!app) {
      this.opts.logger?.warn({ namespace: ns, type }, 'watch event without an Application name; ignored');
      return;
    }
    const k = key(ns, app.name);
    if (type === 'DELETED') {
      this.cache.delete(k);
      this.emit('DELETED', app, ns);
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      const known = this.cache.has(k);
      this.cache.set(k, app);
      this.emit(known ? 'MODIFIED' : 'ADDED', app, ns);
    }
  }

  private emit(type: WatcherEventType, app: Application | undefined, ns: string): void {
    for (const l of this.listeners) {
      try {
        l(type, app, ns);
      } catch (err) {
        this.opts.logger?.error({ err, type, app: app?.name }, 'Application watcher listener threw');
      }
    }
  }
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
