import { hostname, userInfo } from 'node:os';
import type { Redis } from 'ioredis';
import type { ChatAdapter } from '../bot/adapters/chat-adapter.js';
import { ConsoleAdapter } from '../bot/adapters/console/console-adapter.js';
import { createChatAdapters } from '../bot/adapters/index.js';
import { ALL_COMMANDS } from '../bot/commands/index.js';
import type { CommandDeps } from '../bot/commands/spec.js';
import { limitedQueue, RateLimits } from '../bot/rate-limits.js';
import { CommandRouter } from '../bot/router.js';
import { AuditLog } from '../core/audit.js';
import type { LoadedConfig } from '../core/config/load.js';
import { joinEmbeddedRedis, type EmbeddedRedis } from '../core/embedded-redis.js';
import { OpsbotError } from '../core/errors.js';
import { opsbotHome } from '../core/home.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import { Policy } from '../core/policy.js';
import { Redactor } from '../core/redact.js';
import { connectChecked, redisTargetFromEnv, safeUrl, type RedisTarget } from '../core/redis.js';
import { ClusterAccess } from '../argocd/cluster-access.js';
import { AnnotatedAppCatalog } from '../jobs/annotated-app-catalog.js';
import { startImageWatch, type ImageWatch } from '../jobs/image-watch.js';
import { startNotifications } from '../jobs/notification-hand-off.js';
import { scheduleDriftChecks } from '../jobs/handlers/drift.js';
import { Outbox } from '../jobs/outbox.js';
import { OutboxDelivery, outboxBacklog } from '../jobs/outbox-delivery.js';
import { ParkedMessages } from '../jobs/parked-messages.js';
import { JobQueues } from '../jobs/queues.js';
import type { GitopsRepo } from '../jobs/seams.js';
import { WorkerPool } from '../jobs/worker-pool.js';
import { HttpServer } from '../server/http.js';
import { mountDashboard } from '../server/dashboard.js';
import { sandboxWarning } from '../terraform/sandbox.js';
import { gitopsRemoteUrl } from './gitops-repository.js';
import { wireJobKinds } from './job-kinds.js';

/** Who queues the follow-up of a delivered message: opsbot itself (the audit names it). */
const OPSBOT_ACTOR = { platform: 'console', id: 'opsbot', displayName: 'opsbot' } as const;

export interface AppOptions {
  loaded: LoadedConfig;
  /**
   * Run job workers in this process. `auto` (the console): yes, unless it joined an embedded
   * Redis where another opsbot process already runs them.
   */
  workers: boolean | 'auto';
  /** Serve HTTP (health, metrics, webhooks) on PORT. */
  http: boolean;
  /** Run the chat adapters configured by the environment (Slack, Telegram) and deliver their outbox. */
  chat?: boolean;
  /** Join (or start) the embedded redis-server of OPSBOT_HOME when REDIS_URL is not set. */
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
  private adapters: ChatAdapter[] = [];
  private cluster?: ClusterAccess;
  private notifier?: { stop(): Promise<void> };
  private imageWatch?: ImageWatch;
  private annotatedApps?: AnnotatedAppCatalog;
  private readonly deliveries: OutboxDelivery[] = [];
  private queues?: JobQueues;
  private embedded?: EmbeddedRedis;
  private readonly connections: Redis[] = [];
  private stopping?: Promise<boolean>;

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
    // Only the chat platforms need the 2 s fast failure; a console alone can wait for a busy Redis.
    const fast = await connectChecked(target, 'fast-fail', 'fast', connectTimeout, this.opts.chat ? 2000 : 10_000);
    const blocking = await connectChecked(target, 'blocking', 'blocking', connectTimeout);
    this.connections.push(fast, blocking);

    // Argo CD: the cluster as this process sees it (or none: those features say so).
    this.cluster = await ClusterAccess.open({ config, env, log: this.log, metrics: this.metrics });
    const { kinds, reviews, infra, repo } = await wireJobKinds({
      loaded: this.opts.loaded,
      env,
      home: this.home,
      fast,
      blocking,
      cluster: this.cluster,
      redactor: this.redactor,
      log: this.log,
      seed: this.opts.workers !== false,
    });
    const audit = new AuditLog(fast, this.redactor);
    this.queues = new JobQueues(fast, kinds);
    const outbox = new Outbox(blocking, this.redactor);
    const policy = new Policy(config);
    const limits = new RateLimits(fast, config.limits, (s) => policy.personOf(s), this.metrics);
    const deps: CommandDeps = {
      config,
      policy,
      queues: limitedQueue(this.queues, limits.jobs),
      audit,
      outbox: new Outbox(fast, this.redactor),
      reviews,
      commands: () => ALL_COMMANDS,
      infra,
    };
    this.router = new CommandRouter(ALL_COMMANDS as never, deps, this.metrics, this.log);

