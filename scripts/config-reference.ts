/**
 * The "Configuration reference" table of README.md, generated from the one config schema
 * (src/core/config/schema.ts): `tsx scripts/config-reference.ts` prints it, `--write` (what
 * `npm run docs:config` runs) puts it between the README's markers. test/ship/config-reference
 * fails when the two drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../src/core/config/schema.js';

export const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
export const START = '<!-- config-reference:start -->';
export const END = '<!-- config-reference:end -->';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
}

/** Placeholder for the keys of a map, by the map's own name. */
const KEY_NAMES: Record<string, string> = {
  apps: 'app',
  environments: 'env',
  stacks: 'stack',
  groups: 'group',
  appGroups: 'group',
  labels: 'label',
  commands: 'command',
};
/** Durations are written "30s", "10m"; the schema stores their defaults in milliseconds. */
const DURATION = '^\\d+(ms|s|m|h)$';

export function configReferenceRows(): Row[] {
  // Types as written in the file (input); defaults as applied (output): zod leaves out a default
  // from the input schema when something below it is transformed (durations).
  const input = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const output = z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  const rows: Row[] = [];
  walkProperties(withOutputDefaults(input, output), '', rows);
  return rows;
}

/** Copies each default the input schema lacks from the same place in the output schema. */
function withOutputDefaults(input: JsonSchema, output: JsonSchema | undefined): JsonSchema {
  if (!output) return input;
  const s: JsonSchema = { ...input };
  if (s.default === undefined && output.default !== undefined) s.default = output.default;
  if (s.properties)
    s.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, withOutputDefaults(v, output.properties?.[k])]));
  if (typeof s.additionalProperties === 'object' && typeof output.additionalProperties === 'object')
    s.additionalProperties = withOutputDefaults(s.additionalProperties, output.additionalProperties);
  if (s.items) s.items = withOutputDefaults(s.items, output.items);
  const [inV, outV] = [s.oneOf ?? s.anyOf, output.oneOf ?? output.anyOf];
  if (inV) {
    const merged = inV.map((v, i) => withOutputDefaults(v, outV?.[i]));
    if (s.oneOf) s.oneOf = merged;
    else s.anyOf = merged;
  }
  return s;
}

function walkProperties(schema: JsonSchema, prefix: string, rows: Row[], note = ''): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const required = schema.required?.includes(key) ?? false;
    walk(child, path, required, rows, key, note);
  }
}

function walk(schema: JsonSchema, path: string, required: boolean, rows: Row[], key: string, note = ''): void {
  const variants = schema.oneOf ?? schema.anyOf;
  const objectVariants = variants?.filter((v) => v.properties?.kind?.const !== undefined) ?? [];
  const description = schema.description ?? '';
  rows.push({
    path,
    type: typeOf(schema),
    default: defaultOf(schema, required),
    description: description.includes('(kind:') ? description : [note, description].filter(Boolean).join(' '),
  });
  if (objectVariants.length > 0) {
    // A discriminated union (tag locations): each field once, saying which kinds have it.
    const seen = new Set<string>();
    for (const v of objectVariants) {
      for (const [k, child] of Object.entries(v.properties ?? {})) {
        if (seen.has(k)) continue;
        seen.add(k);
        const kinds = objectVariants.filter((o) => o.properties?.[k]).map((o) => String(o.properties!.kind!.const));
        const only = kinds.length < objectVariants.length ? `(kind: ${kinds.join(', ')})` : '';
        const kindField =
          k === 'kind'
            ? { type: 'string', enum: objectVariants.map((o) => o.properties!.kind!.const), description: kindDescription(objectVariants) }
            : child;
        walk(kindField, `${path}.${k}`, v.required?.includes(k) ?? false, rows, k, only);
      }
    }
    return;
  }
  if (schema.properties) walkProperties(schema, path, rows);
  else if (typeof schema.additionalProperties === 'object') {
    const value = schema.additionalProperties;
    if (value.properties || value.oneOf) walk(value, `${path}.<${KEY_NAMES[key] ?? 'name'}>`, true, rows, key);
  } else if (schema.items?.properties) walkProperties(schema.items, `${path}[]`, rows);
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' \\| ');
  const variants = s.oneOf ?? s.anyOf;
  if (variants) return variants.some((v) => v.properties?.kind) ? 'object (by `kind`)' : variants.map(typeOf).join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
  if (s.type === 'string' && s.pattern === DURATION) return 'duration';
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (s.default === undefined) return required ? '**required**' : '';
  // An object's default is its fields' defaults, listed on their own rows.
  if (s.properties && typeof s.default === 'object') return '';
  if ((s.pattern === DURATION || s.type === 'string') && typeof s.default === 'number') return `\`${duration(s.default)}\``;
  return `\`${JSON.stringify(s.default)}\``;
}

function duration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function kindDescription(variants: JsonSchema[]): string {
  return variants.map((v) => `\`${String(v.properties!.kind!.const)}\`: ${(v.description ?? '').replace(/\.$/, '')}`).join('; ');
}

export function configReference(): string {
  const cell = (s: string) => s.replace(/\|(?<!\\\|)/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| path | type | default | description |', '| --- | --- | --- | --- |'];
  for (const r of configReferenceRows()) lines.push(`| \`${r.path}\` | ${r.type} | ${cell(r.default)} | ${cell(r.description)} |`);
  return `${lines.join('\n')}\n`;
}

/** README with the table between the markers replaced. */
export function withReference(readme: string, table = configReference()): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${table}${readme.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) {
    const before = readFileSync(README, 'utf8');
    const after = withReference(before);
    if (after !== before) writeFileSync(README, after);
    process.stdout.write(after === before ? 'README.md: configuration reference up to date\n' : 'README.md: configuration reference regenerated\n');
  } else {
    process.stdout.write(configReference());
  }
}
