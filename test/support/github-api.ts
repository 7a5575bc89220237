import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A local stand-in for the GitHub REST API (reached through GITHUB_API_URL). Every request is
 * checked against GitHub's published OpenAPI description (@octokit/openapi): the operation must
 * exist, path parameters and JSON body fields must have the described types, required fields must
 * be present, and the Authorization header must carry the token. Responses are GitHub's own
 * examples with this PR's values filled in, and are themselves checked against the response
 * schema. A merge really merges the branch in the backing bare repository.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: Json };

const require = createRequire(import.meta.url);
const SPEC_FILE = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
let spec: Schema | undefined;
function loadSpec(): Schema {
  spec ??= JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Schema;
  return spec;
}

function resolve(node: Json | undefined): Json | undefined {
  let n = node;
  for (let i = 0; i < 20 && n && typeof n === 'object' && !Array.isArray(n) && typeof n.$ref === 'string'; i++) {
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce<Json | undefined>((o, k) => (o && typeof o === 'object' && !Array.isArray(o) ? o[k] : undefined), loadSpec());
  }
  return n;
}

/** Checks a value against a (subset of) JSON Schema as GitHub's description uses it. */
export function schemaViolations(value: Json | undefined, schemaNode: Json | undefined, at = '$', depth = 0): string[] {
  const schema = resolve(schemaNode) as Schema | undefined;
  if (!schema || depth > 12) return [];
  for (const combo of ['anyOf', 'oneOf'] as const) {
    const options = schema[combo];
    if (Array.isArray(options) && !options.some((o) => schemaViolations(value, o, at, depth + 1).length === 0))
      return [`${at}: matches none of ${combo}`];
  }
  if (Array.isArray(schema.allOf)) return schema.allOf.flatMap((s) => schemaViolations(value, s, at, depth + 1));
  if (value === null) return schema.nullable === true || schema.type === 'null' || schema.type === undefined ? [] : [`${at}: is null`];
  if (value === undefined) return [];
  const type = schema.type;
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (typeof type === 'string' && type !== actual && !(type === 'number' && actual === 'integer')) return [`${at}: expected ${type}, got ${actual}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    return [`${at}: ${JSON.stringify(value)} not one of ${JSON.stringify(schema.enum)}`];
  const out: string[] = [];
  if (actual === 'object' && typeof value === 'object' && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Schema;
    for (const r of Array.isArray(schema.required) ? schema.required : []) if (!(String(r) in value)) out.push(`${at}.${String(r)}: required`);
    for (const [k, v] of Object.entries(value)) out.push(...schemaViolations(v, props[k], `${at}.${k}`, depth + 1));
  }
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...schemaViolations(v, schema.items, `${at}[${i}]`, depth + 1)));
  return out;
}

export interface RecordedCall {
  method: string;
  path: string;
  operationId?: string;
  body: Json | undefined;
  authorization?: string;
  status: number;
  /** Where the request or our response departed from GitHub's description; should stay empty. */
  violations: string[];
}

interface PullState {
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeSha: string | null;
  mergedAt: string | null;
  createdAt: string;
  /** The head is in a fork: its commits are only at `refs/pull/<n>/head` of this repository. */
  fork?: boolean;
  author?: string;
  /** What GitHub reports: true, false (conflicts, failing requirements) or null (not computed yet). */
  mergeable?: boolean | null;
  reviews: { id: number; user: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED'; commit: string; at: string }[];
}

export interface IssueComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface CommitStatus {
  id: number;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string;
  targetUrl: string | null;
}

export interface GitHubApiDouble {
  /** Base URL for GITHUB_API_URL. */
  url: string;
  calls: RecordedCall[];
  pulls: Map<number, PullState>;
  /**
   * Runs when an authorised, valid request arrives, before it is served: a test acts there as
   * someone else would at that moment (e.g. pushes to a pull request's branch just before it is
   * created or merged).
   */
  onRequest?: (operationId: string) => Promise<void>;
  comments: Map<number, IssueComment>;
  /** Every status set, oldest first (GitHub keeps them all; the latest per context counts). */
  statuses: CommitStatus[];
  /** A pull request opened on GitHub by someone (a fork's, when `fork`: its head commit goes to refs/pull/<n>/head). */
  openPull(p: {
    owner: string;
    repo: string;
    head: string;
    base?: string;
    title?: string;
    fork?: { sha: string };
    author?: string;
  }): Promise<PullState>;
  /** A review submitted on GitHub by `user`. */
  review(number: number, user: string, state: PullState['reviews'][number]['state']): Promise<void>;
  close(): Promise<void>;
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
};
const git = async (cwd: string, args: string[], input?: string) =>
  execa('git', args, { cwd, env: GIT_ENV, reject: false, ...(input !== undefined ? { input } : {}) });

/** `repos` maps `owner/repo` to the path of its bare repository. */
export async function startGitHubApi(opts: { token: string; repos: Record<string, string> }): Promise<GitHubApiDouble> {
  const paths = loadSpec().paths as Schema;
  const routes = Object.keys(paths).map((template) => ({
    template,
    re: new RegExp(`^${template.replace(/\{ref\}/g, '(?<ref>.+)').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
  }));
  const calls: RecordedCall[] = [];
  const pulls = new Map<number, PullState>();
  const comments = new Map<number, IssueComment>();
  const statuses: CommitStatus[] = [];
  let nextNumber = 1;
  let nextId = 1;
  // Assigned once the server listens; requests only arrive after that.
  const served: { double?: GitHubApiDouble } = {};

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toLowerCase();
    const raw = await new Promise<string>((ok) => {
      let s = '';
      req.on('data', (c: Buffer) => (s += c.toString()));
      req.on('end', () => ok(s));
    });
    const body = raw ? (JSON.parse(raw) as Json) : undefined;
    const call: RecordedCall = {
      method: method.toUpperCase(),
      path: url.pathname,
      body,
      status: 0,
      violations: [],
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    calls.push(call);
    const send = (status: number, payload?: Json, schema?: Json) => {
      call.status = status;
      if (schema) call.violations.push(...schemaViolations(payload, schema, 'response'));
      res
        .writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' })
        .end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const route = routes.find((r) => r.re.test(decodeURIComponent(url.pathname)));
    const op = route ? (resolve((paths[route.template] as Schema)[method]) as Schema | undefined) : undefined;
    if (!route || !op) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    call.operationId = String(op.operationId);
    const params = route.re.exec(decodeURIComponent(url.pathname))!.groups ?? {};
    for (const p of (op.parameters as Json[] | undefined) ?? []) {
      const param = resolve(p) as Schema;
      const value = param.in === 'path' ? params[String(param.name)] : param.in === 'query' ? url.searchParams.get(String(param.name)) : undefined;
      if (value === undefined || value === null) continue;
      const typed = (resolve((param.schema as Schema | undefined)?.type) === 'integer' ? Number(value) : value) as Json;
      call.violations.push(...schemaViolations(typed, param.schema, `${param.in}.${String(param.name)}`));
    }
    const content = ((resolve((op.requestBody as Schema | undefined) ?? null) as Schema | null)?.content as Schema | undefined)?.[
      'application/json'
    ] as Schema | undefined;
    if (content) {
      const schema = resolve(content.schema) as Schema;
      call.violations.push(...schemaViolations(body ?? {}, schema, 'body'));
      const known = Object.keys((schema.properties ?? {}) as Schema);
      for (const k of Object.keys(body && typeof body === 'object' && !Array.isArray(body) ? body : {}))
        if (!known.includes(k)) call.violations.push(`body.${k}: not in the description`);
    }
    if (req.headers.authorization !== `token ${opts.token}` && req.headers.authorization !== `Bearer ${opts.token}`) {
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    if (call.violations.length)
      return send(422, { message: 'Validation Failed', errors: call.violations, documentation_url: 'https://docs.github.com/rest' });
    await served.double?.onRequest?.(call.operationId);
    const repoKey = `${params.owner}/${params.repo}`;
    const bare = opts.repos[repoKey];
    if (!bare) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const responseSchema = (status: string) =>
      ((resolve((op.responses as Schema)[status]) as Schema)?.content as Schema)?.['application/json'] as Schema | undefined;
    const b = (body ?? {}) as Record<string, Json>;
    const pr = params.pull_number ? pulls.get(Number(params.pull_number)) : undefined;
    if (params.pull_number && (!pr || pr.owner !== params.owner || pr.repo !== params.repo))
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

    switch (`${method} ${route.template}`) {
      case 'post /repos/{owner}/{repo}/pulls': {
        const head = String(b.head).replace(/^[^:]+:/, '');
        if (!(await sha(bare, head))) return send(422, validation('head', 'invalid'));
        if ([...pulls.values()].some((p) => p.state === 'open' && p.head === head && p.base === b.base)) {
          return send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${params.owner}:${head}.` }],
            documentation_url: 'https://docs.github.com/rest',
          });
        }
        const created = newPull({
          owner: params.owner!,
          repo: params.repo!,
          title: String(b.title ?? ''),
          body: String(b.body ?? ''),
          head,
          base: String(b.base),
        });
        pulls.set(created.number, created);
        return send(201, await pullJson(created, bare), responseSchema('201')?.schema);
      }
      case 'get /repos/{owner}/{repo}/pulls': {
        const head = url.searchParams.get('head')?.replace(/^[^:]+:/, '');
        const state = url.searchParams.get('state') ?? 'open';
        const list = [...pulls.values()].filter(
          (p) => p.owner === params.owner && p.repo === params.repo && (!head || p.head === head) && (state === 'all' || p.state === state),
        );
        return send(200, await Promise.all(list.map((p) => pullJson(p, bare))));
      }
      case 'get /repos/{owner}/{repo}/pulls/{pull_number}':
        return send(200, await pullJson(pr!, bare), responseSchema('200')?.schema);
      case 'patch /repos/{owner}/{repo}/pulls/{pull_number}': {
        if (b.state === 'closed' || b.state === 'open') pr!.state = b.state;
        if (typeof b.title === 'string') pr!.title = b.title;
        if (typeof b.body === 'string') pr!.body = b.body;
        return send(200, await pullJson(pr!, bare), responseSchema('200')?.schema);
      }
      case 'put /repos/{owner}/{repo}/pulls/{pull_number}/merge': {
        const headSha = await sha(bare, pr!.head);
        if (pr!.merged || pr!.state === 'closed' || !headSha)
          return send(405, { message: 'Pull Request is not mergeable', documentation_url: 'https://docs.github.com/rest' });
        if (typeof b.sha === 'string' && b.sha !== headSha)
          return send(409, {
            message: 'Head branch was modified. Review and try the merge again.',
            documentation_url: 'https://docs.github.com/rest',
          });
        const merged = await mergeInRepo(bare, pr!, headSha, String(b.merge_method ?? 'merge'), b.commit_title, b.commit_message);
        if (!merged) return send(405, { message: 'Pull Request is not mergeable', documentation_url: 'https://docs.github.com/rest' });
        Object.assign(pr!, { merged: true, state: 'closed', mergeSha: merged, mergedAt: new Date().toISOString() });
        return send(200, { sha: merged, merged: true, message: 'Pull Request successfully merged' }, responseSchema('200')?.schema);
      }
      case 'get /repos/{owner}/{repo}/pulls/{pull_number}/reviews':
        return send(
          200,
          pr!.reviews.map((r) => reviewJson(pr!, r)),
          responseSchema('200')?.schema,
        );
      case 'get /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const n = Number(params.issue_number);
        if (!pulls.has(n)) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        const list = [...comments.values()].filter((c) => c.owner === params.owner && c.repo === params.repo && c.issue === n);
        return send(200, list.map(commentJson), responseSchema('200')?.schema);
      }
      case 'post /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const n = Number(params.issue_number);
        if (!pulls.has(n)) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        const now = new Date().toISOString();
        const c: IssueComment = {
          id: nextId++,
          owner: params.owner!,
          repo: params.repo!,
          issue: n,
          body: String(b.body),
          createdAt: now,
          updatedAt: now,
        };
        comments.set(c.id, c);
        return send(201, commentJson(c), responseSchema('201')?.schema);
      }
      case 'patch /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = comments.get(Number(params.comment_id));
        if (!c || c.owner !== params.owner || c.repo !== params.repo)
          return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        Object.assign(c, { body: String(b.body), updatedAt: new Date().toISOString() });
        return send(200, commentJson(c), responseSchema('200')?.schema);
      }
      case 'post /repos/{owner}/{repo}/statuses/{sha}': {
        // GitHub answers 422 for a commit it does not have.
        if ((await git(bare, ['cat-file', '-e', `${params.sha}^{commit}`])).exitCode !== 0)
          return send(422, { message: `No commit found for SHA: ${params.sha}`, documentation_url: 'https://docs.github.com/rest' });
        const st: CommitStatus = {
          id: nextId++,
          repo: repoKey,
          sha: params.sha!,
          state: String(b.state),
          context: String(b.context ?? 'default'),
          description: String(b.description ?? ''),
          targetUrl: typeof b.target_url === 'string' ? b.target_url : null,
        };
        statuses.push(st);
        return send(201, statusJson(st), responseSchema('201')?.schema);
      }
      case 'delete /repos/{owner}/{repo}/git/refs/{ref}': {
        const ref = `refs/${params.ref}`;
        if (
          (await git(bare, ['update-ref', '-d', ref, (await git(bare, ['rev-parse', '--verify', '--quiet', ref])).stdout.trim() || '0'.repeat(40)]))
            .exitCode !== 0
        ) {
          return send(422, { message: 'Reference does not exist', documentation_url: 'https://docs.github.com/rest' });
        }
        return send(204);
      }
      default:
        return send(501, { message: `${call.operationId} is not implemented by the stand-in` });
    }
  }

  /** An open pull request, numbered next: how both the REST call and `openPull` make one. */
  const newPull = (fields: Omit<PullState, 'number' | 'state' | 'merged' | 'mergeSha' | 'mergedAt' | 'createdAt' | 'reviews'>): PullState => ({
    number: nextNumber++,
    state: 'open',
    merged: false,
    mergeSha: null,
    mergedAt: null,
    createdAt: new Date().toISOString(),
    reviews: [],
    ...fields,
  });
  const server = createServer((req, res) => void handle(req, res).catch((err: unknown) => res.writeHead(500).end(String(err))));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const openPull: GitHubApiDouble['openPull'] = async (p) => {
    const bare = opts.repos[`${p.owner}/${p.repo}`];
    if (!bare) throw new Error(`no repository ${p.owner}/${p.repo} in the stand-in`);
    const pr = newPull({
      owner: p.owner,
      repo: p.repo,
      title: p.title ?? p.head,
      body: '',
      head: p.head,
      base: p.base ?? 'main',
      ...(p.fork ? { fork: true } : {}),
      ...(p.author ? { author: p.author } : {}),
    });
    // What GitHub does for every pull request: its head is readable at refs/pull/<n>/head.
    if (p.fork) await git(bare, ['update-ref', `refs/pull/${pr.number}/head`, p.fork.sha]);
    pulls.set(pr.number, pr);
    return pr;
  };
  const review: GitHubApiDouble['review'] = async (number, user, state) => {
    const pr = pulls.get(number);
    if (!pr) throw new Error(`no pull request #${number}`);
    pr.reviews.push({
      id: nextId++,
      user,
      state,
      commit: (await headOf(opts.repos[`${pr.owner}/${pr.repo}`]!, pr)) ?? '0'.repeat(40),
      at: new Date().toISOString(),
    });
  };
  const double: GitHubApiDouble = {
    url: `http://127.0.0.1:${port}`,
    calls,
    pulls,
    comments,
    statuses,
    openPull,
    review,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
  served.double = double;
  return double;
}

async function headOf(bare: string, pr: PullState): Promise<string | null> {
  if (!pr.fork) return sha(bare, pr.head);
  const r = await git(bare, ['rev-parse', '--verify', '--quiet', `refs/pull/${pr.number}/head`]);
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

function example(name: string): Record<string, Json> {
  return structuredClone(((resolve((loadSpec().components as Schema).examples) as Schema)[name] as Schema).value) as Record<string, Json>;
}

function userJson(login: string): Json {
  return { ...(example('issue-comment').user as Record<string, Json>), login, html_url: `https://github.com/${login}` };
}

function reviewJson(pr: PullState, r: PullState['reviews'][number]): Json {
  return {
    ...example('pull-request-review'),
    id: r.id,
    user: userJson(r.user),
    state: r.state,
    commit_id: r.commit,
    submitted_at: r.at,
    html_url: `https://github.com/${pr.owner}/${pr.repo}/pull/${pr.number}#pullrequestreview-${r.id}`,
    pull_request_url: `https://api.github.com/repos/${pr.owner}/${pr.repo}/pulls/${pr.number}`,
  };
}

function commentJson(c: IssueComment): Json {
  const api = `https://api.github.com/repos/${c.owner}/${c.repo}`;
  return {
    ...example('issue-comment'),
    id: c.id,
    body: c.body,
    url: `${api}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${api}/issues/${c.issue}`,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    user: userJson('opsbot[bot]'),
  };
}

function statusJson(st: CommitStatus): Json {
  return {
    ...example('status'),
    id: st.id,
    state: st.state,
    context: st.context,
    description: st.description,
    target_url: st.targetUrl,
    url: `https://api.github.com/repos/${st.repo}/statuses/${st.sha}`,
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  };
}

function validation(field: string, code: string): Json {
  return { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field, code }], documentation_url: 'https://docs.github.com/rest' };
}

async function sha(bare: string, branch: string): Promise<string | null> {
  const r = await git(bare, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

/** GitHub's merge, done with plumbing in the bare repo: merge-tree, commit-tree, update-ref. */
async function mergeInRepo(
  bare: string,
  pr: PullState,
  headSha: string,
  method: string,
  title: Json | undefined,
  message: Json | undefined,
): Promise<string | null> {
  const baseSha = await sha(bare, pr.base);
  if (!baseSha) return null;
  const tree = await git(bare, ['merge-tree', '--write-tree', baseSha, headSha]);
  if (tree.exitCode !== 0) return null; // conflict
  const treeId = tree.stdout.split('\n')[0]!.trim();
  const headMessage = (await git(bare, ['log', '-1', '--format=%B', headSha])).stdout.trim();
  const text =
    method === 'merge'
      ? `${typeof title === 'string' ? title : `Merge pull request #${pr.number} from ${pr.owner}/${pr.head}`}\n\n${typeof message === 'string' ? message : pr.title}`
      : `${typeof title === 'string' ? title : `${pr.title} (#${pr.number})`}\n\n${typeof message === 'string' ? message : headMessage}`;
  const parents = method === 'merge' ? ['-p', baseSha, '-p', headSha] : ['-p', baseSha];
  const commit = (await git(bare, ['commit-tree', treeId, ...parents, '-F', '-'], `${text.trim()}\n`)).stdout.trim();
  const updated = await git(bare, ['update-ref', `refs/heads/${pr.base}`, commit, baseSha]);
  return updated.exitCode === 0 ? commit : null;
}

function repoJson(base: Json | undefined, owner: string, repo: string, fork: boolean): Json {
  return { ...(base as Record<string, Json>), name: repo, full_name: `${owner}/${repo}`, fork, html_url: `https://github.com/${owner}/${repo}` };
}

/** GitHub's example pull request, with this one's values in it. */
async function pullJson(pr: PullState, bare: string): Promise<Json> {
  const example = structuredClone(((resolve((loadSpec().components as Schema).examples) as Schema)['pull-request'] as Schema).value) as Record<
    string,
    Json
  >;
  const web = `https://github.com/${pr.owner}/${pr.repo}`;
  const api = `https://api.github.com/repos/${pr.owner}/${pr.repo}`;
  const headSha = (await headOf(bare, pr)) ?? pr.mergeSha ?? '0'.repeat(40);
  const baseSha = (await sha(bare, pr.base)) ?? '0'.repeat(40);
  const side = (s: Json | undefined, ref: string, commit: string) => ({
    ...(s as Record<string, Json>),
    ref,
    sha: commit,
    label: `${pr.owner}:${ref}`,
  });
  return {
    ...example,
    id: 1000 + pr.number,
    number: pr.number,
    url: `${api}/pulls/${pr.number}`,
    html_url: `${web}/pull/${pr.number}`,
    state: pr.state,
    title: pr.title,
    body: pr.body,
    created_at: pr.createdAt,
    updated_at: new Date().toISOString(),
    closed_at: pr.state === 'closed' ? (pr.mergedAt ?? new Date().toISOString()) : null,
    merged_at: pr.mergedAt,
    merged: pr.merged,
    merge_commit_sha: pr.mergeSha,
    mergeable: pr.state === 'open' ? (pr.mergeable === undefined ? true : pr.mergeable) : null,
    user: { ...(example.user as Record<string, Json>), login: pr.author ?? 'octocat' },
    // GitHub's own example lists a team without the `type` its schema requires; nobody is requested here anyway.
    requested_reviewers: [],
    requested_teams: [],
    head: {
      ...side(example.head, pr.head, headSha),
      repo: repoJson((example.head as Record<string, Json>).repo, pr.fork ? `${pr.author ?? 'someone'}-fork` : pr.owner, pr.repo, Boolean(pr.fork)),
    },
    base: { ...side(example.base, pr.base, baseSha), repo: repoJson((example.base as Record<string, Json>).repo, pr.owner, pr.repo, false) },
  };
}
