import { resolve } from 'node:path';

/** Where the embedded default keeps its data: `OPSBOT_HOME`, default `./.opsbot`. */
export function opsbotHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.OPSBOT_HOME ?? '.opsbot');
}
