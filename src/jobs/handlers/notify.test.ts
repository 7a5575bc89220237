import { describe, expect, it } from 'vitest';
import { FakeOutbox, jobContext } from '../../../test/support/fakes.js';
import { notifyJob, type NotifyPayload } from './notify.js';

describe('notify job', () => {
  it('hands the message to every destination’s outbox, threaded by operation', async () => {
    const outbox = new FakeOutbox();
    const payload: NotifyPayload = {
      destinations: ['slack:C0123DEPLOY', 'telegram:-1001234567890/7', 'console'],
      groupKey: 'uid-web|op:T1',
      message: { title: 'web synced' },
    };
    const { ctx } = jobContext('notify', payload);
    const kind = notifyJob({ outbox });
    expect(await kind.run(ctx)).toEqual({ text: 'notified slack:C0123DEPLOY, telegram:-1001234567890/7, console' });
    expect(outbox.events.map((e) => e.conversation)).toEqual([
      { platform: 'slack', channel: 'C0123DEPLOY' },
      { platform: 'telegram', channel: '-1001234567890', thread: '7' },
      { platform: 'console', channel: 'notifications' },
    ]);
    expect(outbox.events.every((e) => e.key === 'notify:uid-web|op:T1' && e.threaded && e.message.title === 'web synced')).toBe(true);
    expect(kind).toMatchObject({ quiet: true, idempotent: true });
  });

  it('a destination that is not one fails the job before anything is published', async () => {
    const outbox = new FakeOutbox();
    const { ctx } = jobContext('notify', { destinations: ['email:x@y'], groupKey: 'g', message: { text: 'x' } });
    await expect(notifyJob({ outbox }).run(ctx)).rejects.toMatchObject({ code: 'E_BAD_DESTINATION' });
    expect(outbox.events).toHaveLength(0);
  });

  it('with an announcement key, a job run again (its worker died after publishing) publishes nothing twice', async () => {
    const outbox = new FakeOutbox();
    const payload: NotifyPayload = {
      destinations: ['slack:C0123DEPLOY', 'console'],
      groupKey: 'g',
      message: { title: 'web synced' },
      key: 'uid-web|on-sync-succeeded|op:T1@abc',
    };
    const kind = notifyJob({ outbox });
    await kind.run(jobContext('notify', payload).ctx);
    await kind.run(jobContext('notify', payload).ctx);
    expect(outbox.events.map((e) => e.id)).toEqual([
      'uid-web|on-sync-succeeded|op:T1@abc|slack:C0123DEPLOY',
      'uid-web|on-sync-succeeded|op:T1@abc|console',
    ]);
  });
});
