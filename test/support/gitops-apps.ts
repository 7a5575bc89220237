import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfig } from './config.js';

/**
 * N apps, one plain manifest each, for GitOps repositories built with test/gitops/bare-repo.ts;
 * and the config that lets any console user deploy them (and run /diagnose as admin).
 */
export function appManifests(n: number, tag = '1.0.0'): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    out[`apps/app${i}/deployment.yaml`] =
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/app${i}:${tag}\n`;
  }
  return out;
}

export function appsConfig(bareUrl: string, n: number): string {
  const apps = Array.from(
    { length: n },
    (_, i) =>
      `  app${i}:\n    image: ghcr.io/example/app${i}\n    environments:\n      prod: { kind: manifest, path: apps/app${i}/deployment.yaml, container: app }`,
  ).join('\n');
  return writeConfig(
    `gitops: { url: ${bareUrl} }\napps:\n${apps}\naccess:\n  rules:\n    - subjects: ["console:*"]\n      actions: [deploy, admin]\n`,
  );
}

/**
 * A `pre-receive` hook in a bare repository that refuses every push while `refuse()` is in
 * force (as a server in maintenance would), and counts the pushes it turned away.
 */
export interface RefusingRemote {
  refuse(): void;
  allow(): void;
  /** Pushes refused so far. */
  refused(): number;
}

export function refusingRemote(bare: string): RefusingRemote {
  const marker = join(bare, 'refuse-pushes');
  const log = join(bare, 'refused.log');
  writeFileSync(
    join(bare, 'hooks', 'pre-receive'),
    `#!/bin/sh\nif [ -e "${marker}" ]; then\n  echo refused >> "${log}"\n  echo "pushes are closed for maintenance" >&2\n  exit 1\nfi\nexit 0\n`,
  );
  chmodSync(join(bare, 'hooks', 'pre-receive'), 0o755);
  return {
    refuse: () => writeFileSync(marker, ''),
    allow: () => rmSync(marker, { force: true }),
    // One line per refusal, appended by the hook.
    refused: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0),
  };
}
