import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { startSlackRig, type SlackRig } from './slack-harness.js';
import { CHANNEL } from './slack-requests.js';

/**
 * The outbox contract as a worker writes it (an XADD to `opsbot:outbox:slack`), delivered by a
 * real `opsbot start` to the Slack stand-in: edits, thread replies, and files for content too
 * long for a message (files.getUploadURLExternal → upload → files.completeUploadExternal).
 */
describe('Slack: delivering outbox events', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startSlackRig({ configTail: 'apps: {}\n' });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const publish = (event: Record<string, unknown>) => rig.client.xadd('opsbot:outbox:slack', '*', 'e', JSON.stringify(event));
  const conversation = { platform: 'slack', channel: CHANNEL };

  it('posts, replies in the thread, edits in place, and uploads a long attachment once, in the thread', async () => {
    const plan = Array.from({ length: 300 }, (_, i) => `  # terraform_data.item[${i}] will be created`).join('\n');
    await publish({ conversation, key: 'job:900', message: { status: 'progress', text: 'Planning stack local…' } });
    await publish({ conversation, key: 'job:900', message: { text: 'init done' }, threaded: true });
    await publish({
      conversation,
      key: 'job:900',
      message: { status: 'success', title: 'Plan: 300 to add', code: plan, attachment: { name: 'plan-900.txt', content: plan } },
    });
    await publish({
      conversation,
      key: 'job:900',
      message: { status: 'success', title: 'Plan: 300 to add (approved)', attachment: { name: 'plan-900.txt', content: plan } },
      final: 'succeeded',
    });

    await eventually(async () => rig.slack.callsOf('chat.update').length >= 2, 'two edits', 20_000);
    const [root, reply] = rig.posted(CHANNEL);
    expect(root?.text).toContain('Plan: 300 to add (approved)');
    expect(root?.versions).toHaveLength(3);
    expect(reply?.thread_ts).toBe(root?.ts);
    expect(reply?.text).toBe('init done');

    await eventually(async () => rig.slack.callsOf('files.completeUploadExternal').length >= 2, 'the uploads');
    await new Promise((r) => setTimeout(r, 1500));
    const completes = rig.slack.callsOf('files.completeUploadExternal');
    // output.txt (the code beyond 3,000 characters) and plan-900.txt; the edit re-sends plan-900.txt: not uploaded again.
    expect(completes).toHaveLength(2);
    for (const c of completes) expect([c.args.channel_id, c.args.thread_ts]).toEqual([CHANNEL, root?.ts]);
    expect([...rig.slack.uploads.values()].map((u) => [u.filename, u.content === plan])).toEqual([
      ['output.txt', true],
      ['plan-900.txt', true],
    ]);
    expect(JSON.stringify(root?.versions[1]?.blocks)).toContain('the full text is in output.txt, in the thread');
    expect(rig.slack.calls.every((c) => c.authorized)).toBe(true);
  });

  it('posts anew when the keyed message was deleted in Slack', async () => {
    await publish({ conversation, key: 'note:1', message: { text: 'first' } });
    await eventually(async () => rig.posted(CHANNEL).some((m) => m.text === 'first'), 'the first post');
    const first = rig.posted(CHANNEL).find((m) => m.text === 'first')!;
    rig.slack.messages.delete(first.ts);
    await publish({ conversation, key: 'note:1', message: { text: 'second' } });
    await eventually(async () => rig.posted(CHANNEL).some((m) => m.text === 'second'), 'the message posted anew');
    expect(rig.slack.callsOf('chat.update').at(-1)?.answer).toBe('message_not_found');
  });

  it('a channel named by #name is resolved to its id through conversations.list (every page), once; an unknown name is parked, never posted by name', async () => {
    for (const [name, id] of [
      ['general', 'C0GENERAL'],
      ['random', 'C0RANDOM'],
      ['ops-alerts', 'C0ALERTS'],
      ['deploys', 'C0NAMED01'],
      ['web', 'C0WEB'],
    ])
      rig.slack.channels.set(name!, id!);
    rig.slack.listPageSize = 2;
    await publish({ conversation: { platform: 'slack', channel: '#deploys' }, key: 'named:1', message: { text: 'to #deploys' } });
    await publish({ conversation: { platform: 'slack', channel: '#nope' }, key: 'named:2', message: { text: 'to #nope' } });
    await publish({ conversation: { platform: 'slack', channel: '#deploys' }, key: 'named:3', message: { text: 'to #deploys again' } });
    await eventually(async () => rig.posted('C0NAMED01').length === 2, 'both messages in #deploys by its id');
    await eventually(
      async () => /Slack channel #nope was not found among the channels the bot can see[^"]*".*message not delivered: parked/.test(rig.bot.stderr),
      'the unknown name parked',
    );
    const posts = rig.slack.callsOf('chat.postMessage');
    expect(posts.some((c) => String(c.args.channel).startsWith('#'))).toBe(false);
    expect(posts.filter((c) => c.args.channel === 'C0NAMED01')).toHaveLength(2);
    // Five channels, two a page: three calls, the cursor followed; the second #deploys message used the cache.
    const lists = rig.slack.callsOf('conversations.list');
    expect(lists).toHaveLength(3);
    expect(lists.map((c) => Boolean(c.args.cursor))).toEqual([false, true, true]);
    expect(lists[0]!.args.types).toBe('public_channel,private_channel');
  });
});
