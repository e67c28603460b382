// Transcripts as MCP resources: listed for every session the server remembers, read as JSON
// lines, linked from close_session and get_transcript results.
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

let lab: Lab;
let c: Connected;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient({ caps: [] });
});

afterAll(async () => {
  await c?.close();
  await lab?.close();
});

const linkOf = (r: CallToolResult) =>
  r.content.find((x): x is ResourceLink => x.type === 'resource_link');

it('lists, reads and links each session transcript, also once the session is closed', async () => {
  const { session_id } = await c.ok<{ session_id: string }>('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
  });
  await c.ok('execute_command', { session_id, command: 'echo resource-check' });
  const uri = `gatewalk://sessions/${session_id}/transcript`;

  const { resources } = await c.client.listResources();
  expect(resources.map((r) => r.uri)).toContain(uri);
  expect(resources.find((r) => r.uri === uri)?.description).toMatch(/^orders-pod, ready, opened /);

  const read = async () => {
    const { contents } = await c.client.readResource({ uri });
    expect(contents).toHaveLength(1);
    const text = (contents[0] as { text: string }).text;
    // Every line is one JSON event; the first is the session's metadata.
    const events = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; command?: string });
    expect(events[0]?.type).toBe('session');
    return events;
  };
  expect((await read()).some((e) => e.command === 'echo resource-check')).toBe(true);

  const closed = (await c.call('close_session', { session_id })) as CallToolResult;
  expect(linkOf(closed)).toMatchObject({ uri, mimeType: 'application/x-ndjson' });
  // Still readable once closed: that is when an audit wants it.
  const last = (await read()).slice(-2);
  expect(last).toMatchObject([
    { type: 'state', state: 'closed' },
    { type: 'note', kind: 'end' },
  ]);

  const unknown = await c.client
    .readResource({ uri: 'gatewalk://sessions/s_nope/transcript' })
    .then(
      () => 'read',
      (err: Error) => err.message,
    );
  expect(unknown).toMatch(/no session s_nope/);
});

it('links the transcript from get_transcript', async () => {
  const c2 = await connectClient({ caps: ['history'] });
  try {
    const { session_id } = await c2.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    });
    const r = (await c2.call('get_transcript', { session_id, tail: 5 })) as CallToolResult;
    expect(linkOf(r)?.uri).toBe(`gatewalk://sessions/${session_id}/transcript`);
    await c2.ok('close_session', { session_id });
  } finally {
    await c2.close();
  }
});
