// Session lifecycle through the SDK's real Client against the lab: progress per hop, parallel
// sessions, one call at a time per session, and a dropped connection followed by reopen.
import { once } from 'node:events';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy } from '../../lab/proxy.js';
import type { Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected, until } from './helpers.js';

interface Result {
  status: string;
  command_id: string;
  exit_code: number | null;
  output: string;
}
interface SessionRow {
  session_id: string;
  state: string;
  reason?: string;
}
interface CommandRow {
  command_id: string;
  started_at: string;
  duration_ms: number;
}

let lab: Lab;
let c: Connected;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient();
});

afterAll(async () => {
  await c.close();
  await lab.close();
});

const text = (r: CallToolResult) =>
  r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');

async function open(profile: string, port = lab.port): Promise<string> {
  const r = await c.ok<{ session_id: string }>('open_session', {
    profile,
    params: { lab_port: port },
  });
  return r.session_id;
}

const run = (sid: string, command: string, extra: Record<string, unknown> = {}) =>
  c.ok<Result>('execute_command', { session_id: sid, command, timeout_s: 20, ...extra });

async function stateOf(sid: string): Promise<SessionRow | undefined> {
  const { sessions } = await c.ok<{ sessions: SessionRow[] }>('list_sessions');
  return sessions.find((s) => s.session_id === sid);
}