    const runWorkers = this.opts.workers === 'auto' ? !this.embedded?.othersRunWorkers() : this.opts.workers;
    if (runWorkers) {
      this.embedded?.setWorkers(true);
      this.metrics.initJobKinds(kinds.keys());
      this.workerPool = new WorkerPool(
        { redis: blocking, outbox, audit: new AuditLog(blocking, this.redactor), metrics: this.metrics, log: this.log, kinds },
        {
          concurrency: config.workers.concurrency,
          lockDurationMs: Number(env.OPSBOT_JOB_LOCK_MS ?? 30_000),
          // The rest of the grace is for cancelling what did not finish, and closing.
          shutdownGraceMs: config.workers.shutdownGrace - Math.min(5000, Math.floor(config.workers.shutdownGrace / 4)),
        },
      );
      await this.workerPool.start();
      const sandbox = await sandboxWarning(config, env);
      if (sandbox) this.log.warn(sandbox);
      await scheduleDriftChecks(this.queues.queue('drift'), config, this.log);
    }

    if (this.opts.consoleAs !== undefined) {
      const reader = blocking.duplicate();
      reader.on('error', () => undefined);
      this.connections.push(reader);
      const name = this.opts.consoleAs || userInfo().username;
      this.console = new ConsoleAdapter({
        router: this.router,
        reader,
        actor: { platform: 'console', id: name, displayName: name },
        completion: { commands: ALL_COMMANDS, config },
      });
    }

