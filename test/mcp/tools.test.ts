// The whole tool set through the SDK's real Client, against the lab.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

interface Opened {
  session_id: string;
  hops: { name: string; ms: number }[];
  prompt: string;
}
interface Result {
  status: string;
  command_id: string;
  exit_code: number | null;
  output: string;
  cwd?: string;
  screen?: string;
}

let lab: Lab;
let c: Connected;
let sid: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient();
  const opened = await c.ok<Opened>('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
    label: 'tools',
  });
  sid = opened.session_id;
});

afterAll(async () => {
  await c.close();
  await lab.close();
});

const run = (command: string, extra: Record<string, unknown> = {}) =>
  c.ok<Result>('execute_command', { session_id: sid, command, ...extra });

describe('the MCP tools against the lab', () => {
  it('declares input schemas and annotations on every tool', async () => {
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'close_session',
        'download',
        'execute_command',
        'get_command',
        'get_screen',
        'get_transcript',
        'interrupt',
        'list_commands',
        'list_profiles',
        'list_sessions',
        'open_session',
        'read_file',
        'reopen',
        'search_logs',
        'send_keys',
        'send_text',
        'switch_target',
        'upload',
        'wait_for',
        'write_file',
      ].sort(),
    );
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(typeof t.annotations?.readOnlyHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.openWorldHint, t.name).toBe('boolean');
    }
  });

  it('lists the profiles with their parameters and hops', async () => {
    const { profiles } = await c.ok<{ profiles: { name: string; hops: string[] }[] }>(
      'list_profiles',
    );
    const orders = profiles.find((p) => p.name === 'orders-pod');
    expect(orders?.hops).toEqual(['menu', 'master', 'pod']);
    expect(profiles.some((p) => p.name === 'cmsm')).toBe(true);
  });

  it('runs commands with exact output, exit codes and persistent state', async () => {
    const r = await run("printf 'a\\nb\\n'; sh -c 'exit 7'");
    expect(r).toMatchObject({ status: 'done', exit_code: 7, output: 'a\nb\n' });
    await run('cd /tmp && export GW_X=42');
    const again = await run('echo "$PWD $GW_X"');
    expect(again.output).toBe('/tmp 42\n');
    expect(again.cwd).toBe('/tmp');
    await run('cd - >/dev/null');
  });

  it('returns running past timeout_s, refuses a second command, then get_command ends it', async () => {
    const started = await run('sleep 0.6; echo finished', { timeout_s: 0.1 });
    expect(started.status).toBe('running');
    const busy = await c.fails('execute_command', { session_id: sid, command: 'true' });
    expect(busy).toMatch(/still running.*get_command/);
    const done = await c.ok<Result>('get_command', { command_id: started.command_id, wait_s: 10 });
    expect(done).toMatchObject({ status: 'done', exit_code: 0, output: 'finished\n' });
    const { commands } = await c.ok<{ commands: { command_id: string; status: string }[] }>(
      'list_commands',
      { session_id: sid },
    );
    expect(commands.find((x) => x.command_id === started.command_id)?.status).toBe('done');
  });

  it('reports a prompt as awaiting_input and send_text answers it', async () => {
    // An open question counts as awaiting input once the call's time is up.
    const asked = await run('read -p "Name: " n; echo "hello $n"', { timeout_s: 1 });
    expect(asked.status).toBe('awaiting_input');
    expect(asked.screen).toMatch(/Name: $/m);
    await c.ok('send_text', { session_id: sid, text: 'bob' });
    const done = await c.ok<Result>('get_command', { command_id: asked.command_id, wait_s: 10 });
    // The prompt and the echoed answer are on the terminal: they are part of the output.
    expect(done).toMatchObject({ status: 'done', output: 'Name: bob\nhello bob\n' });
  });

  it('interrupts a long command and says how it ended', async () => {
    const started = await run('sleep 100', { timeout_s: 0.2 });
    expect(started.status).toBe('running');
    const r = await c.ok<{ interrupted: boolean; result: Result }>('interrupt', {
      session_id: sid,
    });
    expect(r.interrupted).toBe(true);
    expect(r.result).toMatchObject({ status: 'done', exit_code: 130 });
  });

  it('shows the screen, waits for text, and sends keys', async () => {
    await run("echo 'as typed'");
    // The result comes with the end mark; the prompt follows it.
    await c.ok('wait_for', {
      session_id: sid,
      pattern: 'typed\\n\\[pod:[^\\]]+\\]\\$ ?$',
      timeout_s: 5,
    });
    const screen = await c.ok<{ screen: string; rows: number; cols: number }>('get_screen', {
      session_id: sid,
    });
    expect(screen.screen).toMatch(/\[pod:[^\]]+\]\$ ?$/);
    // The command as a person would have typed it, and nothing of gatewalk's framing.
    expect(screen.screen).toMatch(/\$ echo 'as typed'\nas typed\n/);
    expect(screen.screen).not.toMatch(/eval|6973|GW[SEP]/);
    expect(screen).toMatchObject({ rows: 50, cols: 200 });
    const waited = await c.ok<{ matched: string | null }>('wait_for', {
      session_id: sid,
      pattern: 'pod:\\S+',
      timeout_s: 2,
    });
    expect(waited.matched).toMatch(/^pod:/);
    const missing = await c.ok<{ matched: string | null }>('wait_for', {
      session_id: sid,
      pattern: 'never-printed-xyz',
      timeout_s: 0.2,
    });
    expect(missing.matched).toBeNull();
    expect(await c.fails('send_keys', { session_id: sid, keys: ['hyperspace'] })).toMatch(
      /unknown key "hyperspace"/,
    );
  });

  it('searches the pod logs and reads and writes files', async () => {
    const found = await c.ok<{ matches: { file: string; line: number; text: string }[] }>(
      'search_logs',
      {
        session_id: sid,
        pattern: 'ERROR upstream timeout',
        path: 'var/log/app',
        include: '*.log',
      },
    );
    expect(found.matches.length).toBe(4);
    expect(found.matches[0]?.text).toContain('traceId=lab-timeout-001');
    const log = await c.ok<{ content: string; encoding: string; sha256: string }>('read_file', {
      session_id: sid,
      path: 'var/log/app/error.log',
    });
    expect(log.encoding).toBe('utf8');
    expect(log.content.split('\n')[1]).toContain('card_declined');
    const written = await c.ok<{ bytes: number }>('write_file', {
      session_id: sid,
      path: 'notes.txt',
      content: 'é\n',
    });
    expect(written.bytes).toBe(3);
    expect((await run('cat notes.txt')).output).toBe('é\n');
  });

  it('moves between pods with switch_target', async () => {
    const moved = await c.ok<Opened>('switch_target', {
      session_id: sid,
      profile: 'payments-api-pod',
      params: { lab_port: lab.port },
    });
    expect(moved.prompt).toMatch(/pod:payments\/payments-api/);
    expect((await run('echo ok')).output).toBe('ok\n');
  });

  it('answers mistakes with isError text that says what to do', async () => {
    expect(await c.fails('open_session', { profile: 'orders-pd' })).toMatch(
      /no profile "orders-pd".*orders-pod/,
    );
    expect(await c.fails('execute_command', { session_id: 's_nope', command: 'true' })).toMatch(
      /no session s_nope.*list_sessions/,
    );
    expect(await c.fails('get_command', { command_id: 'cmd_nope' })).toMatch(/list_commands/);
    expect(await c.fails('wait_for', { session_id: sid, pattern: '(' })).toMatch(
      /does not compile/,
    );
    const walk = await c.fails('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port, pod: 'no-such-pod' },
    });
    expect(walk).toMatch(/no pod no-such-pod/);
    expect(walk).toMatch(/hop 3|pod/);
  });

  it('lists the session and closes it, leaving a 0600 transcript', async () => {
    const { sessions } = await c.ok<{
      sessions: { session_id: string; state: string; label: string }[];
    }>('list_sessions');
    expect(sessions.find((s) => s.session_id === sid)).toMatchObject({
      state: 'ready',
      label: 'tools',
    });
    const closed = await c.ok<{ transcript: string }>('close_session', { session_id: sid });
    expect(statSync(closed.transcript).mode & 0o777).toBe(0o600);
    expect(await c.fails('execute_command', { session_id: sid, command: 'true' })).toMatch(
      /is closed.*open_session/,
    );
    const { events } = await c.ok<{ events: { type: string; command?: string }[] }>(
      'get_transcript',
      { session_id: sid, tail: 10_000 },
    );
    expect(events.some((e) => e.type === 'command_start' && e.command === 'echo ok')).toBe(true);
    expect(events.some((e) => e.type === 'command_end')).toBe(true);
    expect(
      events.some((e) => e.type === 'state' && (e as { state?: string }).state === 'closed'),
    ).toBe(true);
  });
});
