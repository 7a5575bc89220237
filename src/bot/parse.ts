import { OpsbotError } from '../core/errors.js';

export interface ParsedLine {
  /** Command name, lower-cased, without the leading `/` or a `@botname` suffix. */
  name: string;
  /** Positional arguments in order. */
  positional: string[];
  /** `--flag value`, `--flag=value`, and bare `--flag` (value "true"). */
  flags: Record<string, string>;
  /** Flags given bare, without a value: `--branch` alone is not `--branch true` (a branch may be named "true"). */
  bare: ReadonlySet<string>;
  /** `key=value` arguments. */
  pairs: Record<string, string>;
}

export const MAX_ARG_LENGTH = 200;
export const MAX_LINE_LENGTH = 2000;

/** Characters that mean something to a shell, a path or a git ref: never accepted in arguments. */
const SHELL_META = /[;&|`$<>\\(){}!*?[\]~#"']/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F\u0085\u2028\u2029]/;

/**
 * Shared by every adapter: quoted arguments, `--flag value`, `key=value`. Strict on purpose —
 * arguments end up in git refs, paths and process arguments, so anything that could be read as
 * shell syntax, a control character, a newline or a very long value is refused here, before
 * any handler sees it.
 */
export function parseLine(line: string): ParsedLine {
  if (line.length > MAX_LINE_LENGTH) {
    throw new OpsbotError('E_BAD_ARGUMENT', `That command is ${line.length} characters long; opsbot accepts at most ${MAX_LINE_LENGTH}.`);
  }
  const trimmed = line.replace(/^\s+|\s+$/g, '');
  if (/[\r\n]/.test(trimmed)) throw new OpsbotError('E_BAD_ARGUMENT', 'Commands are one line: newlines are not accepted in arguments.');
  if (CONTROL.test(trimmed)) throw new OpsbotError('E_BAD_ARGUMENT', 'Control characters are not accepted in commands.');
  const tokens = tokenize(trimmed);
  const first = tokens.shift();
  if (!first) throw new OpsbotError('E_USAGE', 'Type /help to see what you can ask.');
  const name = first.value
    .replace(/^\//, '')
    .replace(/@[A-Za-z0-9_]+$/, '')
    .toLowerCase();

  // Keys are the user's words: objects without a prototype, so `--constructor` or a missing flag
  // never reads an inherited property.
  const bare = new Set<string>();
  const out: ParsedLine = {
    name,
    positional: [],
    flags: Object.create(null) as Record<string, string>,
    bare,
    pairs: Object.create(null) as Record<string, string>,
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const flag = !tok.quoted && /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(tok.value);
    if (flag) {
      const key = flag[1]!;
      if (flag[2] !== undefined) out.flags[key] = checkArg(flag[2], `--${key}`);
      else if (tokens[i + 1] && !tokens[i + 1]!.value.startsWith('--')) out.flags[key] = checkArg(tokens[++i]!.value, `--${key}`);
      else {
        out.flags[key] = 'true';
        bare.add(key);
      }
      continue;
    }
    const pair = !tok.quoted && /^([a-z][a-z0-9_-]*)=(.*)$/.exec(tok.value);
    if (pair) {
      out.pairs[pair[1]!] = checkArg(pair[2]!, pair[1]!);
      continue;
    }
    out.positional.push(checkArg(tok.value, `argument ${out.positional.length + 1}`));
  }
  return out;
}

function checkArg(value: string, what: string): string {
  if (value.length > MAX_ARG_LENGTH) {
    throw new OpsbotError('E_BAD_ARGUMENT', `${what} is ${value.length} characters long; at most ${MAX_ARG_LENGTH} are accepted.`);
  }
  const meta = SHELL_META.exec(value);
  if (meta) throw new OpsbotError('E_BAD_ARGUMENT', `${what} contains "${meta[0]}", which is not accepted in arguments.`);
  return value;
}

interface Token {
  value: string;
  quoted: boolean;
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new OpsbotError('E_BAD_ARGUMENT', `Unclosed ${c} quote.`);
      tokens.push({ value: line.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !/\s/.test(line[j]!)) j++;
    tokens.push({ value: line.slice(i, j), quoted: false });
    i = j;
  }
  return tokens;
}
