/**
 * An OCI registry (the CNCF distribution registry) on 127.0.0.1: TLS with a certificate from
 * the environment's CA, basic auth from an htpasswd file. The registry accepts only bcrypt
 * entries, written by Debian's `htpasswd -B` (apache2-utils).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { TestenvError, tail } from './log.js';
import type { ServingCert } from './pki.js';
import type { ServiceSpec } from './services.js';
import { writeAtomic } from './state.js';

export const REGISTRY_USER = 'testenv';

export interface RegistryFiles {
  config: string;
  user: string;
  password: string;
}

/**
 * Made once and kept, like the certificates: tools logged in stay logged in, and the
 * configuration (hence the running registry) stays the same across `up`s.
 */
function kept(dir: string, name: string): string {
  const file = join(dir, 'registry', name);
  if (!existsSync(file)) writeAtomic(file, randomBytes(18).toString('base64url'), 0o600);
  return readFileSync(file, 'utf8');
}

export async function prepareRegistry(dir: string, htpasswdBin: string, cert: ServingCert, port: number): Promise<RegistryFiles> {
  const root = join(dir, 'registry');
  mkdirSync(join(root, 'data'), { recursive: true });
  const pass = kept(dir, 'password');
  const htpasswd = join(root, 'htpasswd');
  // -B bcrypt (the only format the registry reads), -i password on stdin (never in argv), -c create.
  const r = await execa(htpasswdBin, ['-B', '-i', '-c', htpasswd, REGISTRY_USER], { input: pass, reject: false, all: true });
  if (r.exitCode !== 0) throw new TestenvError('registry', `\`htpasswd -B -i -c ${htpasswd} ${REGISTRY_USER}\` failed:\n${tail(r.all ?? '')}`);
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: join(root, 'data') }, delete: { enabled: true }, cache: { blobdescriptor: 'inmemory' } },
    // No `debug` address: nothing but the API listens, and only on loopback.
    http: { addr: `127.0.0.1:${port}`, secret: kept(dir, 'http-secret'), tls: { certificate: cert.cert, key: cert.key } },
    auth: { htpasswd: { realm: 'opsbot-testenv', path: htpasswd } },
  };
  const path = join(root, 'config.yml');
  writeAtomic(path, stringify(config), 0o600);
  return { config: path, user: REGISTRY_USER, password: pass };
}

/** GET /v2/ with basic auth, trusting only the environment's CA: 200 once it serves. */
function apiAnswers(port: number, ca: string, user: string, pass: string): Promise<boolean> {
  return new Promise((resolve) => {
    const auth = Buffer.from(`${user}:${pass}`).toString('base64');
    const req = request(
      { host: '127.0.0.1', port, path: '/v2/', ca: readFileSync(ca), headers: { Authorization: `Basic ${auth}` }, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export function registrySpec(binary: string, dir: string, port: number, files: RegistryFiles, ca: string): ServiceSpec {
  return {
    part: 'registry',
    binary,
    args: ['serve', files.config],
    // It would otherwise export traces to an OTLP collector on localhost that is not there.
    env: { OTEL_TRACES_EXPORTER: 'none' },
    configFiles: [files.config],
    logFile: join(dir, 'logs', 'registry.log'),
    cwd: join(dir, 'registry'),
    probe: () => apiAnswers(port, ca, files.user, files.password),
    readyTimeoutMs: 30_000,
  };
}
