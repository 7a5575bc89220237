import { DeliveryError } from '../../../jobs/outbox.js';

/** The error body of the Bot API: `{ ok: false, error_code, description, parameters: { retry_after } }`. */
export interface TelegramErrorBody {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** Telegraf's TelegramError carries the body as `response`; a network failure carries none. */
export function errorBody(err: unknown): TelegramErrorBody | undefined {
  const response = (err as { response?: unknown } | null)?.response;
  if (response && typeof response === 'object' && typeof (response as TelegramErrorBody).error_code === 'number')
    return response as TelegramErrorBody;
  return undefined;
}

/** "Bad Request: message is not modified": the edit asked for what the message already shows. */
export function isNotModified(err: unknown): boolean {
  const body = errorBody(err);
  return body?.error_code === 400 && /message is not modified/i.test(body.description);
}

/** The keyed message is gone or too old to edit (deleted by someone; edits end after 48 h): post anew. */
export function isUneditable(err: unknown): boolean {
  const body = errorBody(err);
  return body?.error_code === 400 && /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(body.description);
}

/**
 * Bot API failure → what the delivery loop should do: 429 waits `retry_after` seconds (Telegram
 * tells how long), 5xx and network errors are retried with backoff, every other 4xx (bad
 * request, bot blocked or kicked, chat not found) is permanent — retrying cannot fix it.
 */
export function toDeliveryError(err: unknown): DeliveryError {
  const body = errorBody(err);
  if (!body) return new DeliveryError(`Telegram unreachable: ${(err as Error).message}`);
  const what = `Telegram ${body.error_code}: ${body.description}`;
  if (body.error_code === 429) return new DeliveryError(what, { retryAfterMs: (body.parameters?.retry_after ?? 1) * 1000 });
  if (body.error_code >= 500) return new DeliveryError(what);
  if (body.parameters?.migrate_to_chat_id !== undefined) {
    return new DeliveryError(`${what} (the group became supergroup ${body.parameters.migrate_to_chat_id}: update chat.telegram.chats)`, {
      permanent: true,
    });
  }
  return new DeliveryError(what, { permanent: true });
}
