import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/load.js';
import { missingEnv } from '../../src/core/config/required-env.js';
import { ROOT } from '../support/cli.js';

type Obj = Record<string, unknown> & { kind?: string; metadata?: { name: string; namespace?: string } };
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('docker-compose.yml', () => {
  // `<<: *opsbot` merge keys, as docker-compose reads them.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const { redis, bot, worker } = compose.services as Record<string, Record<string, unknown>>;

  it('Redis: pinned 7.x alpine, append-only on a named volume, health-checked, not published', () => {
    expect(redis!.image).toMatch(/^redis:7\.\d+\.\d+-alpine$/);
    expect((redis!.command as string[]).join(' ')).toContain('--appendonly yes');
    expect((redis!.command as string[]).join(' ')).toContain('--maxmemory-policy noeviction');
    expect(redis!.volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
    expect(redis!.healthcheck).toMatchObject({ test: ['CMD', 'redis-cli', 'ping'] });
    expect(redis!.ports).toBeUndefined();
  });

  it('bot and worker: separate commands, Redis healthy first, config read-only, secrets from .env', () => {
    expect(bot!.command).toEqual(['bot']);
    expect(worker!.command).toEqual(['worker']);
    for (const s of [bot!, worker!]) {
      expect(s.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      expect(s.environment).toEqual({ REDIS_URL: 'redis://redis:6379', OPSBOT_CONFIG: '/etc/opsbot/opsbot.yaml' });
      expect(s.volumes).toEqual(['./opsbot.yaml:/etc/opsbot/opsbot.yaml:ro']);
      expect(s.env_file).toBe('.env');
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
    }
  });

  it('only the bot publishes a port; workers can be scaled (no container_name, no ports)', () => {
    expect(bot!.ports).toEqual(['${OPSBOT_PORT:-3000}:3000']);
    expect(worker!.ports).toBeUndefined();
    for (const s of Object.values(compose.services)) expect(s.container_name).toBeUndefined();
  });
});

describe('.env.example', () => {
  const text = read('.env.example');
  const listed = [...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=(.*)$/gm)];

  it('lists every variable, with no values', () => {
    for (const [, , value] of listed) expect(value).toBe('');
    const names = listed.map((m) => m[1]);
    for (const v of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_APP_TOKEN',
      'SLACK_API_URL',
      'TELEGRAM_BOT_TOKEN',
      'TELEGRAM_WEBHOOK_SECRET',
      'TELEGRAM_API_ROOT',
      'GITHUB_TOKEN',
      'GITHUB_API_URL',
      'OPSBOT_DASHBOARD_TOKEN',
      'KUBECONFIG',
    ]) {
      expect(names).toContain(v);
    }
  });

  it('covers what the example config requires (stack variables are per installation)', () => {
    const needed = missingEnv(parseConfig(read('opsbot.example.yaml')), {})
      .filter((m) => !m.neededBy.startsWith('stacks.'))
      .map((m) => m.name);
    const names = listed.map((m) => m[1]);
    for (const n of needed) expect(names, n).toContain(n);
  });
});

/** `kubectl kustomize`, or the kustomize binary scripts/check-deploy.sh builds where kubectl is absent. */
const renderer: [string, string] | undefined = existsSync('/usr/bin/kubectl')
  ? ['/usr/bin/kubectl', 'kustomize']
  : process.env.OPSBOT_KUSTOMIZE && existsSync(process.env.OPSBOT_KUSTOMIZE)
    ? [process.env.OPSBOT_KUSTOMIZE, 'build']
    : undefined;

