import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestenvError, tail } from './log.js';

export interface Pki {
  dir: string;
  caCert: string;
  servingCert: string;
  servingKey: string;
  saKey: string;
  saPub: string;
  tokenFile: string;
  adminToken: string;
  opsbotToken: string;
}

/** Users in the token file; the RBAC in kube-setup.ts grants `opsbot` only what the bot needs. */
export const ADMIN_USER = 'testenv-admin';
export const OPSBOT_USER = 'opsbot';

async function openssl(openSslPath: string, args: string[], cwd: string): Promise<void> {
  const r = await execa(openSslPath, args, { cwd, stdin: 'ignore', reject: false, all: true });
  if (r.exitCode !== 0) throw new TestenvError('pki', `\`openssl ${args.join(' ')}\` failed:\n${tail(r.all ?? '')}`);
}

/**
 * Certificates and tokens are made once and kept across up/down: they do not depend on ports
 * (the serving cert is for 127.0.0.1), and keeping them lets kubeconfigs copied elsewhere stay valid.
 */
export async function ensurePki(stateDir: string, opensslPath: string): Promise<Pki> {
  const dir = join(stateDir, 'pki');
  const p: Omit<Pki, 'adminToken' | 'opsbotToken'> = {
    dir,
    caCert: join(dir, 'ca.crt'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    tokenFile: join(dir, 'tokens.csv'),
  };
  const tokensJson = join(dir, 'tokens.json');
  const complete = [p.caCert, p.servingCert, p.servingKey, p.saKey, p.saPub, p.tokenFile, tokensJson].every((f) => existsSync(f));
  if (!complete) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const days = '3650';
    await openssl(
      opensslPath,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        days,
        '-subj',
        '/CN=opsbot-testenv-ca',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    await openssl(
      opensslPath,
      ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver'],
      dir,
    );
    writeFileSync(
      join(dir, 'apiserver.ext'),
      [
        'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
        'extendedKeyUsage=serverAuth',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        '',
      ].join('\n'),
    );
    await openssl(
      opensslPath,
      [
        'x509',
        '-req',
        '-in',
        'apiserver.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'apiserver.crt',
        '-days',
        days,
        '-extfile',
        'apiserver.ext',
      ],
      dir,
    );
    await openssl(opensslPath, ['genrsa', '-out', 'sa.key', '2048'], dir);
    await openssl(opensslPath, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
    const tokens = { admin: randomBytes(24).toString('hex'), opsbot: randomBytes(24).toString('hex') };
    writeFileSync(tokensJson, JSON.stringify(tokens), { mode: 0o600 });
    // token,user,uid,"groups": admin is in system:masters; opsbot has no group and gets only
    // what RBAC binds to the user.
    writeFileSync(p.tokenFile, `${tokens.admin},${ADMIN_USER},uid-admin,"system:masters"\n${tokens.opsbot},${OPSBOT_USER},uid-opsbot\n`, {
      mode: 0o600,
    });
  }
  const tokens = JSON.parse(readFileSync(tokensJson, 'utf8')) as { admin: string; opsbot: string };
  return { ...p, adminToken: tokens.admin, opsbotToken: tokens.opsbot };
}

export interface ServingCert {
  cert: string;
  key: string;
}

/**
 * A serving certificate for another loopback server (the registry), signed by the same CA as
 * the apiserver's, so one CA file (KUBE_CA_FILE, REGISTRY_CA) trusts both. Made once, kept.
 */
export async function ensureServingCert(pki: Pki, opensslPath: string, name: string): Promise<ServingCert> {
  const out = { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
  if (existsSync(out.cert) && existsSync(out.key)) return out;
  const ext = join(pki.dir, `${name}.ext`);
  writeFileSync(
    ext,
    ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature,keyEncipherment', ''].join('\n'),
  );
  await openssl(
    opensslPath,
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
    pki.dir,
  );
  await openssl(
    opensslPath,
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-extfile',
      ext,
    ],
    pki.dir,
  );
  return out;
}
