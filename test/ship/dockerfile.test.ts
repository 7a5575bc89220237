import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PINNED } from '../../scripts/testenv/config.js';
import { cosignTool, tofuTool } from '../../scripts/testenv/tools.js';
import { ROOT } from '../support/cli.js';
import { envPairs, expandArgs, parseDockerfile, type Stage } from './dockerfile-parse.js';

/** hadolint is not installable offline; these are the rules that matter for this image. */
const df = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const final = df.stages.at(-1)!;
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);
const stageNamed = (name: string) => df.stages.find((s) => s.name === name)!;
const SECRETISH = /(TOKEN|SECRET|PASSW(OR)?D|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)/i;

describe('Dockerfile (offline lint)', () => {
  it('is multi-stage, and every base image is pinned to an exact version (never latest)', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(3);
    const stageNames = new Set(df.stages.map((s) => s.name));
    for (const s of df.stages) {
      const image = expandArgs(s.from, df.globalArgs);
      if (stageNames.has(image)) continue;
      const [, tag = ''] = image.split('@')[0]!.split(':');
      expect(tag, image).not.toBe('');
      expect(tag, image).not.toMatch(/latest/);
      expect(tag, `${image}: major.minor.patch`).toMatch(/^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/);
    }
  });

  it('runs on a Node.js LTS (an even major, 24 or newer) in the slim Debian variant', () => {
    const node = expandArgs(final.from, df.globalArgs);
    const m = /^node:(\d+)\.\d+\.\d+-bookworm-slim$/.exec(node);
    expect(m, node).not.toBeNull();
    expect(Number(m![1]) % 2).toBe(0);
    expect(Number(m![1])).toBeGreaterThanOrEqual(24);
  });

  it('runs as a non-root user, by number', () => {
    const user = ops(final, 'USER').at(-1)?.args ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('has tini as init, then node bin/opsbot.js; CMD start --no-console', () => {
    expect(JSON.parse(ops(final, 'ENTRYPOINT').at(-1)!.args)).toEqual(['tini', '--', 'node', 'bin/opsbot.js']);
    expect(JSON.parse(ops(final, 'CMD').at(-1)!.args)).toEqual(['start', '--no-console']);
    const apt = ops(final, 'RUN')
      .map((r) => r.args)
      .join('\n');
    for (const pkg of ['tini', 'git', 'openssh-client']) expect(apt).toMatch(new RegExp(`apt-get install [^\\n]*\\b${pkg}\\b`));
    expect(apt).toContain('--no-install-recommends');
    expect(apt).toContain('rm -rf /var/lib/apt/lists/*');
  });

  it('checks /healthz with node (no curl in the image)', () => {
    const hc = ops(final, 'HEALTHCHECK').at(-1)?.args ?? '';
    expect(hc).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/healthz/);
  });

  it('listens on 0.0.0.0:3000', () => {
    const env = Object.fromEntries(ops(final, 'ENV').flatMap((e) => envPairs(e.args)));
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '3000' });
    expect(ops(final, 'EXPOSE').map((e) => e.args)).toEqual(['3000']);
  });

  it('bakes in no secrets: no ARG or ENV with a secret-looking name', () => {
    const declared = df.all
      .filter((i) => i.op === 'ARG' || i.op === 'ENV')
      .flatMap((i) => (i.op === 'ENV' ? envPairs(i.args).map(([k]) => k) : [i.args.split('=')[0]!]));
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.filter((k) => SECRETISH.test(k))).toEqual([]);
  });

  it('builds with every dependency, ships production dependencies only', () => {
    const build = ops(stageNamed('build'), 'RUN').map((r) => r.args);
    expect(build.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(build.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(ops(stageNamed('deps'), 'RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r.args))).toBe(true);
    expect(df.all.some((i) => i.op === 'RUN' && /\bnpm (install|i)\b/.test(i.args))).toBe(false);
    const copies = ops(final, 'COPY').map((c) => c.args);
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies.some((c) => c.startsWith('--from=build') && c.includes('node_modules'))).toBe(false);
  });

  // What runs in production is what the test environment built and tested: same wrapper, release and flags.
  it.each([
    ['tofu', tofuTool(PINNED.tofu), /github\.com\/opentofu\/opentofu v1\.12\.6/],
    ['cosign', cosignTool(PINNED.cosign), /github\.com\/sigstore\/cosign\/v2 v2\.6\.5/],
  ] as const)('builds %s from tools/ read-only against its go.sum, with the test environment’s flags', (name, tool, pinned) => {
    const stage = stageNamed(name);
    expect(expandArgs(stage.from, df.globalArgs)).toMatch(/^golang:1\.26\.\d+-bookworm$/);
    const env = Object.fromEntries(ops(stage, 'ENV').flatMap((e) => envPairs(e.args)));
    expect(env).toMatchObject({ CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' });
    expect(ops(stage, 'COPY').map((c) => c.args)).toContain(`tools/${name}/go.mod tools/${name}/go.sum ./`);
    const runs = ops(stage, 'RUN')
      .map((r) => r.args)
      .join('\n');
    expect(runs).toContain('go mod verify');
    expect(runs).toContain(`-ldflags "${tool.ldflags(tool.version).join(' ')}"`);
    expect(runs).toContain(`-trimpath`);
    expect(runs).toContain(tool.pkg);
    expect(readFileSync(join(ROOT, `tools/${name}/go.mod`), 'utf8')).toMatch(pinned);
    expect(ops(final, 'COPY').map((c) => c.args)).toContain(`--from=${name} /out/${name} /usr/local/bin/${name}`);
  });

  it('opsbot finds cosign through OPSBOT_COSIGN', () => {
    const env = Object.fromEntries(ops(final, 'ENV').flatMap((e) => envPairs(e.args)));
    expect(env.OPSBOT_COSIGN).toBe('/usr/local/bin/cosign');
  });
});

describe('.dockerignore', () => {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  it.each(['node_modules', '.git', '.opsbot', '.testenv', '.env', 'dist', 'opsbot.yaml'])('excludes %s', (entry) => {
    expect(lines).toContain(entry);
  });
  it('keeps .env.example (documentation) but no other .env file', () => {
    expect(lines).toContain('.env.*');
    expect(lines).toContain('!.env.example');
  });
});
