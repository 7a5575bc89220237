import type { Command } from 'commander';
import { embeddedRedisStatus, stopEmbeddedRedis } from '../core/embedded-redis.js';
import { EXIT } from '../core/errors.js';
import { opsbotHome } from '../core/home.js';

/**
 * `opsbot redis status|stop`: the embedded Redis of an OPSBOT_HOME, shared by every opsbot
 * process on it. It stops by itself after the last one; `stop` is for when it must go now.
 */
export function addRedisCommand(program: Command): void {
  const redis = program.command('redis').description('the embedded redis-server of OPSBOT_HOME (used when REDIS_URL is unset): status, stop');
  redis
    .command('status')
    .description('is it running, on which port, and which opsbot processes use it')
    .action(() => {
      const home = opsbotHome();
      const s = embeddedRedisStatus(home);
      if (!s.record) {
        process.stdout.write(`${home}: no embedded redis-server running${s.stopping ? ' (stopping)' : ''}\n`);
        return;
      }
      const lines = [
        `${home}: redis-server pid ${s.record.redisPid} on 127.0.0.1:${s.record.port} (keeper pid ${s.record.keeperPid}, since ${s.record.since})`,
        `  data: ${s.paths.dir} · password: ${s.paths.password}`,
        `  used by ${s.members.length} opsbot process${s.members.length === 1 ? '' : 'es'}:`,
        ...s.members.map((m) => `    pid ${m.pid}${m.workers ? ' (workers)' : ''}: opsbot ${m.command}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  redis
    .command('stop')
    .description('stop it now (it stops by itself after the last opsbot process using it); refused while opsbot processes use it, unless --force')
    .option('--force', 'stop it even though opsbot processes still use it (they lose Redis until they are restarted)')
    .action(async (opts: { force?: boolean }) => {
      const home = opsbotHome();
      const s = embeddedRedisStatus(home);
      if (!s.record) {
        process.stdout.write(`${home}: no embedded redis-server running\n`);
        return;
      }
      if (s.members.length > 0 && !opts.force) {
        process.stderr.write(
          `opsbot: ${s.members.length} opsbot process(es) still use it (${s.members.map((m) => `pid ${m.pid}: ${m.command}`).join('; ')}); stop them, or use --force\n`,
        );
        process.exit(EXIT.rejected);
      }
      if (!(await stopEmbeddedRedis(home))) {
        process.stderr.write(`opsbot: the keeper (pid ${s.record.keeperPid}) did not stop within 15 s; see ${s.paths.keeperLog}\n`);
        process.exit(EXIT.failed);
      }
      process.stdout.write(`${home}: redis-server stopped\n`);
    });
}
