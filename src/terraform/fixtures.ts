import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reads fixtures recorded from real tofu runs by fixtures/generate.sh (tests only). */
const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name)) as unknown;
}

/** The fake password generate.sh passes as TF_VAR_db_password. */
export const FIXTURE_PASSWORD = 'fixture-db-password-not-a-secret';
