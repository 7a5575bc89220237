/**
 * The GitOps repository Argo CD watches, and the example Applications that sync from it.
 *
 * It is the embedded default's own remote: `.testenv/env` sets OPSBOT_HOME to
 * `.testenv/opsbot`, and the embedded default keeps its remote at `$OPSBOT_HOME/gitops.git`,
 * seeded from gitops/ by the same function opsbot uses. So `set -a; . .testenv/env; set +a;
 * npm start` deploys into exactly the repository Argo CD syncs, and its follow-up sees Argo
 * CD's answer, without editing a file. `down` removes it with the cluster: every `up` after a
 * `down` starts from the example content again.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { seedExampleRepo } from '../../src/gitops/seed.js';
import { REPO_ROOT } from './config.js';
import { ARGOCD_NAMESPACE, applyWithRetry, type Apply } from './kube-setup.js';
import { apiRequest } from './kube-api.js';
import { TestenvError } from './log.js';
import type { Pki } from './pki.js';

export const GITOPS_BRANCH = 'main';

export interface GitopsRepo {
  /** OPSBOT_HOME of the embedded default pointed at this environment. */
  home: string;
  /** The bare repository. */
  path: string;
  /** What Applications put in spec.source.repoURL. */
  url: string;
}

export function gitopsRepo(dir: string): GitopsRepo {
  const home = join(dir, 'opsbot');
  const path = join(home, 'gitops.git');
  return { home, path, url: `file://${path}` };
}

export async function seedGitopsRepo(dir: string): Promise<{ repo: GitopsRepo; seeded: 'created' | 'reused' }> {
  const repo = gitopsRepo(dir);
  const seeded = await seedExampleRepo(repo.path, join(REPO_ROOT, 'gitops'), GITOPS_BRANCH);
  return { repo, seeded };
}

interface ApplicationDoc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { source?: { repoURL?: string }; sources?: { repoURL?: string }[]; destination?: { server?: string; name?: string } };
}

/**
 * The committed example Applications (gitops/argocd/apps/), pointed at this environment when
 * applied — repoURL at the seeded repository, destination at the registered cluster — while
 * the files keep their real-world values.
 */
export async function applyExampleApplications(apply: Apply, repo: GitopsRepo, server: string): Promise<string[]> {
  const dir = join(REPO_ROOT, 'gitops', 'argocd', 'apps');
  if (!existsSync(dir)) return [];
  const names: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as ApplicationDoc;
    if (doc.kind !== 'Application' || !doc.metadata?.name || !doc.spec) continue;
    if (doc.spec.source) doc.spec.source.repoURL = repo.url;
    for (const s of doc.spec.sources ?? []) s.repoURL = repo.url;
    doc.spec.destination = { ...doc.spec.destination, server };
    delete doc.spec.destination.name;
    const ns = doc.metadata.namespace ?? ARGOCD_NAMESPACE;
    await applyWithRetry(apply, `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications/${doc.metadata.name}`, JSON.stringify(doc));
    names.push(doc.metadata.name);
  }
  return names;
}

interface AppStatus {
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    conditions?: { type: string; message?: string }[];
    operationState?: { phase?: string; message?: string };
  };
}

/**
 * Waits until Argo CD's controller has synced every named Application to the repository's
 * head (its own verdict, read back). Health is reported, not required: an image deployed with
 * a `-broken` tag is meant to stay Degraded.
 */
export async function waitSynced(port: number, pki: Pki, names: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = new Map<string, AppStatus['status']>();
  for (;;) {
    last = new Map();
    for (const name of names) {
      const r = await apiRequest(port, pki, 'GET', `/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NAMESPACE}/applications/${name}`);
      last.set(name, r.status === 200 ? (JSON.parse(r.body) as AppStatus).status : undefined);
    }
    const pending = names.filter((n) => last.get(n)?.sync?.status !== 'Synced');
    if (pending.length === 0) {
      return names.map((n) => `${n} ${last.get(n)?.health?.status ?? '?'}`).join(', ');
    }
    if (Date.now() > deadline) {
      const why = pending.map((n) => {
        const st = last.get(n);
        const detail = [...(st?.conditions ?? []).map((c) => `${c.type}: ${c.message ?? ''}`), st?.operationState?.message]
          .filter(Boolean)
          .join('; ');
        return `${n}: ${st?.sync?.status ?? 'no status'}${detail ? ` (${detail})` : ''}`;
      });
      throw new TestenvError('argocd-application-controller', `not Synced after ${timeoutMs / 1000}s: ${why.join(' | ')}`);
    }
    await sleep(1000);
  }
}
