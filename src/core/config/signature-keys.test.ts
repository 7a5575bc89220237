import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './load.js';
import { describeSignatures, signatureKeyProblems, signingApps, verificationFor } from './signature-keys.js';

const config = (web: string, envs = '      prod: { kind: kustomize, path: k.yaml, pin: digest }') => `
gitops: { url: /tmp/g.git }
apps:
  web:
    image: ghcr.io/example/web
${web}
    environments:
${envs}
  api:
    image: ghcr.io/example/api
    environments:
      prod: { kind: kustomize, path: a.yaml }
`;

describe('verify.cosign', () => {
  it("an environment's own verify replaces the app's; apps without one are not checked", () => {
    const c = parseConfig(
      config(
        '    verify: { cosign: { key: keys/web.pub } }',
        '      prod: { kind: kustomize, path: k.yaml, pin: digest }\n      dev: { kind: kustomize, path: d.yaml, pin: digest, verify: { cosign: { key: keys/dev.pub } } }',
      ),
    );
    const web = c.apps.web!;
    expect(verificationFor(web, web.environments.prod!)?.cosign.key).toBe('keys/web.pub');
    expect(verificationFor(web, web.environments.dev!)?.cosign.key).toBe('keys/dev.pub');
    expect(verificationFor(c.apps.api!, c.apps.api!.environments.prod!)).toBeUndefined();
    expect(signingApps(c)).toEqual(['web']);
  });

  it('key files are read relative to the config file; loadConfig refuses a missing or wrong one, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsbot-keys-'));
    writeFileSync(join(dir, 'web.pub'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const file = join(dir, 'opsbot.yaml');
    writeFileSync(file, config('    verify: { cosign: { key: web.pub } }'));
    const loaded = loadConfig(file);
    expect(loaded.config.apps.web?.verify?.cosign.key).toBe('web.pub');
    expect(describeSignatures(loaded.config, dir)).toEqual([expect.stringMatching(/^ {4}web@prod: cosign key SHA256:\S{43} \(web\.pub\)$/)]);
    const parsed = parseConfig(config('    verify: { cosign: { key: missing.pub } }'));
    expect(signatureKeyProblems(parsed, dir)).toEqual([
      { path: 'apps.web.verify.cosign.key', message: `${join(dir, 'missing.pub')} does not exist` },
    ]);
    writeFileSync(file, config('    verify: { cosign: { key: opsbot.yaml } }'));
    expect(() => loadConfig(file)).toThrow(/apps\.web\.verify\.cosign\.key: .*opsbot\.yaml is not a PEM public key/);
  });
});