describe('session lifecycle through the MCP client', () => {
  it('reports open_session progress once per hop, growing, naming the hop', async () => {
    const notes: Progress[] = [];
    const r = (await c.client.callTool(
      {
        name: 'open_session',
        arguments: { profile: 'orders-pod', params: { lab_port: lab.port } },
      },
      undefined,
      { onprogress: (p) => notes.push(p) },
    )) as CallToolResult;
    expect(r.isError, text(r)).toBeFalsy();
    const hopNotes = notes.filter((n) => n.message?.startsWith('hop '));
    expect(hopNotes.map((n) => n.message)).toEqual([
      'hop 1/3: menu',
      'hop 2/3: master',
      'hop 3/3: pod',
    ]);
    expect(notes.every((n) => n.total === 3)).toBe(true);
    for (let i = 1; i < notes.length; i++)
      expect(notes[i]?.progress).toBeGreaterThan(notes[i - 1]?.progress ?? Infinity);
    await c.ok('close_session', {
      session_id: (r.structuredContent as { session_id: string }).session_id,
    });
  });

  it('runs two sessions side by side: their commands overlap in time', async () => {
    const [a, b] = await Promise.all([open('orders-pod'), open('payments-api-pod')]);
    expect(a).not.toBe(b);
    expect((await stateOf(a))?.state).toBe('ready');
    expect((await stateOf(b))?.state).toBe('ready');
    const before = Date.now();
    const results = await Promise.all([a, b].map((sid) => run(sid, 'sleep 0.5; echo x')));
    const after = Date.now();
    for (const r of results)
      expect(r).toMatchObject({ status: 'done', exit_code: 0, output: 'x\n' });
    // When each command ran, as the server timed it: each began before the other ended.
    const spans = await Promise.all(
      [a, b].map(async (sid, i) => {
        const { commands } = await c.ok<{ commands: CommandRow[] }>('list_commands', {
          session_id: sid,
        });
        const row = commands.find((x) => x.command_id === results[i]?.command_id);
        const start = Date.parse(row?.started_at ?? '');
        return { start, end: start + (row?.duration_ms ?? NaN) };
      }),
    );
    const [sa, sb] = spans as [{ start: number; end: number }, { start: number; end: number }];
    expect(sa.start).toBeLessThan(sb.end);
    expect(sb.start).toBeLessThan(sa.end);
    for (const s of spans) {
      expect(s.start).toBeGreaterThanOrEqual(before - 5);
      expect(s.end).toBeLessThanOrEqual(after + 5);
    }
    await Promise.all([a, b].map((sid) => c.ok('close_session', { session_id: sid })));
  });

  it('runs calls on one session one after another; reads do not wait in that line', async () => {
    const sid = await open('orders-pod');
    const loop = (tag: string) => `for i in 1 2 3; do echo ${tag}$i; sleep 0.1; done`;
    const [ra, rb] = await Promise.all([
      run(sid, loop('A'), { wait_if_busy_s: 10 }),
      run(sid, loop('B'), { wait_if_busy_s: 10 }),
    ]);
    expect(ra).toMatchObject({ status: 'done', exit_code: 0, output: 'A1\nA2\nA3\n' });
    expect(rb).toMatchObject({ status: 'done', exit_code: 0, output: 'B1\nB2\nB3\n' });

    // Without wait_if_busy_s the second call is refused at once.
    const first = run(sid, 'sleep 0.5; echo first');
    const refused = await c.fails('execute_command', { session_id: sid, command: 'echo second' });
    expect(refused).toMatch(/busy/);
    expect(await first).toMatchObject({ exit_code: 0, output: 'first\n' });

    // wait_if_busy_s bounds the wait in the line too: behind a 2 s call, a 0.3 s wait gives up
    // (and its command never runs).
    const holder = run(sid, 'sleep 2; echo held', { timeout_s: 5 });
    const t0 = performance.now();
    const gaveUp = await c.fails('execute_command', {
      session_id: sid,
      command: 'echo never-ran > gave-up.txt',
      wait_if_busy_s: 0.3,
    });
    expect(gaveUp).toMatch(/still busy after 0\.3 s/);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(await holder).toMatchObject({ output: 'held\n' });
    expect((await run(sid, 'test -e gave-up.txt; echo $?')).output).toBe('1\n');

    // get_screen goes beside the line: it answers while the command still runs.
    let finished = false;
    const long = run(sid, 'sleep 1; echo late').then((r) => ((finished = true), r));
    await until(
      () => stateOf(sid),
      (s) => s?.state === 'busy',
    );
    const screen = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    expect(finished).toBe(false);
    expect(screen.screen).toMatch(/pod:orders/);
    expect(await long).toMatchObject({ exit_code: 0, output: 'late\n' });
    await c.ok('close_session', { session_id: sid });
  });

  it('marks a dropped connection broken; reopen walks the path again', async () => {
    // Sessions reach the lab through a proxy: closing it drops the connection mid-command.
    let proxy = await startFreezableProxy(lab.port);
    const sid = await open('orders-pod', proxy.port);
    await run(sid, 'export GW_STATE=kept');
    const closed = once(c.instance.manager.get(sid).nav.pty, 'close');
    const inFlight = c.call('execute_command', { session_id: sid, command: 'sleep 30' });
    await until(
      () => stateOf(sid),
      (s) => s?.state === 'busy',
    );
    await proxy.close();
    await closed;
    // The call in flight ends with the news, not with a "done" that has no exit code.
    const cut = await inFlight;
    expect(cut.isError).toBe(true);
    expect(text(cut)).toMatch(/broken.*reopen/s);

    const row = await stateOf(sid);
    expect(row?.state).toBe('broken');
    expect(row?.reason).toMatch(/connection/);
    for (const [tool, args] of [
      ['execute_command', { session_id: sid, command: 'true' }],
      ['get_screen', { session_id: sid }],
    ] as const) {
      const err = await c.fails(tool, args);
      expect(err).toMatch(/broken/);
      expect(err).toMatch(/reopen/);
    }

    // The same port again, now passing bytes: reopen keeps the session id.
    proxy = await startFreezableProxy(lab.port, proxy.port);
    try {
      const reopened = await c.call('reopen', { session_id: sid });
      expect(reopened.isError, text(reopened)).toBeFalsy();
      expect(text(reopened)).toMatch(/shell state .*lost/);
      expect((reopened.structuredContent as { session_id: string }).session_id).toBe(sid);
      expect((await stateOf(sid))?.state).toBe('ready');
      expect(await run(sid, 'echo "${GW_STATE:-gone}"; sh -c "exit 3"')).toMatchObject({
        status: 'done',
        exit_code: 3,
        output: 'gone\n',
      });
      await c.ok('close_session', { session_id: sid });
    } finally {
      await proxy.close();
    }
  });
});
