import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { tempDir } from '../support/config.js';
import { outboxStreams } from '../support/redis.js';
import { checkSandbox } from '../../src/terraform/sandbox.js';
import { TOFU } from '../terraform/stacks.js';

/**
 * Per test in these suites: each starts several opsbot processes and tofu runs, one after the
 * other; on a loaded 2-core machine one CLI start alone can take 10 s.
 */
export const SUITE_TIMEOUT = 240_000;

/** Whether this machine can run the sandbox; suites that need it skip with this reason otherwise. */
export const sandbox = await checkSandbox();
export const SANDBOX_SKIP = sandbox.ok ? '' : ` — skipped: ${sandbox.reason}`;

/**
 * Where a secret shows in something the outside sees: as it is, JSON-escaped, or inside any
 * base64 run (an attacker's favourite wrapper: `filebase64("/proc/…/environ")`), decoded.
 * Returns "<where>: <secret name>" for every hit.
 */
export function findLeaks(places: Record<string, string>, secrets: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [where, text] of Object.entries(places)) {
    const decoded = [...text.matchAll(/[A-Za-z0-9+/]{12,}={0,2}/g)].map((m) => Buffer.from(m[0], 'base64').toString('latin1'));
    for (const [name, value] of Object.entries(secrets)) {
      const forms = [value, JSON.stringify(value).slice(1, -1)];
      if (forms.some((f) => text.includes(f)) || decoded.some((d) => d.includes(value))) hits.push(`${where}: ${name}`);
    }
  }
  return hits;
}

/** Everything opsbot keeps in Redis that a person could be shown: audit, every outbox, every plan record. */
export async function redisTexts(client: Redis): Promise<Record<string, string>> {
  const texts: Record<string, string> = { audit: JSON.stringify(await client.xrange('opsbot:audit', '-', '+')) };
  for (const key of await outboxStreams(client)) texts[key] = JSON.stringify(await client.xrange(key, '-', '+'));
  for (const key of await client.keys('opsbot:plan:*')) {
    const type = await client.type(key);
    if (type === 'hash') texts[key] = JSON.stringify(await client.hgetall(key));
    else if (type === 'set') texts[key] = JSON.stringify(await client.smembers(key));
  }
  return texts;
}

/**
 * What a stored plan file holds, as `tofu show -json` reads it (the file is a zip: its values
 * are compressed, so the bytes themselves say nothing). Run here, outside opsbot, unsandboxed.
 */
export async function storedPlans(client: Redis, stackDir: string): Promise<Record<string, string>> {
  const plans: Record<string, string> = {};
  for (const key of await client.keys('opsbot:plan:*:file')) {
    const bytes = await client.getBuffer(key);
    if (!bytes) continue;
    const file = join(tempDir('opsbot-stored-plan-'), 'stored.tfplan');
    writeFileSync(file, bytes);
    plans[key] = tofu(stackDir, ['show', '-json', file]);
  }
  return plans;
}

export function tofu(dir: string, args: string[]): string {
  const home = tempDir('opsbot-tofu-home-');
  writeFileSync(join(home, 'tofurc'), '');
  return execFileSync(TOFU, args, {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: home, TF_CLI_CONFIG_FILE: join(home, 'tofurc'), TF_IN_AUTOMATION: '1' },
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
}

/** The base64 loot of a stored plan's `loot` output, decoded. */
export function loot(planJson: string): Record<string, string> {
  const plan = JSON.parse(planJson) as { planned_values?: { outputs?: { loot?: { value?: Record<string, string> } } } };
  const values = plan.planned_values?.outputs?.loot?.value ?? {};
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === 'unreadable' ? v : Buffer.from(v, 'base64').toString('latin1')]));
}
