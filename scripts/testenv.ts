/**
 * The opsbot test environment on loopback: Redis, OpenTofu, etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kwok (a fake node's kubelet), Argo CD's repo-server
 * and application-controller syncing a GitOps repository, and an OCI registry. See docs/testenv.md.
 *
 *   tsx scripts/testenv.ts up                        build what is missing, start what is not running
 *   tsx scripts/testenv.ts down                      stop what `up` started, by pid
 *   tsx scripts/testenv.ts restart <part>                   one of PARTS in testenv/config.ts
 *   tsx scripts/testenv.ts status
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARTS, isPart, settings } from './testenv/config.js';
import { down, restart, up } from './testenv/env.js';
import { TestenvError, info } from './testenv/log.js';
import { isOurs } from './testenv/proc.js';
import { readState } from './testenv/state.js';

function status(): number {
  const s = settings();
  const state = readState(s.dir);
  let running = 0;
  for (const part of PARTS) {
    const p = state.procs[part];
    const alive = p !== undefined && isOurs(p.pid, s.dir);
    if (alive) running++;
    info(`${part}: ${p ? `pid ${p.pid} ${alive ? 'running' : 'NOT running'}` : 'not started'}`);
  }
  try {
    info(`env file ${join(s.dir, 'env')}:\n${readFileSync(join(s.dir, 'env'), 'utf8')}`);
  } catch {
    info('no env file');
  }
  return running === PARTS.length ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, arg] = argv;
  const t0 = Date.now();
  switch (cmd) {
    case 'up': {
      const envFile = await up(settings());
      info(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: source ${envFile}`);
      return 0;
    }
    case 'down':
      await down(settings());
      info(`down in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    case 'restart': {
      if (!isPart(arg)) {
        console.error(`usage: testenv restart ${PARTS.join('|')}`);
        return 2;
      }
      await restart(settings(), arg);
      return 0;
    }
    case 'status':
      return status();
    default:
      console.error('usage: testenv up | down | restart <part> | status');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof TestenvError) {
      console.error(`testenv: ${process.argv[2] ?? ''} failed in part ${err.message}`);
    } else {
      console.error('testenv: unexpected failure:', err);
    }
    process.exit(1);
  },
);
