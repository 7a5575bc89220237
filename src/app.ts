import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { ConsoleAdapter } from './bot/adapters/console/console-adapter.js';
import { ALL_COMMANDS } from './bot/commands/index.js';
import type { CommandDeps } from './bot/commands/spec.js';
import { CommandRouter } from './bot/router.js';
import { AuditLog } from './core/audit.js';
import type { LoadedConfig } from './core/config/load.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './core/embedded-redis.js';
import { OpsbotError } from './core/errors.js';
import { createLogger, type Logger } from './core/logger.js';
import { Metrics } from './core/metrics.js';
import { Policy } from './core/policy.js';
import { Redactor } from './core/redact.js';
import { connectChecked, redisTargetFromEnv, type RedisTarget } from './core/redis.js';
import { terraformBinary } from './core/which.js';
import { diagnoseJob } from './jobs/handlers/diagnose.js';
import type { JobKind } from './jobs/kind.js';
import { Outbox } from './jobs/outbox.js';
import { JobQueues } from './jobs/queues.js';
import { WorkerPool } from './jobs/worker-pool.js';
import { HttpServer } from './server/http.js';

export interface AppOptions {
  loaded: LoadedConfig;
  /** Run job workers in this process. */
  workers: boolean;
  /** Serve HTTP (health, metrics, webhooks) on PORT. */
  http: boolean;
  /** Start a private redis-server when REDIS_URL is not set. */
  allowEmbeddedRedis: boolean;
  /** Console chat identity (`console:<name>`), when this process hosts the console. */
  consoleAs?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The one composition root: config, Redis, queues, workers, router, adapters and HTTP are
 * wired here and nowhere else; every other module receives what it needs as arguments.
 */
export class OpsbotApp {
  readonly log: Logger;
  readonly metrics = new Metrics();
  readonly redactor: Redactor;
  console?: ConsoleAdapter;
  router!: CommandRouter;
  http?: HttpServer;
  private workerPool?: WorkerPool;
  private queues?: JobQueues;
  private embedded?: EmbeddedRedis;
  private readonly connections: Redis[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly opts: AppOptions) {
    const env = opts.env ?? process.env;
    this.redactor = Redactor.fromEnv(env);
    // In the console chat, the terminal is the conversation: only warnings go to stderr there.
    this.log = createLogger({ redactor: this.redactor, level: env.LOG_LEVEL ?? (opts.consoleAs !== undefined ? 'warn' : 'info') });
  }

  async start(): Promise<void> {
    const { config } = this.opts.loaded;
    const env = this.opts.env ?? process.env;
    const target = await this.redisTarget(env);

    // Bounded wait so an orchestrator restarts a worker that cannot reach Redis.
    const connectTimeout = Number(env.REDIS_CONNECT_TIMEOUT_MS ?? 10_000);
    const fast = await connectChecked(target, 'fast-fail', 'fast', connectTimeout);
    const blocking = await connectChecked(target, 'blocking', 'blocking', connectTimeout);
    this.connections.push(fast, blocking);

    const kinds = new Map<string, JobKind>([['diagnose', diagnoseJob({ redis: blocking, tfBinary: () => terraformBinary(env), tfConfigured: env.TF_BINARY }) as JobKind]]);
    const audit = new AuditLog(fast, this.redactor);
    this.queues = new JobQueues(fast, kinds);
    const outbox = new Outbox(blocking, this.redactor);
    const policy = new Policy(config);
    const deps: CommandDeps = { config, policy, queues: this.queues, audit, outbox: new Outbox(fast, this.redactor), commands: () => ALL_COMMANDS };
    this.router = new CommandRouter(ALL_COMMANDS as never, deps, this.metrics, this.log);

    if (this.opts.workers) {
      this.workerPool = new WorkerPool(
        { redis: blocking, outbox, audit: new AuditLog(blocking, this.redactor), metrics: this.metrics, log: this.log, kinds },
        {
          concurrency: config.workers.concurrency,
          lockDurationMs: Number(env.OPSBOT_JOB_LOCK_MS ?? 30_000),
          shutdownGraceMs: config.workers.shutdownGrace,
        },
      );
      await this.workerPool.start();
    }

    if (this.opts.consoleAs !== undefined) {
      const reader = blocking.duplicate();
      reader.on('error', () => undefined);
      this.connections.push(reader);
      const name = this.opts.consoleAs || userInfo().username;
      this.console = new ConsoleAdapter({ router: this.router, reader, actor: { platform: 'console', id: name, displayName: name } });
    }

    if (this.opts.http) {
      this.http = new HttpServer({
        host: env.HOST ?? '127.0.0.1',
        port: Number(env.PORT ?? 3000),
        metrics: this.metrics,
        log: this.log,
        readiness: [
          { name: 'redis', check: async () => (await fast.ping()) === 'PONG' },
          ...(this.workerPool ? [{ name: 'workers', check: async () => this.workerPool!.isRunning() }] : []),
        ],
        beforeScrape: async () => {
          for (const [queue, counts] of Object.entries(await this.queues!.counts())) {
            for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ queue, state }, n);
          }
        },
      });
      await this.http.listen();
    }
    this.log.info({ workers: this.opts.workers, http: this.opts.http, config: this.opts.loaded.file }, 'opsbot started');
  }

  private async redisTarget(env: NodeJS.ProcessEnv): Promise<RedisTarget> {
    const fromEnv = redisTargetFromEnv(env);
    if (fromEnv) return fromEnv;
    if (!this.opts.allowEmbeddedRedis) {
      throw new OpsbotError('E_NO_REDIS', 'REDIS_URL is not set. Split processes (opsbot bot / opsbot worker) share one Redis: set REDIS_URL=redis://host:6379.');
    }
    this.embedded = await startEmbeddedRedis(resolve(env.OPSBOT_HOME ?? '.opsbot', 'redis'));
    this.log.info({ url: this.embedded.url }, 'embedded redis-server started');
    return { url: this.embedded.url };
  }

  /** Stop intake, let running jobs finish within the grace period, close Redis. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.console?.stop();
      await this.http?.close().catch(() => undefined);
      await this.workerPool?.close().catch((err: unknown) => this.log.warn({ err }, 'worker shutdown'));
      await this.queues?.close().catch(() => undefined);
      for (const c of this.connections) c.disconnect();
      await this.embedded?.stop();
      this.log.info('opsbot stopped');
    })();
    return this.stopping;
  }
}
