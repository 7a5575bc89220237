import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { eventually, get } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startTelegramApi, type RecordedCall, type StoredMessage, type TelegramApiDouble } from '../support/telegram-api.js';

export const BOT_TOKEN = '7000000001:AAFakeTokenForTheLocalStandIn_0123456';
export const SECRET = 'webhook-secret_0123456789abcdef';

export interface TelegramOpsbot {
  api: TelegramApiDouble;
  redis: TestRedis;
  proc: OpsbotProcess;
  port: number;
  /** Sent messages in a chat that reply to `messageId`. */
  repliesTo(chatId: number, messageId: number): StoredMessage[];
  /** Wait for a call matching `match`; bounded. */
  waitForCall(method: string, match?: (c: RecordedCall) => boolean, what?: string): Promise<RecordedCall>;
  close(): Promise<void>;
}

/** A real `opsbot start --no-console` child speaking to the Bot API stand-in, with a real redis-server. */
export async function startTelegramOpsbot(opts: {
  config: string;
  secret?: string | null;
  webhookUrl?: string;
  env?: Record<string, string>;
}): Promise<TelegramOpsbot> {
  const redis = await startRedis();
  const api = await startTelegramApi({ token: BOT_TOKEN });
  const port = await freePort();
  const secret = opts.secret === null ? undefined : (opts.secret ?? SECRET);
  const proc = new OpsbotProcess(['start', '--no-console'], {
    env: baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: writeConfig(opts.config),
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_WEBHOOK_SECRET: secret,
      TELEGRAM_WEBHOOK_URL: opts.webhookUrl,
      ...opts.env,
    }),
  });
  const waitForCall = async (method: string, match: (c: RecordedCall) => boolean = () => true, what = method) => {
    let found: RecordedCall | undefined;
    await eventually(async () => (found = api.callsOf(method).find(match)) !== undefined, `${what}\nstderr: ${proc.stderr}`, 20_000);
    return found!;
  };
  await eventually(async () => (await get(`http://127.0.0.1:${port}/healthz`)).status === 200, `opsbot HTTP\nstderr: ${proc.stderr}`, 30_000);
  await waitForCall('setMyCommands');
  return {
    api,
    redis,
    proc,
    port,
    repliesTo: (chatId, messageId) => (api.messages.get(String(chatId)) ?? []).filter((m) => m.reply_to === messageId),
    waitForCall,
    async close() {
      await proc.stop();
      await api.close();
      await redis.close();
    },
  };
}
