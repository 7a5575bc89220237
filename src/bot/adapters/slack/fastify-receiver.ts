import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../core/logger.js';
import { verifySlackRequest } from './verify-request.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Slack allows 3 s to acknowledge a request; past that the user sees "operation_timeout". If no
 * listener acknowledged by this time, answer an empty 200 ourselves so Slack does not show an
 * error (the adapter acks well before; this is the safety net).
 */
const ACK_DEADLINE_MS = 2800;

type SlackBody = Record<string, unknown>;

/**
 * A Bolt `Receiver` over the shared fastify server (like bolt-js's HTTPReceiver, one class per
 * way of receiving): `POST /slack/events` for slash commands, interactivity and the Events API.
 * The signature is checked over the raw bytes before anything is parsed; a bad or stale one is
 * a 401 and Bolt never sees the request.
 */
export class FastifyReceiver implements Receiver {
  private bolt?: App;

  constructor(
    http: FastifyInstance,
    private readonly opts: { signingSecret: string; log: Logger; now?: () => number },
  ) {
    // Encapsulated: the raw-body parsers apply to this route only, not to the rest of the server.
    void http.register(async (scope) => {
      scope.addContentTypeParser(['application/x-www-form-urlencoded', 'application/json'], { parseAs: 'buffer' }, (_req, body, done) =>
        done(null, body),
      );
      scope.post(SLACK_EVENTS_PATH, (req, reply) => this.handle(req, reply));
    });
  }

  init(app: App): void {
    this.bolt = app;
  }

  // The shared server listens and closes with the process; nothing of our own to start.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifySlackRequest({
      signingSecret: this.opts.signingSecret,
      rawBody: raw,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature: header(req, 'x-slack-signature'),
      nowMs: (this.opts.now ?? Date.now)(),
    });
    if (!verdict.ok) {
      this.opts.log.warn({ reason: verdict.reason, ip: req.ip }, 'slack request refused');
      return void (await reply.code(401).send({ error: 'invalid request signature' }));
    }
    let body: SlackBody;
    try {
      body = parseBody(raw, header(req, 'content-type') ?? '');
    } catch {
      return void (await reply.code(400).send({ error: 'unreadable body' }));
    }
    if (body.ssl_check === '1') return void (await reply.code(200).send());
    if (body.type === 'url_verification') return void (await reply.code(200).send({ challenge: body.challenge }));
    if (!this.bolt) return void (await reply.code(503).send());

    let settled = false;
    const answer = (status: number, response: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (response === undefined || response === '') void reply.code(status).send();
      else if (typeof response === 'string') void reply.code(status).type('text/plain; charset=utf-8').send(response);
      else void reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(response));
    };
    const timer = setTimeout(() => {
      this.opts.log.warn({ type: body.type ?? body.command }, 'slack request not acknowledged in time; answered empty');
      answer(200, undefined);
    }, ACK_DEADLINE_MS);
    const retryNum = header(req, 'x-slack-retry-num');
    const event: ReceiverEvent = {
      body,
      retryNum: retryNum !== undefined ? Number(retryNum) : undefined,
      retryReason: header(req, 'x-slack-retry-reason'),
      ack: async (response?: unknown) => answer(200, response),
    };
    try {
      await this.bolt.processEvent(event);
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, 'slack request failed');
      answer(500, undefined);
    }
    // Fastify must not reply on its own: the ack (or the deadline) does.
    return reply;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Slash commands are form fields; interactivity is a form with one `payload` field of JSON; events are JSON. */
function parseBody(raw: Buffer, contentType: string): SlackBody {
  const text = raw.toString('utf8');
  if (contentType.startsWith('application/json')) return JSON.parse(text) as SlackBody;
  const form = Object.fromEntries(new URLSearchParams(text));
  if (typeof form.payload === 'string') return JSON.parse(form.payload) as SlackBody;
  return form;
}
