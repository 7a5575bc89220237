import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/core/config/schema.js';
import { currentTag, editTagLocation } from '../../src/gitops/editors/tag-location.js';
import { changedLineCount } from '../../src/gitops/editors/line-changes.js';

/** The example GitOps repo shipped in gitops/, and the `apps:` block that points opsbot at it. */
const GITOPS = fileURLToPath(new URL('../../gitops/', import.meta.url));
const APPS_BLOCK = `
apps:
  web:
    image: ghcr.io/example/web
    description: Public web site (Kustomize overlays)
    environments:
      staging:
        kind: kustomize
        path: apps/web/overlays/staging/kustomization.yaml
        application: web-staging
      prod:
        kind: kustomize
        path: apps/web/overlays/prod/kustomization.yaml
        application: web-prod
        protected: false
  api:
    image: ghcr.io/example/api
    description: API (local Helm chart, values file)
    environments:
      prod:
        kind: helm-values
        path: apps/api/values.yaml
        key: image.tag
        application: api-prod
  worker:
    image: ghcr.io/example/worker
    description: Background worker (plain multi-document manifest)
    environments:
      prod:
        kind: manifest
        path: apps/worker/deployment.yaml
        container: worker
        application: worker-prod
`;
const config = configSchema.parse(parse(APPS_BLOCK));
const locations = Object.entries(config.apps).flatMap(([name, app]) => Object.entries(app.environments).map(([env, loc]) => ({ name, env, app, loc })));

describe('the example gitops/ content works with the editors', () => {
  it.each(locations)('$name/$env: current tag readable, a deploy is a one-line change', ({ app, loc }) => {
    const text = readFileSync(path.join(GITOPS, loc.path), 'utf8');
    const current = currentTag(text, app, loc);
    expect(current).toMatch(/^[\w.-]+$/);
    const result = editTagLocation(text, app, loc, '9.9.9');
    expect(result).toMatchObject({ old: current, new: '9.9.9', changed: true });
    expect(changedLineCount(text, result.text)).toBe(1);
  });

  it('every Application named in the apps block exists in argocd/apps, namespace argocd, automated prune + selfHeal', () => {
    const files = readdirSync(path.join(GITOPS, 'argocd/apps'));
    const apps = files.map((f) => parse(readFileSync(path.join(GITOPS, 'argocd/apps', f), 'utf8')) as {
      kind: string; metadata: { name: string; namespace: string };
      spec: { source: { path: string }; destination: { namespace: string }; syncPolicy: { automated: { prune: boolean; selfHeal: boolean } } };
    });
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(['api-prod', 'opsbot', 'web-prod', 'web-staging', 'worker-prod']);
    for (const a of apps) {
      expect(a).toMatchObject({ kind: 'Application', metadata: { namespace: 'argocd' }, spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } } });
      expect(existsSync(path.join(GITOPS, a.spec.source.path))).toBe(true);
    }
    for (const l of locations) expect(apps.map((a) => a.metadata.name)).toContain(l.loc.application);
    const root = parse(readFileSync(path.join(GITOPS, 'argocd/root.yaml'), 'utf8')) as { spec: { source: { path: string } } };
    expect(root.spec.source.path).toBe('argocd/apps');
  });

  it('all YAML in gitops/ parses (Helm templates aside)', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const yamlFiles = walk(GITOPS).filter((f) => f.endsWith('.yaml') && !f.includes(`${path.sep}templates${path.sep}`) && !f.includes(`${path.sep}opsbot${path.sep}`));
    expect(yamlFiles.length).toBeGreaterThan(10);
    for (const f of yamlFiles) {
      const docs = parseAllDocuments(readFileSync(f, 'utf8'));
      for (const d of Array.isArray(docs) ? docs : []) expect(d.errors, f).toEqual([]);
    }
  });

  it.skipIf(!existsSync('/usr/bin/kubectl'))('kubectl kustomize renders the web overlays with the deployed tag', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'opsbot-gitops-'));
    try {
      await cp(GITOPS, copy, { recursive: true });
      const prod = locations.find((l) => l.name === 'web' && l.env === 'prod')!;
      const file = path.join(copy, prod.loc.path);
      const edited = editTagLocation(readFileSync(file, 'utf8'), prod.app, prod.loc, '1.5.0');
      await writeFile(file, edited.text);
      const out = (await execa('/usr/bin/kubectl', ['kustomize', path.join(copy, 'apps/web/overlays/prod')])).stdout;
      expect(out).toContain('image: ghcr.io/example/web:1.5.0');
      const staging = (await execa('/usr/bin/kubectl', ['kustomize', path.join(copy, 'apps/web/overlays/staging')])).stdout;
      expect(staging).toContain('image: ghcr.io/example/web:1.4.3');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
