import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process; served at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();

  readonly commands = new Counter({
    name: 'opsbot_commands_total',
    help: 'Chat commands handled, by command and result (accepted, denied, invalid, unavailable, answered)',
    labelNames: ['command', 'result'] as const,
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: 'opsbot_jobs_total',
    help: 'Jobs finished, by kind and final state (succeeded, failed, cancelled, interrupted)',
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'opsbot_' });
  }
}