    if (this.opts.http) {
      this.http = new HttpServer({
        host: env.HOST ?? '127.0.0.1',
        port: Number(env.PORT ?? 3000),
        metrics: this.metrics,
        metricsToken: env.OPSBOT_METRICS_TOKEN,
        log: this.log,
        readiness: [
          { name: 'redis', check: async () => (await fast.ping()) === 'PONG' },
          ...(this.workerPool ? [{ name: 'workers', check: async () => this.workerPool!.isRunning() }] : []),
        ],
        beforeScrape: async () => {
          for (const [queue, counts] of Object.entries(await this.queues!.counts())) {
            for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ queue, state }, n);
          }
          const parked = new ParkedMessages(fast);
          for (const { platform } of this.adapters) {
            const backlog = await outboxBacklog(fast, platform);
            this.metrics.outboxWaiting.set({ platform }, backlog.waiting);
            this.metrics.outboxOldestAge.set({ platform }, backlog.oldestAgeS);
            this.metrics.outboxParkedNow.set({ platform }, await parked.count(platform));
          }
        },
      });
      // Operator view (bull-board): mounted only when OPSBOT_DASHBOARD_TOKEN is set.
      const queues = this.queues;
      await mountDashboard(this.http.app, { token: env.OPSBOT_DASHBOARD_TOKEN, queues: queues.queueNames().map((n) => queues.queue(n)) });
    }

    // Chat platforms (Slack, Telegram) in the processes that face chat: start and bot.
    if (this.opts.chat) {
      this.adapters = await createChatAdapters({
        config,
        env,
        router: this.router,
        policy,
        http: this.http?.app,
        redis: fast,
        audit,
        metrics: this.metrics,
        limits,
        redactor: this.redactor,
        log: this.log,
      });
      for (const adapter of this.adapters) {
        await adapter.start();
        const delivery = new OutboxDelivery({
          redis: blocking.duplicate(),
          adapter,
          log: this.log,
          audit,
          metrics: this.metrics,
          consumer: `${hostname()}-${process.pid}`,
          // A job's work that waits for its message (a plan's pull request comment linking it), done by a worker.
          followUp: (work, at) =>
            this.queues!.enqueueOnce(
              work.kind,
              { ...work.payload, link: at.link },
              { requester: OPSBOT_ACTOR, conversation: at.conversation, target: work.target },
              at.once,
            ),
        });
        delivery.start();
        this.deliveries.push(delivery);
      }
    }
    if (this.opts.chat) {
      await this.startNotifier(blocking);
      // Registry watches (issue 21): polled where Argo CD is watched, in the processes that face chat.
      this.imageWatch = startImageWatch({ config, redis: fast, queues: this.queues, audit, policy, log: this.log, env });
    }
    await this.startAnnotatedApps(repo);
    await this.http?.listen();
    this.log.info({ workers: this.opts.workers, http: this.opts.http, config: this.opts.loaded.file }, 'opsbot started');
  }

  /** Argo CD notifications, in the processes that face chat (see startNotifications). */
  private async startNotifier(blocking: Redis): Promise<void> {
    if (!this.cluster?.connected) return;
    const redis = blocking.duplicate();
    redis.on('error', () => undefined);
    this.connections.push(redis);
    this.notifier = await startNotifications({
      loaded: this.opts.loaded,
      cluster: this.cluster,
      redis,
      queues: this.queues!,
      log: this.log,
      metrics: this.metrics,
    });
  }

  /**
   * Apps declared by argocd-image-updater annotations, in every process with a cluster: the bot
   * answers for them, workers deploy them, the chat-facing processes watch their registries.
   */
  private async startAnnotatedApps(repo: GitopsRepo): Promise<void> {
    const { config } = this.opts.loaded;
    if (!config.argocd.imageUpdater.enabled || !this.cluster?.connected) return;
    this.annotatedApps = new AnnotatedAppCatalog({
      config,
      gitopsUrl: gitopsRemoteUrl(this.opts.loaded, this.home),
      log: this.log,
      repo,
      onWatches: (targets) => this.imageWatch?.setAnnotated(targets),
    });
    await this.annotatedApps.start(await this.cluster.startedWatcher());
  }

  private get home(): string {
    return opsbotHome(this.opts.env ?? process.env);
  }

  private async redisTarget(env: NodeJS.ProcessEnv): Promise<RedisTarget> {
    const fromEnv = redisTargetFromEnv(env);
    if (fromEnv) return fromEnv;
    if (!this.opts.allowEmbeddedRedis) {
      throw new OpsbotError(
        'E_NO_REDIS',
        'REDIS_URL is not set. Split processes (opsbot bot / opsbot worker) share one Redis: set REDIS_URL=redis://host:6379.',
      );
    }
    this.embedded = await joinEmbeddedRedis(this.home, { command: process.argv.slice(2).join(' ').slice(0, 120), env });
    this.log.info({ url: safeUrl(this.embedded.url), home: this.home }, 'using the embedded redis-server of OPSBOT_HOME');
    return { url: this.embedded.url };
  }

  /**
   * Stop intake, let running jobs finish, close Redis — all within `workers.shutdownGrace`,
   * whatever Redis does (gone with the process group, its connections retry forever): at the
   * deadline the connections are dropped and jobs still running are left to Redis's stalled-job
   * recovery. Resolves to whether it finished in time. Idempotent.
   */
  stop(): Promise<boolean> {
    this.stopping ??= (async () => {
      const deadline = Date.now() + this.opts.loaded.config.workers.shutdownGrace;
      const timeout = new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now())).unref());
      const inTime = await Promise.race([this.stopInOrder().then(() => true as const), timeout]);
      if (!inTime) this.log.warn('shutdown grace over: closing Redis connections; unfinished jobs are recovered by the next worker');
      for (const c of this.connections) c.disconnect();
      await this.embedded?.leave(Math.max(1000, deadline - Date.now()));
      this.log.info('opsbot stopped');
      return inTime;
    })();
    return this.stopping;
  }

  private async stopInOrder(): Promise<void> {
    this.console?.stop();
    // The drain starts at once: a job's last words go to the outbox in Redis, not to a chat.
    const draining = this.workerPool?.close().catch((err: unknown) => this.log.warn({ err }, 'worker shutdown'));
    await this.http?.close().catch(() => undefined);
    await Promise.all(this.deliveries.map((d) => d.stop()));
    await Promise.all(this.adapters.map((a) => a.stop().catch(() => undefined)));
    await this.notifier?.stop().catch(() => undefined);
    this.annotatedApps?.stop();
    await this.imageWatch?.stop().catch(() => undefined);
    await this.cluster?.stop().catch(() => undefined);
    await draining;
    await this.queues?.close().catch(() => undefined);
  }
}
