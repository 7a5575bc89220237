import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { bearerMatches } from './bearer-token.js';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** `OPSBOT_METRICS_TOKEN`: when set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Refresh scrape-time gauges (queue depth) before /metrics answers. */
  beforeScrape?: () => Promise<void>;
  log: Logger;
}

/**
 * One port for everything HTTP: health, readiness, metrics, and (from the adapters) webhooks.
 * Adapters register their routes on `app` before `listen`.
 */
export class HttpServer {
  readonly app: FastifyInstance;

  constructor(private readonly opts: HttpServerOptions) {
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    this.app.get('/healthz', async () => ({ status: 'ok' }));
    this.app.get('/readyz', async (_req, reply) => {
      const results: Record<string, boolean> = {};
      await Promise.all(
        opts.readiness.map(async (r) => {
          results[r.name] = await withTimeout(r.check(), 2000).catch(() => false);
        }),
      );
      const ok = Object.values(results).every(Boolean);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks: results });
    });
    const metricsToken = opts.metricsToken?.trim() || undefined;
    this.app.get('/metrics', async (req, reply) => {
      if (metricsToken && !bearerMatches(req.headers.authorization, metricsToken)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="opsbot metrics"').send({
          error: 'unauthorized',
          message: 'Send Authorization: Bearer <OPSBOT_METRICS_TOKEN> (Prometheus: authorization.credentials_file).',
        });
      }
      await withTimeout(opts.beforeScrape?.() ?? Promise.resolve(), 2000).catch(() => undefined);
      return reply.header('content-type', opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
    });
  }

  async listen(): Promise<string> {
    const address = await this.app.listen({ host: this.opts.host, port: this.opts.port });
    this.opts.log.info({ address }, 'HTTP listening');
    return address;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
