import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxPathSyntaxProblem, stackSandboxPathProblems } from './sandbox-paths.js';

describe('sandbox read-only paths: what the text alone decides', () => {
  it.each([
    ['/etc/kubernetes/admin.conf', undefined],
    ['/home/ci/.kube', undefined],
    ['/srv/certs/client.pem', undefined],
    ['relative/kubeconfig', 'must be an absolute path (got "relative/kubeconfig")'],
    ['~/.kube/config', 'must be an absolute path (got "~/.kube/config")'],
    ['/etc/kube/../shadow', 'must not contain ".." (got "/etc/kube/../shadow")'],
    ['/etc//kube', 'must be written normalised, as /etc/kube (got "/etc//kube")'],
    ['/etc/kube/', 'must be written normalised, as /etc/kube (got "/etc/kube/")'],
    ['/etc/./kube', 'must be written normalised, as /etc/kube (got "/etc/./kube")'],
    ['/etc/kube config', 'must be a path of letters, digits and . _ - @ + = , / (got "/etc/kube config")'],
    ['/', 'is / (the whole file system): name the files or directory the credentials are in'],
    ['/etc', '/etc is a whole top-level directory: name the files or directory the credentials are in'],
    [
      '/proc/1/environ',
      "/proc/1/environ is under /proc, which never goes into the sandbox (it shows other processes' environments and the system's devices and sockets)",
    ],
    [
      '/run/docker.sock',
      "/run/docker.sock is under /run, which never goes into the sandbox (it shows other processes' environments and the system's devices and sockets)",
    ],
  ])('%s', (path, problem) => {
    expect(sandboxPathSyntaxProblem(path)).toBe(problem);
  });
});

describe('sandbox read-only paths: what the machine decides', () => {
  const root = mkdtempSync(join(tmpdir(), 'opsbot-paths-'));
  const home = join(root, 'home');
  const opsbotHome = join(root, 'opsbot-home');
  const etc = join(root, 'etc-opsbot');
  for (const d of [join(home, '.kube'), opsbotHome, etc]) mkdirSync(d, { recursive: true });
  writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
  writeFileSync(join(opsbotHome, 'redis.conf'), '');
  symlinkSync(join(opsbotHome, 'redis.conf'), join(home, '.kube', 'sneaky'));
  const where = { env: { HOME: home, OPSBOT_HOME: opsbotHome }, configFile: join(etc, 'opsbot.yaml') };
  const check = (paths: string[]) => stackSandboxPathProblems('core', paths, where).map((p) => `${p.path}: ${p.message}`);

  it('a directory inside HOME is fine; HOME itself, what holds it, opsbot home and the config dir are not; a missing path is named', () => {
    expect(check([join(home, '.kube'), join(home, '.kube', 'config')])).toEqual([]);
    expect(check([home, root, join(opsbotHome, 'redis.conf'), etc, join(root, 'nope')])).toEqual([
      `stacks.core.sandbox.readOnlyPaths.0: ${home} is the worker's HOME (${home}), which holds far more than one stack needs: name the directory inside it (e.g. ~/.kube)`,
      `stacks.core.sandbox.readOnlyPaths.1: ${root} holds OPSBOT_HOME (${opsbotHome}), opsbot's own data (its Redis, saved plans)`,
      `stacks.core.sandbox.readOnlyPaths.2: ${join(opsbotHome, 'redis.conf')} is inside OPSBOT_HOME (${opsbotHome}), opsbot's own data (its Redis, saved plans)`,
      `stacks.core.sandbox.readOnlyPaths.3: ${etc} is the config file's directory (${etc}), where opsbot.yaml and its .env live`,
      `stacks.core.sandbox.readOnlyPaths.4: ${join(root, 'nope')} does not exist on this machine`,
    ]);
  });

  it('a link is judged by what it points at', () => {
    const link = join(home, '.kube', 'sneaky');
    expect(check([link])).toEqual([
      `stacks.core.sandbox.readOnlyPaths.0: ${link} (a link to ${join(opsbotHome, 'redis.conf')}) is inside OPSBOT_HOME (${opsbotHome}), opsbot's own data (its Redis, saved plans)`,
    ]);
  });
});
