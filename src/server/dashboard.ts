import { createHmac } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches, sameToken } from './bearer-token.js';

export const DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'opsbot_dashboard';

export interface DashboardOptions {
  /** `OPSBOT_DASHBOARD_TOKEN`. Without one the dashboard is not mounted at all (404). */
  token: string | undefined;
  queues: Queue[];
  basePath?: string;
}

/**
 * The operator's view of the job queues (bull-board), on the HTTP server the process already
 * has. Off unless a token is configured; every request under the path must carry it, as
 * `Authorization: Bearer <token>`, or as the cookie that `?token=<token>` sets once for a browser.
 *
 * Read-only on purpose: bull-board's "retry" and "promote" would re-run a job that opsbot has
 * decided must never run twice (an interrupted `apply`, a deploy commit); `/cancel` and `/jobs`
 * in chat are the audited way to act on jobs.
 *
 * Returns whether it was mounted. Call before the server listens.
 */
export async function mountDashboard(app: FastifyInstance, opts: DashboardOptions): Promise<boolean> {
  const token = opts.token?.trim();
  if (!token) return false;
  // bull-board and its UI are ~25 MB resident: loaded only when the dashboard is switched on.
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const basePath = opts.basePath ?? DASHBOARD_PATH;
  const serverAdapter = new FastifyAdapter().setBasePath(basePath);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'opsbot queues' } },
  });
  const session = sessionValue(token);

  // An encapsulated scope: the hook guards the dashboard's routes and nothing else on the server.
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => guard(req, reply, { token, session, basePath }));
    await scope.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
  return true;
}

interface Guard {
  token: string;
  session: string;
  basePath: string;
}

async function guard(req: FastifyRequest, reply: FastifyReply, g: Guard): Promise<void> {
  const url = new URL(req.url, 'http://dashboard.invalid');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) {
    if (!sameToken(fromQuery, g.token)) return deny(reply);
    // The cookie holds a value derived from the token, never the token itself; the redirect drops
    // `?token=` from the address bar and the browser history.
    url.searchParams.delete('token');
    const secure = req.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${COOKIE}=${g.session}; Path=${g.basePath}; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`);
    await reply.redirect(`${url.pathname}${url.search}`, 303);
    return;
  }
  if (bearerMatches(req.headers.authorization, g.token)) return;
  const cookie = readCookie(req.headers.cookie, COOKIE);
  if (cookie !== undefined && sameToken(cookie, g.session)) return;
  return deny(reply);
}

async function deny(reply: FastifyReply): Promise<void> {
  await reply.code(401).header('www-authenticate', 'Bearer realm="opsbot dashboard"').send({
    error: 'unauthorized',
    message: 'Send Authorization: Bearer <OPSBOT_DASHBOARD_TOKEN>, or open the dashboard once with ?token=<OPSBOT_DASHBOARD_TOKEN>.',
  });
}

function sessionValue(token: string): string {
  return createHmac('sha256', token).update('opsbot-dashboard-session-v1').digest('base64url');
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
