import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Final states of a job, as `opsbot_jobs_total{state}` counts them. */
export const JOB_STATES = ['succeeded', 'failed', 'cancelled', 'interrupted', 'answered', 'refused'] as const;

/** Prometheus metrics of one process; served at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();

  readonly commands = new Counter({
    name: 'opsbot_commands_total',
    help: 'Chat commands handled, by command and result (accepted, denied, invalid, unavailable, answered)',
    labelNames: ['command', 'result'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'opsbot_rate_limited_total',
    help: 'Chat commands and job requests refused by a per-person rate limit (limits in opsbot.yaml), by limit (commands, jobs)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: 'opsbot_jobs_total',
    help: 'Jobs finished, by kind and final state (succeeded, failed, cancelled, interrupted; answered and refused: an answer instead of the work, e.g. no cluster)',
    labelNames: ['kind', 'state'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'opsbot_job_duration_seconds',
    help: 'Time from a job starting on a worker to its end, by kind',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'opsbot_queue_depth',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed), read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly argocdWatchEvents = new Counter({
    name: 'opsbot_argocd_watch_events_total',
    help: 'Argo CD Application watch events received, by namespace and type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR)',
    labelNames: ['namespace', 'type'] as const,
    registers: [this.registry],
  });

  readonly argocdRelists = new Counter({
    name: 'opsbot_argocd_relists_total',
    help: 'Full lists of Applications, by namespace and reason (initial, gone = 410 Gone, forbidden, error)',
    labelNames: ['namespace', 'reason'] as const,
    registers: [this.registry],
  });

  readonly argocdWatchRestarts = new Counter({
    name: 'opsbot_argocd_watch_restarts_total',
    help: 'Application watch connections reopened, by namespace and reason (closed, error, stalled, forbidden)',
    labelNames: ['namespace', 'reason'] as const,
    registers: [this.registry],
  });

  /** Epoch ms of the last watch event (bookmarks included) per namespace; the lag gauge reads it at scrape time. */
  readonly argocdLastEventAt = new Map<string, number>();

  readonly argocdWatchLag = new Gauge({
    name: 'opsbot_argocd_watch_lag_seconds',
    help: 'Seconds since the last Application watch event or bookmark, by namespace (bookmarks arrive about once a minute)',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [namespace, at] of this.argocdLastEventAt) this.argocdWatchLag.set({ namespace }, (Date.now() - at) / 1000);
    },
  });

  readonly argocdNotifications = new Counter({
    name: 'opsbot_argocd_notifications_total',
    help: 'Argo CD trigger decisions, by trigger and outcome (announced, baseline, duplicate, busy, failed)',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly outboxDelivered = new Counter({
    name: 'opsbot_outbox_delivered_total',
    help: 'Outbox messages delivered to a chat platform, by platform',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly outboxFolded = new Counter({
    name: 'opsbot_outbox_folded_total',
    help: 'Notifications delivered folded into a digest message, by platform',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly outboxParked = new Counter({
    name: 'opsbot_outbox_parked_total',
    help: 'Outbox messages parked after their retries (or a permanent refusal), by platform: see `opsbot outbox parked`',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly outboxWaiting = new Gauge({
    name: 'opsbot_outbox_backlog',
    help: 'Outbox messages not yet delivered, by platform (parked ones excluded), read at scrape time',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly outboxOldestAge = new Gauge({
    name: 'opsbot_outbox_oldest_waiting_seconds',
    help: 'Age of the oldest outbox message not yet delivered, by platform (0 when none waits), read at scrape time',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly outboxParkedNow = new Gauge({
    name: 'opsbot_outbox_parked',
    help: 'Outbox messages parked right now, by platform, read at scrape time',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly subscriptionErrors = new Counter({
    name: 'opsbot_notification_subscription_errors_total',
    help: 'Argo CD notification subscriptions (Application annotations) that could not be used, by reason (unknown-trigger, unknown-service, bad-recipient)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    // prom-client's defaults under their usual names (process_cpu_seconds_total,
    // nodejs_heap_size_used_bytes, …): the common Node.js dashboards and alerts work as they are.
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Every kind's outcomes exist from the start, at 0: `increase(opsbot_jobs_total[10m])` is 0
   * rather than no data when no job has ever finished (docs/alerts.yaml, OpsbotJobsStuck).
   */
  initJobKinds(kinds: Iterable<string>): void {
    for (const kind of kinds) for (const state of JOB_STATES) this.jobs.inc({ kind, state }, 0);
  }
}