describe.skipIf(!renderer)(`gitops/opsbot rendered by kustomize${renderer ? '' : ' (skipped: no kubectl, no OPSBOT_KUSTOMIZE)'}`, () => {
  const objects = () =>
    parseAllDocuments(execFileSync(renderer![0], [renderer![1], join(ROOT, 'gitops/opsbot/overlays/prod')], { encoding: 'utf8' })).map(
      (d) => d.toJS() as Obj,
    );
  const byKind = (all: Obj[], kind: string) => all.filter((o) => o.kind === kind);

  it('bot ×2 and worker ×2, hardened, probed, with resources, secrets by reference only', () => {
    const all = objects();
    expect(byKind(all, 'Secret')).toEqual([]);
    const deployments = byKind(all, 'Deployment') as unknown as {
      metadata: { name: string; namespace: string };
      spec: { replicas: number; template: { spec: PodSpec } };
    }[];
    expect(deployments.map((d) => [d.metadata.name, d.spec.replicas, d.metadata.namespace])).toEqual([
      ['opsbot-bot', 2, 'opsbot'],
      ['opsbot-worker', 2, 'opsbot'],
    ]);
    const configMap = byKind(all, 'ConfigMap')[0] as unknown as { metadata: { name: string }; data: Record<string, string> };
    expect(configMap.metadata.name).toMatch(/^opsbot-config-[a-z0-9]+$/);
    expect(() => parseConfig(configMap.data['opsbot.yaml']!)).not.toThrow();
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0]!;
      expect(pod.serviceAccountName).toBe('opsbot');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.envFrom).toEqual([{ secretRef: { name: 'opsbot-secrets', optional: false } }]);
      expect(c.readinessProbe?.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe?.httpGet.path).toBe('/healthz');
      expect(c.resources.requests).toHaveProperty('memory');
      expect(c.resources.limits).toHaveProperty('memory');
      expect(c.volumeMounts.map((m) => m.mountPath).sort()).toEqual(['/etc/opsbot', '/home/opsbot', '/tmp']);
      expect(pod.volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(configMap.metadata.name);
      expect(c.env).toContainEqual({ name: 'OPSBOT_HOME', value: '/home/opsbot/.opsbot' });
    }
  });

  it('RBAC is exactly what the test environment grants the opsbot user', () => {
    const all = objects();
    const role = byKind(all, 'ClusterRole')[0] as unknown as { rules: unknown[] };
    expect(role.rules).toEqual([
      { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      // The workloads an Application owns: how its pods and its rollout are found.
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list'] },
    ]);
    expect(byKind(all, 'Role')).toEqual([]);
    const binding = byKind(all, 'ClusterRoleBinding')[0] as unknown as { subjects: unknown[] };
    expect(read('scripts/testenv/kube-setup.ts')).toContain(
      "resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list']",
    );
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'opsbot', namespace: 'opsbot' }]);
    expect(read('scripts/testenv/kube-setup.ts')).toContain("resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch']");
  });

  it('a Service for the bot on 3000, and a PodDisruptionBudget keeping one bot', () => {
    const all = objects();
    expect(byKind(all, 'Service')[0]).toMatchObject({ spec: { ports: [{ port: 3000 }], selector: { 'app.kubernetes.io/component': 'bot' } } });
    expect(byKind(all, 'PodDisruptionBudget')[0]).toMatchObject({
      spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': 'bot' } } },
    });
  });

  it('the Argo CD Application points at the overlay', () => {
    const app = parse(read('gitops/argocd/apps/opsbot.yaml')) as { spec: { source: { path: string }; destination: { namespace: string } } };
    expect(app.spec.source.path).toBe('opsbot/overlays/prod');
    expect(existsSync(join(ROOT, 'gitops', app.spec.source.path, 'kustomization.yaml'))).toBe(true);
    expect(app.spec.destination.namespace).toBe('opsbot');
  });
});

interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  volumes: { name: string; configMap?: { name: string } }[];
  containers: {
    securityContext: Record<string, unknown>;
    envFrom: unknown[];
    env: unknown[];
    readinessProbe?: { httpGet: { path: string } };
    livenessProbe?: { httpGet: { path: string } };
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    volumeMounts: { mountPath: string }[];
  }[];
}
