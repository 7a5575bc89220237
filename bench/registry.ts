/**
 * Registry round trips per pinned deploy: how many HTTP requests `RegistryClient.resolve` sends
 * to turn a tag into its digest — the first deploy of a process (which learns how the registry
 * wants to be spoken to) and every later one — against the test environment's registry (Basic
 * auth, TLS) and a stand-in speaking the Bearer token flow of ghcr.io and Docker Hub. Baseline:
 * one request (`HEAD …/manifests/<tag>`), the least the distribution API allows. The time of a
 * warm resolve is given against `crane digest` of the same tag, run in the same loop (crane's
 * figure includes starting its process).
 */
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { RegistryClient } from '../src/registry/registry-client.js';
import { craneFor } from '../test/support/crane.js';
import { startStandInRegistry } from '../test/support/oci-registry.js';
import { testenv } from '../test/support/testenv.js';
import { percentile, row, type BenchOptions, type BenchResult } from './stats.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function registry(opts: BenchOptions): Promise<BenchResult[]> {
  const reg = testenv().registry;
  if (!reg.available) throw new Error(`no registry: ${reg.reason ?? 'unavailable'} (npm run testenv)`);
  const reps = opts.quick ? 5 : 20;
  const crane = await craneFor(reg.env);
  const standIn = await startStandInRegistry({ auth: 'bearer', user: { username: 'robot', password: 'bench' } });
  try {
    const repo = `images-test/bench-${randomBytes(3).toString('hex')}`;
    await crane.pushRandom(repo, '1.0.0');
    const image = `${crane.registry}/${repo}`;
    const basic = new RegistryClient({ env: { DOCKER_CONFIG: crane.dockerConfig, NODE_EXTRA_CA_CERTS: reg.env.REGISTRY_CA } });
    await basic.resolve(image, '1.0.0');
    const basicFirst = basic.roundTrips;
    const warm: number[] = [];
    const viaCrane: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await basic.resolve(image, '1.0.0');
      warm.push(performance.now() - t0);
      const t1 = performance.now();
      await execa(reg.env.CRANE ?? 'crane', ['digest', `${image}:1.0.0`], {
        env: { DOCKER_CONFIG: crane.dockerConfig, SSL_CERT_FILE: reg.env.REGISTRY_CA ?? '' },
      });
      viaCrane.push(performance.now() - t1);
    }
    const basicWarm = (basic.roundTrips - basicFirst) / reps;
    await basic.close();

    standIn.put('example/web', '1.0.0');
    const cfg = mkdtempSync(join(tmpdir(), 'opsbot-bench-docker-'));
    writeFileSync(join(cfg, 'config.json'), JSON.stringify({ auths: { [standIn.host]: { username: 'robot', password: 'bench' } } }));
    const bearer = new RegistryClient({ env: { DOCKER_CONFIG: cfg, NODE_EXTRA_CA_CERTS: standIn.caFile } });
    await bearer.resolve(`${standIn.host}/example/web`, '1.0.0');
    const bearerFirst = bearer.roundTrips;
    for (let i = 0; i < reps; i++) await bearer.resolve(`${standIn.host}/example/web`, '1.0.0');
    const bearerWarm = (bearer.roundTrips - bearerFirst) / reps;
    await bearer.close();
    return [
      row('registry: round trips, first pinned deploy (Basic)', basicFirst, 'requests', 1, 'HEAD → 401 Basic challenge → HEAD with credentials'),
      row('registry: round trips per later pinned deploy (Basic)', basicWarm, 'requests', 1, 'credentials sent at once'),
      row('registry: round trips, first pinned deploy (Bearer token)', bearerFirst, 'requests', 1, 'HEAD → 401 Bearer challenge → token → HEAD'),
      row('registry: round trips per later pinned deploy (Bearer token)', bearerWarm, 'requests', 1, 'token reused until it expires'),
      row(
        'registry: resolve tag → digest, warm, p50',
        percentile(warm, 50),
        'ms',
        percentile(viaCrane, 50),
        'baseline: `crane digest` of the same tag, process start included',
      ),
    ];
  } finally {
    crane.cleanup();
    await standIn.close();
  }
}
