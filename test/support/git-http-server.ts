import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback git server that answers like a forge across the internet: git's own smart-HTTP
 * server (`git http-backend`, run as CGI per request) behind a pause of `delayMs` on each
 * `info/refs` request — the one round trip every fetch, push and ls-remote starts with. Pushes
 * are allowed (the CGI sees an authenticated user). Repositories are the bare ones under `root`:
 * `http://127.0.0.1:<port>/<name>.git`.
 */
export interface GitHttpServer {
  url(repo: string): string;
  /** Requests served, by kind (`info/refs`, `git-upload-pack`, `git-receive-pack`). */
  counts: Map<string, number>;
  close(): Promise<void>;
}

export async function startGitHttpServer(root: string, opts: { delayMs: number }): Promise<GitHttpServer> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const kind = url.pathname.endsWith('/info/refs') ? 'info/refs' : (url.pathname.split('/').pop() ?? '?');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const run = () => {
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: '1',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          REMOTE_USER: 'opsbot',
          REMOTE_ADDR: '127.0.0.1',
          REQUEST_METHOD: req.method ?? 'GET',
          PATH_INFO: url.pathname,
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
          ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        },
      });
      req.pipe(cgi.stdin);
      let head = Buffer.alloc(0);
      let headersDone = false;
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) return void res.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headersDone = true;
        let status = 200;
        for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
          const [name = '', ...rest] = line.split(':');
          const value = rest.join(':').trim();
          if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]) || 200;
          else if (name) res.setHeader(name, value);
        }
        res.writeHead(status);
        res.write(head.subarray(end + 4));
      });
      cgi.on('close', () => res.end());
      cgi.on('error', () => res.destroy());
    };
    if (kind === 'info/refs') setTimeout(run, opts.delayMs);
    else run();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
