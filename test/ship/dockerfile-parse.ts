/** A small Dockerfile reader for the offline lint: instructions, stages, ARG defaults. */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, ENV, … */
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  all: Instruction[];
}

/** Joins `\` continuations, drops comments and parser directives, splits into stages. */
export function parseDockerfile(text: string): Dockerfile {
  const all: Instruction[] = [];
  let current = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) return;
    if (current !== '' && line.startsWith('#')) return; // comment inside a continuation
    if (current === '') start = i + 1;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      return;
    }
    current += line;
    const m = /^(\S+)\s*(.*)$/s.exec(current)!;
    all.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    current = '';
  });
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const ins of all) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      stages.push({ from: m[1]!, name: m[2], instructions: [] });
    } else if (stages.length === 0 && ins.op === 'ARG') {
      const [k, v] = ins.args.split('=', 2) as [string, string | undefined];
      globalArgs.set(k, v);
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { globalArgs, stages, all };
}

/** `${NAME}` / `$NAME` from the global ARG defaults. */
export function expandArgs(s: string, args: Map<string, string | undefined>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => args.get((a ?? b)!) ?? '');
}

/** ENV in both forms: `ENV A=1 B="x y"` and the legacy `ENV A 1`. */
export function envPairs(args: string): [string, string][] {
  if (!/^\w+=/.test(args)) {
    const [k, ...rest] = args.split(/\s+/);
    return [[k!, rest.join(' ')]];
  }
  return [...args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)].map((m) => [m[1]!, m[3] ?? m[2]!]);
}
