import { OpsbotError } from '../core/errors.js';

/**
 * What `/config` accepts as keys and values, checked before anything is queued.
 *
 * Keys: what Kubernetes accepts both as an environment variable name and as a ConfigMap key, so
 * a key is usable wherever the environment keeps its configuration — `[-._a-zA-Z][-._a-zA-Z0-9]*`
 * (validation.IsEnvVarName) within `[-._a-zA-Z0-9]+` of at most 253 characters
 * (validation.IsConfigMapKey, k8s.io/apimachinery/pkg/util/validation).
 */
export const CONFIG_KEY_PATTERN = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
export const CONFIG_KEY_MAX = 253;
/** A value is one line of printable text; a chat argument is at most 200 characters anyway (parse.ts). */
export const CONFIG_VALUE_MAX = 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Keys that name a credential: their values belong in the secret store (a Kubernetes Secret
 * fed from the key vault), never in the GitOps repository, where every clone would hold them.
 */
const SECRET_LOOKING = /(^|[_.-])(PASSWORD|PASSWD|TOKEN|SECRET|KEY)$/i;

export function looksSecret(key: string): boolean {
  return SECRET_LOOKING.test(key);
}

export const SECRET_STORE_HINT =
  'Secrets do not go into the GitOps repository: put the value in the secret store (the key vault behind the app\'s Secret) and reference it with valueFrom.secretKeyRef.';

export function checkConfigKey(key: string): void {
  if (key.length === 0 || key.length > CONFIG_KEY_MAX || !CONFIG_KEY_PATTERN.test(key)) {
    throw new OpsbotError(
      'E_BAD_CONFIG',
      `"${key.slice(0, 60)}" is not a valid configuration key: letters, digits, "_", "-" and ".", not starting with a digit, at most ${CONFIG_KEY_MAX} characters (what Kubernetes accepts as an environment variable and a ConfigMap key).`,
    );
  }
  if (looksSecret(key)) throw new OpsbotError('E_SECRET_KEY', `${key} looks like a secret. ${SECRET_STORE_HINT}`);
}

export function checkConfigValue(key: string, value: string): void {
  if (CONTROL.test(value)) throw new OpsbotError('E_BAD_CONFIG', `The value of ${key} contains a control character; values are one line of printable text.`);
  if (value.length > CONFIG_VALUE_MAX) throw new OpsbotError('E_BAD_CONFIG', `The value of ${key} is ${value.length} characters long; at most ${CONFIG_VALUE_MAX} are accepted.`);
}

/** `KEY=VALUE` as typed: the key up to the first "=", the rest (possibly empty) is the value. */
export function splitAssignment(text: string): { key: string; value: string } | undefined {
  const eq = text.indexOf('=');
  return eq > 0 ? { key: text.slice(0, eq), value: text.slice(eq + 1) } : undefined;
}
