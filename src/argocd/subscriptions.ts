/**
 * Subscriptions where Argo CD users put them: annotations on the Application,
 * `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>;<recipient>…`
 * (https://argo-cd.readthedocs.io/en/latest/user-guide/subscriptions/), for the services
 * opsbot speaks — `slack` (a channel id, or a channel name) and `telegram` (a chat id, with
 * `|<topic>` for a forum topic, as Argo CD's Telegram service writes it). Trigger names are the
 * catalogue's (`on-sync-succeeded`…). Pure: what cannot be used comes back as a problem, for
 * the caller to log and count; the rest still counts.
 */
import { TRIGGERS, type Trigger } from '../core/config/schema.js';
import { isDestination } from '../core/destination.js';
import type { Application } from './application.js';

export const SUBSCRIBE_PREFIX = 'notifications.argoproj.io/subscribe.';

export interface Subscription {
  trigger: Trigger;
  /** Destinations in the config's grammar: `slack:<channel>`, `telegram:<chat id>[/<topic>]`. */
  destinations: string[];
}

export interface SubscriptionProblem {
  annotation: string;
  reason: 'unknown-trigger' | 'unknown-service' | 'bad-recipient';
  detail: string;
}

const SERVICES = ['slack', 'telegram'] as const;
type Service = (typeof SERVICES)[number];

/** A recipient → a destination, or why not. */
function destination(service: Service, recipient: string): string | { problem: string } {
  if (service === 'slack') {
    const d = /^[A-Z0-9]{2,32}$/.test(recipient) ? `slack:${recipient}` : `slack:#${recipient.replace(/^#/, '')}`;
    return isDestination(d) ? d : { problem: `"${recipient}" is not a Slack channel id or name` };
  }
  const [chat, topic, extra] = recipient.split('|');
  const d = `telegram:${chat ?? ''}${topic !== undefined ? `/${topic}` : ''}`;
  if (extra !== undefined || !isDestination(d))
    return { problem: `"${recipient}" is not a Telegram chat id (opsbot needs the numeric id, e.g. -1001234567890 or -1001234567890|7)` };
  return d;
}

export function subscriptionsOf(app: Pick<Application, 'annotations'>): { subscriptions: Subscription[]; problems: SubscriptionProblem[] } {
  const subscriptions: Subscription[] = [];
  const problems: SubscriptionProblem[] = [];
  for (const [annotation, value] of Object.entries(app.annotations)) {
    if (!annotation.startsWith(SUBSCRIBE_PREFIX)) continue;
    const rest = annotation.slice(SUBSCRIBE_PREFIX.length);
    const dot = rest.lastIndexOf('.');
    const trigger = dot < 0 ? '' : rest.slice(0, dot);
    const service = dot < 0 ? rest : rest.slice(dot + 1);
    if (!(SERVICES as readonly string[]).includes(service)) {
      problems.push({ annotation, reason: 'unknown-service', detail: `service "${service}" is not one opsbot delivers to (slack, telegram)` });
      continue;
    }
    if (!(TRIGGERS as readonly string[]).includes(trigger)) {
      problems.push({
        annotation,
        reason: 'unknown-trigger',
        detail: trigger
          ? `trigger "${trigger}" is not in the catalogue (${TRIGGERS.join(', ')})`
          : `name a trigger: ${SUBSCRIBE_PREFIX}<trigger>.${service}`,
      });
      continue;
    }
    const destinations: string[] = [];
    for (const recipient of value
      .split(';')
      .map((r) => r.trim())
      .filter((r) => r !== '')) {
      const d = destination(service as Service, recipient);
      if (typeof d === 'string') destinations.push(d);
      else problems.push({ annotation, reason: 'bad-recipient', detail: d.problem });
    }
    if (destinations.length > 0) subscriptions.push({ trigger: trigger as Trigger, destinations });
  }
  return { subscriptions, problems };
}
