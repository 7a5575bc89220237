import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGitopsError } from '../errors.js';
import { lineChanges } from './line-changes.js';
import { currentManifestTag, editManifest } from './manifest.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const DIGEST = 'sha256:9e4a1c6f0b1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011';

describe('editManifest: only the one image line changes', () => {
  const cases = [
    {
      name: 'digest-pinned Deployment after a SecretProviderClass, Service and PVC → tag',
      file: 'web-digest-multidoc.yaml', image: 'ghcr.io/example-org/web', container: 'web', ref: '1.5.0',
      old: 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      removed: '          image: ghcr.io/example-org/web@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      added: '          image: ghcr.io/example-org/web:1.5.0',
    },
    {
      name: 'digest-pinned → new digest',
      file: 'web-digest-multidoc.yaml', image: 'ghcr.io/example-org/web', container: 'web', ref: DIGEST,
      old: 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      removed: '          image: ghcr.io/example-org/web@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      added: `          image: ghcr.io/example-org/web@${DIGEST}`,
    },
    {
      name: 'second of two Deployments (Redis beside the app), commit-SHA tag, trailing comment kept',
      file: 'backend-with-redis.yaml', image: 'ghcr.io/example-org/backend', container: 'backend', ref: '9b1d04c',
      old: '3f9c2e1a7b',
      removed: '          image: ghcr.io/example-org/backend:3f9c2e1a7b   # commit SHA',
      added: '          image: ghcr.io/example-org/backend:9b1d04c   # commit SHA',
    },
    {
      name: 'the Redis beside it, Docker Hub shorthand',
      file: 'backend-with-redis.yaml', image: 'docker.io/library/redis', container: 'redis', ref: '7.4-alpine',
      old: '7.2-alpine', removed: '          image: redis:7.2-alpine', added: '          image: redis:7.4-alpine',
    },
    {
      name: 'main container, not the init container running the same image; single quotes kept',
      file: 'admin-init-container.yaml', image: 'ghcr.io/example-org/admin', container: 'admin', ref: 'v2.4.0',
      old: 'v2.3.0',
      removed: "          image: 'ghcr.io/example-org/admin:v2.3.0'",
      added: "          image: 'ghcr.io/example-org/admin:v2.4.0'",
    },
    {
      name: 'init container by name',
      file: 'admin-init-container.yaml', image: 'ghcr.io/example-org/admin', container: 'migrate', ref: 'v2.4.0',
      old: 'v2.3.0',
      removed: "          image: 'ghcr.io/example-org/admin:v2.3.0'",
      added: "          image: 'ghcr.io/example-org/admin:v2.4.0'",
    },
    {
      name: 'quoted "postgres:17.4" in a StatefulSet stays double-quoted',
      file: 'postgres-quoted.yaml', image: 'postgres', container: 'postgres', ref: '17.5',
      old: '17.4', removed: '          image: "postgres:17.4"', added: '          image: "postgres:17.5"',
    },
    {
      name: 'bare influxdb gains a tag',
      file: 'influxdb-bare.yaml', image: 'influxdb', container: 'influxdb', ref: '2.7.11',
      old: null, removed: '          image: influxdb', added: '          image: influxdb:2.7.11',
    },
    {
      name: 'CronJob, registry with port, repo:tag@sha256 loses the stale pin',
      file: 'reports-cronjob.yaml', image: 'localhost:5000/example/reports', container: 'reports', ref: '1.5.0',
      old: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      removed: '              image: localhost:5000/example/reports:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      added: '              image: localhost:5000/example/reports:1.5.0',
    },
  ];

  it.each(cases)('$name', (c) => {
    const before = fixture(c.file);
    const result = editManifest(before, { file: c.file, image: c.image, container: c.container, ref: c.ref });
    expect(result).toMatchObject({ old: c.old, new: c.ref, changed: true });
    const diff = lineChanges(before, result.text);
    expect(diff.removed).toEqual([c.removed]);
    expect(diff.added).toEqual([c.added]);
    expect(currentManifestTag(result.text, { file: c.file, image: c.image, container: c.container })).toBe(c.ref);
  });

  it('reports no change when the container is already at the tag', () => {
    const before = fixture('postgres-quoted.yaml');
    const result = editManifest(before, { file: 'p.yaml', image: 'postgres', container: 'postgres', ref: '17.4' });
    expect(result).toEqual({ text: before, old: '17.4', new: '17.4', changed: false });
  });
});

describe('editManifest: typed errors name the file and the reason', () => {
  const cases = [
    { name: 'two Deployments run container web with the same image', file: 'ambiguous.yaml', image: 'ghcr.io/example-org/web', container: 'web', ref: '1', code: 'E_CONTAINER_AMBIGUOUS', says: /web-blue.*web-green/ },
    { name: 'container name matches but it runs another image', file: 'backend-with-redis.yaml', image: 'ghcr.io/example-org/cache', container: 'redis', ref: '1', code: 'E_IMAGE_MISSING', says: /runs redis:7.2-alpine/ },
    { name: 'no such container', file: 'backend-with-redis.yaml', image: 'ghcr.io/example-org/backend', container: 'api', ref: '1', code: 'E_IMAGE_MISSING', says: /no container "api"/ },
    { name: 'broken YAML', file: 'broken.yaml', image: 'ghcr.io/example-org/web', container: 'web', ref: '1', code: 'E_YAML_BROKEN', says: /line 9/ },
    { name: 'bad tag', file: 'influxdb-bare.yaml', image: 'influxdb', container: 'influxdb', ref: '-rm -rf', code: 'E_BAD_TAG', says: /not a valid image tag/ },
  ];
  it.each(cases)('$name → $code', (c) => {
    let caught: unknown;
    try {
      editManifest(fixture(c.file), { file: c.file, image: c.image, container: c.container, ref: c.ref });
    } catch (err) {
      caught = err;
    }
    expect(isGitopsError(caught, c.code as 'E_BAD_TAG')).toBe(true);
    expect((caught as Error).message.startsWith(`${c.file}: `)).toBe(true);
    expect((caught as Error).message).toMatch(c.says);
  });
});
