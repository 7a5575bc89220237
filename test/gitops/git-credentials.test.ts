import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactGitOutput } from '../../src/gitops/git-redact.js';
import { classifyGitFailure } from '../../src/gitops/git-runner.js';
import { RepoWriter } from '../../src/gitops/repo-writer.js';

const TOKEN = 'ghs_0123456789abcdefghijklmnopqrstuvwxyzAB';

/** A git "smart HTTP" remote that refuses everyone, recording what git sent. */
let seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"' }).end('denied');
});
let port = 0;
let cache = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  cache = await mkdtemp(path.join(tmpdir(), 'opsbot-cache-'));
});
afterAll(async () => {
  server.close();
  await rm(cache, { recursive: true, force: true });
});

describe('credentials reach git only through memory, and never come back out', () => {
  it('sends the token as an Authorization header; a refusal is E_GIT_AUTH without the token', async () => {
    seen = [];
    const w = new RepoWriter({ url: `http://127.0.0.1:${port}/org/gitops.git`, cacheDir: cache, token: TOKEN });
    const err = await w.readFile('x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_GIT_AUTH' });
    expect(String((err as Error).message)).not.toContain(TOKEN);
    const auth = seen.map((h) => h.authorization).find(Boolean);
    expect(Buffer.from(String(auth).replace(/^Basic /, ''), 'base64').toString()).toBe(`x-access-token:${TOKEN}`);
    expect(await readFile(path.join(w.workdir, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
  });

  it('a token embedded in the configured URL is moved to the header and redacted from errors', async () => {
    seen = [];
    const w = new RepoWriter({ url: `http://bot:${TOKEN}@127.0.0.1:${port}/org/other.git`, cacheDir: cache });
    const err = (await w.readFile('x').catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'E_GIT_AUTH' });
    expect(err.message).not.toContain(TOKEN);
    expect(seen.some((h) => h.authorization === `Basic ${Buffer.from(`bot:${TOKEN}`).toString('base64')}`)).toBe(true);
    expect(await readFile(path.join(w.workdir, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
  });

  it('without credentials git does not prompt: E_GIT_AUTH at once', async () => {
    const w = new RepoWriter({ url: `http://127.0.0.1:${port}/org/third.git`, cacheDir: cache, env: { PATH: process.env.PATH } });
    await expect(w.readFile('x')).rejects.toMatchObject({ code: 'E_GIT_AUTH' });
  });

  it('a remote path that does not exist is E_GIT_UNREACHABLE', async () => {
    const w = new RepoWriter({ url: path.join(cache, 'missing.git'), cacheDir: cache });
    await expect(w.readFile('x')).rejects.toMatchObject({ code: 'E_GIT_UNREACHABLE' });
  });
});

describe('redactGitOutput', () => {
  it.each([
    ["fatal: unable to access 'https://bot:s3cr3t-pass@github.com/org/repo.git/': 403", "fatal: unable to access 'https://***@github.com/org/repo.git/': 403"],
    ['remote: https://x-access-token:ghs_abc@github.com', 'remote: https://***@github.com'],
    ['x-access-token:abc123 rejected', 'x-access-token:*** rejected'],
    ['Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hz', 'Authorization: Basic ***'],
    [`token ${TOKEN} leaked`, 'token *** leaked'],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnop in output', '*** in output'],
  ])('%s', (input, expected) => expect(redactGitOutput(input)).toBe(expected));
  it('redacts known secrets verbatim', () => expect(redactGitOutput('pw=hunter22 ok', ['hunter22'])).toBe('pw=*** ok'));
});

describe('classifyGitFailure', () => {
  it.each([
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", 'E_GIT_AUTH'],
    ['git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.', 'E_GIT_AUTH'],
    ["fatal: unable to access 'https://nohost.invalid/': Could not resolve host: nohost.invalid", 'E_GIT_UNREACHABLE'],
    ["fatal: '/tmp/x.git' does not appear to be a git repository", 'E_GIT_UNREACHABLE'],
    ["fatal: couldn't find remote ref main", 'E_GIT'],
  ])('%s → %s', (stderr, code) => expect(classifyGitFailure(stderr)).toBe(code));
});
