/**
 * Glue from the cluster to the chat: watcher events → triggers (when) → the Redis memory
 * (whether it is still owed) → a rendered message (what) → the routes' and the Application's
 * own subscriptions' destinations (where),
 * handed to `announce`. Every watch event is evaluated, in order, per app; there is no
 * "changed since last seen" here — the once-per keys and the memory decide.
 */
import type { Route, Trigger } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Message } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import { matchesAny } from '../core/policy.js';
import { appIdentity, type Application } from './application.js';
import type { ApplicationWatcher, WatcherEventType } from './application-watcher.js';
import { renderNotification } from './notification-message.js';
import type { NotificationState } from './notification-state.js';
import { evaluateTriggers } from './triggers.js';
import { subscriptionsOf, type Subscription } from './subscriptions.js';
import { ownEntry } from '../core/config/own-entry.js';

export interface Announcement {
  app: Application;
  trigger: Trigger;
  /** Unique per (app, trigger, operation): use it as the queue job id to make delivery idempotent. */
  key: string;
  /** Same for every trigger of one operation of one app: thread these messages together. */
  groupKey: string;
  message: Message;
  destinations: string[];
}

export interface NotifierOptions {
  watcher: ApplicationWatcher;
  state: NotificationState;
  /** The config's routes, read at each evaluation (a reloaded config takes effect without a restart). */
  routes: Route[] | (() => Route[]);
  /** Deliver (or durably enqueue) one notification. Throwing makes it owed again. */
  announce: (a: Announcement) => Promise<void>;
  logger?: Logger;
  metrics?: Metrics;
  /** Web address of the GitOps repository, for commit links. */
  repoWebUrl?: string;
  /** Wait before looking again when Redis failed. Default 2 s. */
  retryMs?: number;
}

function routeMatches(route: Route, app: Application): boolean {
  return (
    matchesAny(route.apps, app.name) &&
    matchesAny(route.projects, app.project ?? 'default') &&
    Object.entries(route.labels).every(([k, v]) => ownEntry(app.labels, k) === v)
  );
}

/** Where notifications of `trigger` about `app` go: the config's routes and the app's own subscriptions (deduplicated). */
export function destinationsFor(routes: Route[], app: Application, trigger: Trigger, subscriptions: Subscription[] = []): string[] {
  const out = new Set<string>();
  for (const r of routes) if (r.triggers.includes(trigger) && routeMatches(r, app)) for (const d of r.to) out.add(d);
  for (const s of subscriptions) if (s.trigger === trigger) for (const d of s.destinations) out.add(d);
  return [...out];
}

/** The triggers any route or subscription wants for this app. */
export function routedTriggers(routes: Route[], app: Application, subscriptions: Subscription[] = []): Trigger[] {
  const out = new Set<Trigger>();
  for (const r of routes) if (routeMatches(r, app)) for (const t of r.triggers) out.add(t);
  for (const s of subscriptions) out.add(s.trigger);
  return [...out];
}

