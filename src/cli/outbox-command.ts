import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { embeddedRedisStatus } from '../core/embedded-redis.js';
import { EXIT } from '../core/errors.js';
import { opsbotHome } from '../core/home.js';
import { readPassword } from '../core/home-redis/record.js';
import type { Platform } from '../core/message.js';
import { connectChecked, redisTargetFromEnv, type RedisTarget } from '../core/redis.js';
import { ParkedMessages } from '../jobs/parked-messages.js';

const PLATFORMS: Platform[] = ['slack', 'telegram'];

/** REDIS_URL (or sentinels), else the running embedded Redis of OPSBOT_HOME. */
function target(): RedisTarget {
  const fromEnv = redisTargetFromEnv();
  if (fromEnv) return fromEnv;
  const s = embeddedRedisStatus(opsbotHome());
  const password = s.record ? readPassword(s.paths) : undefined;
  if (!s.record || !password) {
    process.stderr.write('opsbot: no Redis: set REDIS_URL, or run it where an opsbot process uses the embedded Redis of OPSBOT_HOME\n');
    process.exit(EXIT.rejected);
  }
  return { url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${s.record.port}` };
}

async function withParked<T>(fn: (parked: ParkedMessages) => Promise<T>): Promise<T> {
  let redis: Redis | undefined;
  try {
    redis = await connectChecked(target(), 'fast-fail', 'outbox-cli', 5000);
    return await fn(new ParkedMessages(redis));
  } finally {
    redis?.disconnect();
  }
}

/**
 * `opsbot outbox parked|retry`: the chat messages that could not be delivered after their
 * retries (outbox-delivery.ts parks them instead of dropping them), and putting them back.
 */
export function addOutboxCommand(program: Command): void {
  const outbox = program.command('outbox').description('chat messages not delivered after their retries: parked, retry');
  outbox
    .command('parked')
    .description('list parked messages: id, where, why, when (exit 0; none is a normal answer)')
    .action(async () => {
      const lines = await withParked(async (parked) => {
        const out: string[] = [];
        for (const platform of PLATFORMS) {
          for (const m of await parked.list(platform)) {
            const d = ParkedMessages.describe(m);
            out.push(
              `${platform} ${m.id}  ${d.where}  ${new Date(m.parkedAt).toISOString()}  after ${m.attempts} attempt(s): ${m.reason}  [${d.key}] ${d.title}`,
            );
          }
        }
        return out;
      });
      process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no parked messages\n');
    });
  outbox
    .command('retry')
    .description('put parked messages back into their outbox: `<platform> <id>` for one, `--all` for every one')
    .argument('[platform]', 'slack or telegram')
    .argument('[id]', 'the id `opsbot outbox parked` shows')
    .option('--all', 'every parked message of every platform')
    .action(async (platform: string | undefined, id: string | undefined, opts: { all?: boolean }) => {
      if (!opts.all && (!platform || !id || !(PLATFORMS as string[]).includes(platform))) {
        process.stderr.write('opsbot: usage: opsbot outbox retry <slack|telegram> <id>, or opsbot outbox retry --all\n');
        process.exit(EXIT.rejected);
      }
      const moved = await withParked(async (parked) => {
        const wanted = opts.all
          ? (await Promise.all(PLATFORMS.map(async (p) => (await parked.list(p)).map((m) => [p, m.id] as const)))).flat()
          : [[platform as Platform, id!] as const];
        const out: string[] = [];
        for (const [p, i] of wanted) if (await parked.retry(p, i)) out.push(`${p} ${i}`);
        return out;
      });
      if (!opts.all && moved.length === 0) {
        process.stderr.write(`opsbot: no parked ${platform} message ${id} (see opsbot outbox parked)\n`);
        process.exit(EXIT.rejected);
      }
      process.stdout.write(`${moved.length} message(s) back in the outbox${moved.length ? `: ${moved.join(', ')}` : ''}\n`);
    });
}
