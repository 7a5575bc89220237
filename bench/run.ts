/**
 * `npm run bench [-- --quick] [-- --only name,name]`: runs each benchmark (each starts and stops
 * its own servers on 127.0.0.1), prints a table, writes bench/results.json and bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ackLatency } from './ack-latency.js';
import { deployThroughput } from './deploy-throughput.js';
import { gitopsLoop } from './gitops-loop.js';
import { imageWatch } from './image-watch.js';
import { memory } from './memory.js';
import { notificationBurst } from './notification-burst.js';
import { notifications } from './notifications.js';
import { registry } from './registry.js';
import { terraformOverhead } from './terraform-overhead.js';
import type { Benchmark, BenchResult } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Order: cheap and independent first; ack latency last (it needs the Slack adapter). */
const BENCHMARKS: [string, Benchmark][] = [
  ['notifications', notifications],
  ['burst', notificationBurst],
  ['deploy', deployThroughput],
  ['terraform', terraformOverhead],
  ['registry', registry],
  ['watch', imageWatch],
  ['gitops-loop', gitopsLoop],
  ['memory', memory],
  ['ack', ackLatency],
];

function machine(): string {
  const nproc = (() => {
    try {
      return execFileSync('nproc').toString().trim();
    } catch {
      return String(cpus().length);
    }
  })();
  return `nproc ${nproc}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${cpus()[0]?.model ?? 'unknown CPU'}, Node.js ${process.version}, ${new Date().toISOString()}`;
}

function table(results: BenchResult[]): string {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'ratio'];
  const lines = results.map((r) => [
    r.name,
    String(r.value),
    r.unit,
    r.baseline === null ? '—' : String(r.baseline),
    r.ratio === null ? '—' : `${r.ratio}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
  const only = onlyArg ? new Set(onlyArg.split(',')) : undefined;
  const results: BenchResult[] = [];
  const failures: string[] = [];
  const log = (line: string) => console.log(line);
  const started = Date.now();
  for (const [name, bench] of BENCHMARKS) {
    if (only && !only.has(name)) continue;
    log(`▶ ${name}${quick ? ' (quick)' : ''}`);
    const t0 = Date.now();
    try {
      results.push(...(await bench({ quick, log })));
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      log(`✖ ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const desc = machine();
  const out = table(results);
  console.log(`\n${desc}\n\n${out}`);
  for (const r of results) if (r.note) console.log(`  ${r.name}: ${r.note}`);
  if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(
    join(HERE, 'results.json'),
    `${JSON.stringify(
      results.map(({ name, value, unit, baseline, ratio }) => ({ name, value, unit, baseline, ratio })),
      null,
      2,
    )}\n`,
  );
  const notes = results.filter((r) => r.note).map((r) => `- **${r.name}**: ${r.note}`);
  writeFileSync(
    join(HERE, 'RESULTS.md'),
    `# Benchmark results\n\nRun: \`npm run bench${quick ? ' -- --quick' : ''}\`${only ? ` (only ${[...only].join(', ')})` : ''}\n\nMachine: ${desc}\n\nEvery figure is a ratio against a baseline measured in the same run (other work on the machine shifts both).\n\n${out}\n\n${notes.join('\n')}\n${failures.length ? `\nFailed:\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}`,
  );
  process.exitCode = failures.length ? 1 : 0;
}

await main();