export class Notifier {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bad subscriptions already reported (app, annotation and value). */
  private readonly reported = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly opts: NotifierOptions) {}

  /** Records the first-start line in Redis and follows the watcher (start the watcher after this). */
  async start(): Promise<void> {
    await this.opts.state.init();
    this.unsubscribe = this.opts.watcher.subscribe((type, app) => this.onEvent(type, app));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.idle();
  }

  /** Resolves when every event received so far has been decided (and announced). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private onEvent(type: WatcherEventType, app: Application | undefined): void {
    if (type === 'SYNCED' || !app) return;
    this.enqueue(app, type === 'DELETED');
  }

  /** Evaluations of one app run one after another, in event order. */
  private enqueue(app: Application, deleted: boolean): void {
    if (this.stopped) return;
    const k = `${app.namespace}/${app.name}`;
    const next = (this.chains.get(k) ?? Promise.resolve())
      .then(() => this.evaluate(app, deleted))
      .catch((err: unknown) => {
        this.opts.logger?.warn({ err, app: k }, 'notification decision failed; retrying');
        this.later(app, deleted, this.opts.retryMs ?? 2000);
      })
      .finally(() => {
        if (this.chains.get(k) === next) this.chains.delete(k);
      });
    this.chains.set(k, next);
  }

  /** Look again later, at the app as it is then (or as it was, if it is gone). */
  private later(app: Application, deleted: boolean, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const now = this.opts.watcher.get(app.namespace, app.name);
      this.enqueue(deleted || !now ? app : now, deleted || !now);
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private get routes(): Route[] {
    return typeof this.opts.routes === 'function' ? this.opts.routes() : this.opts.routes;
  }

  /** The app's annotation subscriptions; what cannot be used is logged and counted once per annotation value. */
  private subscriptions(app: Application): Subscription[] {
    const { subscriptions, problems } = subscriptionsOf(app);
    for (const p of problems) {
      const seen = `${appIdentity(app)}|${p.annotation}=${app.annotations[p.annotation] ?? ''}`;
      if (this.reported.has(seen)) continue;
      // Bounded: a flood of bad annotations is reported again rather than held forever.
      if (this.reported.size > 10_000) this.reported.clear();
      this.reported.add(seen);
      this.opts.metrics?.subscriptionErrors.inc({ reason: p.reason });
      this.opts.logger?.warn(
        { app: `${app.namespace}/${app.name}`, annotation: p.annotation, reason: p.reason },
        `notification subscription ignored: ${p.detail}`,
      );
    }
    return subscriptions;
  }

  private async evaluate(app: Application, deleted: boolean): Promise<void> {
    const subscriptions = this.subscriptions(app);
    const triggers = routedTriggers(this.routes, app, subscriptions);
    if (triggers.length === 0) return;
    const hits = new Map(evaluateTriggers(app, { deleted }).map((h) => [h.trigger, h]));
    const claims = triggers.map((trigger) => ({ trigger, oncePer: hits.get(trigger)?.oncePer }));
    const outcomes = await this.opts.state.claim(app, claims);
    let busy = false;
    for (const [i, claim] of claims.entries()) {
      const outcome = outcomes[i];
      const hit = hits.get(claim.trigger);
      if (outcome !== 'none' && outcome !== undefined) this.opts.metrics?.argocdNotifications.inc({ trigger: claim.trigger, outcome });
      if (outcome === 'busy') busy = true;
      if (outcome !== 'owed' || !hit) continue;
      await this.announceOne(app, deleted, claim.trigger, hit.oncePer, hit.groupKey, subscriptions);
    }
    // Another replica holds a lease: if it dies, the key is owed again once the lease ends.
    if (busy) this.later(app, deleted, this.opts.state.leaseMs + 250);
    if (deleted) await this.opts.state.forget(app);
  }

  private async announceOne(
    app: Application,
    deleted: boolean,
    trigger: Trigger,
    oncePer: string,
    groupKey: string,
    subscriptions: Subscription[],
  ): Promise<void> {
    const announcement: Announcement = {
      app,
      trigger,
      key: `${appIdentity(app)}|${trigger}|${oncePer}`,
      groupKey,
      message: renderNotification(app, trigger, { repoWebUrl: this.opts.repoWebUrl }),
      destinations: destinationsFor(this.routes, app, trigger, subscriptions),
    };
    try {
      await this.opts.announce(announcement);
    } catch (err) {
      this.opts.metrics?.argocdNotifications.inc({ trigger, outcome: 'failed' });
      this.opts.logger?.warn({ err, app: app.name, trigger }, 'announcing failed; it stays owed');
      await this.opts.state.release(app, trigger, oncePer);
      this.later(app, deleted, this.opts.retryMs ?? 2000);
      return;
    }
    this.opts.metrics?.argocdNotifications.inc({ trigger, outcome: 'announced' });
    await this.opts.state.confirm(app, trigger, oncePer);
  }
}
