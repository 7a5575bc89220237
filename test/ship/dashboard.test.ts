import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const TOKEN = 'dashboard-test-token-0123456789';

async function fetchText(url: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000), ...init });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('operator view: the queue dashboard at /admin/queues', () => {
  let redis: TestRedis;
  const procs: OpsbotProcess[] = [];

  /** The chat-facing process serves the dashboard; a worker drops the token (it talks to no person). */
  async function serve(extra: Record<string, string | undefined>, kind: 'bot' | 'worker' = 'bot'): Promise<string> {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: writeConfig(''), OPSBOT_HOME: tempDir(), LOG_LEVEL: 'info', PORT: '0', ...extra });
    const p = new OpsbotProcess([kind], { env });
    procs.push(p);
    const [, address] = await p.waitFor(/"address":"(http:\/\/[^"]+)"/, { stream: 'stderr' });
    return address!;
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
  });

  it('is off (404) when OPSBOT_DASHBOARD_TOKEN is not set, even with a token in the request', async () => {
    const base = await serve({ OPSBOT_DASHBOARD_TOKEN: undefined });
    expect((await fetchText(`${base}/admin/queues`)).status).toBe(404);
    expect((await fetchText(`${base}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetchText(`${base}/healthz`)).status).toBe(200);
  });

  it('is off on a worker even with the token in its environment: workers drop it', async () => {
    const base = await serve({ OPSBOT_DASHBOARD_TOKEN: TOKEN }, 'worker');
    expect((await fetchText(`${base}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetchText(`${base}/healthz`)).status).toBe(200);
  });

  describe('with a token configured', () => {
    let base: string;
    beforeAll(async () => {
      base = await serve({ OPSBOT_DASHBOARD_TOKEN: TOKEN });
    });

    it.each<[string, Record<string, string>]>([
      ['no token', {}],
      ['a wrong bearer token', { authorization: 'Bearer wrong' }],
      ['a token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
      ['a forged cookie', { cookie: `opsbot_dashboard=${TOKEN}` }],
    ])('%s → 401', async (_title, headers) => {
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
        const res = await fetchText(`${base}${path}`, { headers });
        expect(res.status, path).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
      }
      expect((await fetchText(`${base}/admin/queues?token=wrong`)).status).toBe(401);
    });

    it('a bearer token opens the UI and the API, which lists the job queues read-only', async () => {
      const headers = { authorization: `Bearer ${TOKEN}` };
      const page = await fetchText(`${base}/admin/queues`, { headers });
      expect(page.status).toBe(200);
      expect(page.text).toContain('opsbot queues');
      const api = await fetchText(`${base}/admin/queues/api/queues`, { headers });
      expect(api.status).toBe(200);
      const body = JSON.parse(api.text) as { queues: { name: string; readOnlyMode: boolean }[] };
      expect(body.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['deploy', 'diagnose', 'apply']));
      expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
    });

    it('?token= sets an HttpOnly cookie (not the token itself) and redirects to the clean address', async () => {
      const first = await fetchText(`${base}/admin/queues?token=${TOKEN}`);
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/admin/queues');
      const cookie = first.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^opsbot_dashboard=[A-Za-z0-9_-]+; Path=\/admin\/queues; HttpOnly; SameSite=Strict/);
      expect(cookie).not.toContain(TOKEN);
      const pair = cookie.split(';')[0]!;
      expect((await fetchText(`${base}/admin/queues/api/queues`, { headers: { cookie: `other=1; ${pair}` } })).status).toBe(200);
    });

    it('leaves the rest of the server alone: /healthz and /metrics need no token', async () => {
      expect((await fetchText(`${base}/healthz`)).status).toBe(200);
      expect((await fetchText(`${base}/metrics`)).status).toBe(200);
    });
  });
});
