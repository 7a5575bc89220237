import { buffer } from 'node:stream/consumers';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a stand-in (Slack's Web API, Telegram's Bot API…) that answers the
 * next N matching requests itself — with any status, headers and body: a 429 with Retry-After,
 * a 500 the stand-in cannot produce — and forwards everything else untouched. A rejected request
 * never reaches the stand-in, so what the stand-in recorded is exactly what got through.
 * Every matching request is recorded with what it was answered, in arrival order.
 */
export interface InjectedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface ProxiedCall {
  method: string;
  /** Path and query. */
  path: string;
  /** The injected status, or the stand-in's. */
  status: number;
  injected: boolean;
  at: number;
}

export interface FaultProxy {
  /** Base URL of the proxy (no trailing slash): use it instead of the stand-in's origin. */
  origin: string;
  /** Matching requests so far (forwarded or answered here), oldest first. */
  calls: ProxiedCall[];
  /** Answer the next `times` matching requests with `answer` (queued after earlier scripts). */
  answerNext(answer: InjectedAnswer, times?: number): void;
  /** Scripted answers not used yet. */
  pending(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, opts: { match?: (method: string, path: string) => boolean } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const match = opts.match ?? (() => true);
  const script: InjectedAnswer[] = [];
  const calls: ProxiedCall[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const body = await buffer(req);
      const path = req.url ?? '/';
      const matches = match(req.method ?? 'GET', path);
      const scripted = matches ? script.shift() : undefined;
      if (scripted) {
        calls.push({ method: req.method ?? 'GET', path, status: scripted.status, injected: true, at: Date.now() });
        res.writeHead(scripted.status, { 'content-type': 'application/json; charset=utf-8', ...scripted.headers }).end(scripted.body);
        return;
      }
      const record: ProxiedCall | undefined = matches ? { method: req.method ?? 'GET', path, status: 0, injected: false, at: Date.now() } : undefined;
      if (record) calls.push(record);
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (answer) => {
        if (record) record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502).end(String(err));
        else res.destroy();
      });
      res.on('close', () => out.destroy());
      out.end(body);
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    answerNext: (answer, times = 1) => {
      for (let i = 0; i < times; i++) script.push(answer);
    },
    pending: () => script.length,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
