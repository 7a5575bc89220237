import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';

/**
 * The certificate authorities a registry's certificate is checked against: the system store plus
 * `NODE_EXTRA_CA_CERTS`, as the issue and Docker do. Node's own default is its bundled Mozilla
 * list plus NODE_EXTRA_CA_CERTS, which misses a company CA installed into the system store; and
 * giving undici a `ca` replaces Node's default, so the extra file is read here again.
 */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, Alpine's openssl
];

type CaSource = (kind: 'system') => string[];

export function trustedCertificates(env: NodeJS.ProcessEnv): string[] {
  const out = [...tls.rootCertificates];
  // Node ≥ 22.15 reads the platform store itself; on Node 20 the OpenSSL bundle file is read.
  const fromNode = (tls as unknown as { getCACertificates?: CaSource }).getCACertificates;
  if (fromNode) out.push(...fromNode('system'));
  else {
    const file = [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES].find((f): f is string => !!f && existsSync(f));
    if (file) out.push(readFileSync(file, 'utf8'));
  }
  const extra = env.NODE_EXTRA_CA_CERTS;
  if (extra && existsSync(extra)) out.push(readFileSync(extra, 'utf8'));
  return out;
}
