import { isAbsolute, resolve } from 'node:path';
import { readCosignPublicKey } from '../cosign-key.js';
import type { ConfigProblem } from './references.js';
import type { AppConfig, Config, TagLocation, VerifyConfig } from './schema.js';

/** The signatures an app environment requires: its own `verify`, else the app's; none when neither says. */
export function verificationFor(app: Pick<AppConfig, 'verify'>, location: Pick<TagLocation, 'verify'>): VerifyConfig | undefined {
  return location.verify ?? app.verify;
}

/** A key path as written in the config, relative to the config file's directory. */
export function keyFile(key: string, baseDir: string): string {
  return isAbsolute(key) ? key : resolve(baseDir, key);
}

/** The apps with an environment that requires verified signatures (their workers need cosign). */
export function signingApps(config: Config): string[] {
  return Object.entries(config.apps)
    .filter(([, app]) => Object.values(app.environments).some((loc) => verificationFor(app, loc)))
    .map(([name]) => name);
}

/** check-config's lines: `    web@prod: cosign key SHA256:… (keys/web.pub)`, one per environment that requires signatures. */
export function describeSignatures(config: Config, baseDir: string): string[] {
  const out: string[] = [];
  for (const [name, app] of Object.entries(config.apps)) {
    for (const [env, loc] of Object.entries(app.environments)) {
      const v = verificationFor(app, loc);
      if (!v) continue;
      // Read already by loadConfig: a key that could not be parsed never gets here.
      const { fingerprint } = readCosignPublicKey(keyFile(v.cosign.key, baseDir));
      out.push(`    ${name}@${env}: cosign key ${fingerprint} (${v.cosign.key})`);
    }
  }
  return out;
}

/**
 * Every `verify.cosign.key` must be a readable public key: found by check-config and start, not
 * by the first deploy. Files are read here, after the schema, since validation itself is pure.
 */
export function signatureKeyProblems(config: Config, baseDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (v: VerifyConfig | undefined, path: string) => {
    if (!v) return;
    try {
      readCosignPublicKey(keyFile(v.cosign.key, baseDir));
    } catch (err) {
      problems.push({ path: `${path}.verify.cosign.key`, message: (err as Error).message });
    }
  };
  for (const [name, app] of Object.entries(config.apps)) {
    check(app.verify, `apps.${name}`);
    for (const [env, loc] of Object.entries(app.environments)) check(loc.verify, `apps.${name}.environments.${env}`);
  }
  return problems;
}
