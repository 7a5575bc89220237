/**
 * Entry point of the embedded Redis keeper, started detached by the first opsbot process on an
 * OPSBOT_HOME: `node keeper-main.js <home> <redis-server binary>`. See keeper.ts.
 */
import { homeRedisPaths } from './paths.js';
import { RedisKeeper } from './keeper.js';

const [home, bin] = process.argv.slice(2);
if (!home || !bin) {
  process.stderr.write('usage: keeper-main <OPSBOT_HOME> <redis-server>\n');
  process.exit(2);
}
process.exit(await new RedisKeeper(homeRedisPaths(home), bin).run());
