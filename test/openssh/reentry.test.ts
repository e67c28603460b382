// Re-entry after idle logouts and drops (issue 15), end to end: the real sshd and real bash of
// the conformance lab, through the MCP SDK's client. A logout made by bash's TMOUT (behind the
// KoKo-style menu, and as the only hop), a drop made by cutting the TCP connection under the
// session, `max` re-entries in a row, and sessions without `reconnect` left as they were.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMPTS } from '../../lab/openssh/sshd.js';
import { ptyShows } from '../helpers/nav.js';
import { entryConnect, KOKO_ASSET_HOP, useOpenSshLab, yq } from '../helpers/openssh.js';
import { connectClient, until, type Connected } from '../mcp/helpers.js';

const fx = useOpenSshLab();

/** A TCP relay in front of the lab's sshd whose connections the test can cut (a dropped link). */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(target: number): Promise<void> {
    this.server = createServer((down) => {
      const up = tcpConnect(target, '127.0.0.1');
      for (const s of [down, up]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      down.pipe(up);
      up.pipe(down);
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Cuts every connection through the relay, as a network failure would (no goodbye). */
  cut(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const relay = new Relay();
let dir: string;

/** bash at the lab's `bash` entry: through the relay, optionally with TMOUT typed in a step. */
function bashProfile(name: string, opts: { port?: number; tmout?: number; extra?: string }) {
  const connect = entryConnect(fx.lab, 'bash').replace(
    `port: ${fx.lab.port}`,
    `port: ${opts.port ?? fx.lab.port}`,
  );
  const steps = opts.tmout ? `\n        steps: [{ send_text: 'TMOUT=${opts.tmout}' }]` : '';
  return `  ${name}:
    connect: ${connect}
    timeout: 5s${opts.extra ?? ''}
    hops:
      - name: bash${steps}
        prompt: ${yq(PROMPTS.bash)}
        shell: posix
        exit: exit
`;
}

beforeAll(async () => {
  await relay.start(fx.lab.port);
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-reentry-'));
  const reconnect = '\n    reconnect: { on: [drop, logout], max: 2 }';
  writeFileSync(
    join(dir, 'reentry.yaml'),
    `version: 1
profiles:
${bashProfile('relayed', { port: relay.port, extra: reconnect })}
${bashProfile('relayed-max1', { port: relay.port, extra: '\n    reconnect: { on: [drop], max: 1 }' })}
${bashProfile('relayed-plain', { port: relay.port })}
${bashProfile('relayed-off', { port: relay.port, extra: '\n    reconnect: { on: [] }' })}
${bashProfile('tmout', { tmout: 1, extra: reconnect })}
  menu:
    connect: ${entryConnect(fx.lab, 'koko-idle')}
    timeout: 5s
    on: [{ match: 'Press any key to continue', send_text: '' }]${reconnect}
    hops:
      - name: menu
        prompt: 'Opt> $'
        shell: none
        exit: q
  asset:
    extends: menu
    hops:
${KOKO_ASSET_HOP}
`,
  );
}, 30_000);

afterAll(async () => {
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

async function client(options: Parameters<typeof connectClient>[0] = {}): Promise<Connected> {
  return connectClient({ profileDirs: [dir], idleCloseMinutes: 0, ...options });
}

const text = (r: { content: unknown }) =>
  (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

interface ListedSession {
  session_id: string;
  state: string;
  reason?: string;
  reentries?: { cause: string; reason: string; cwd?: string }[];
  reentry_count?: number;
}

async function listed(c: Connected, id: string): Promise<ListedSession> {
  const { sessions } = await c.ok<{ sessions: ListedSession[] }>('list_sessions');
  return sessions.find((s) => s.session_id === id) as ListedSession;
}

function transcriptNotes(c: Connected, id: string, kind: string): Record<string, unknown>[] {
  return readFileSync(join(c.instance.runtime.transcripts, `${id}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.type === 'note' && e.kind === kind);
}

describe('a logout made by TMOUT', () => {
  it('behind the menu: the next command re-enters from the menu, back in /tmp, and says so', async () => {
    const c = await client();
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'asset',
      });
      const pty = c.instance.manager.get(id).nav.pty;
      expect(await c.ok('execute_command', { session_id: id, command: 'cd /tmp' })).toMatchObject({
        exit_code: 0,
        cwd: '/tmp',
      });
      // The asset's bash logs out after 2 s without input; KoKo's "Press any key" comes back.
      await ptyShows(pty, 'Press any key to continue');
      const r = await c.call('execute_command', { session_id: id, command: 'pwd' });
      expect(r.isError).toBeFalsy();
      const lines = text(r).split('\n');
      expect(lines[0]).toBe(
        're-entered after the gateway logged out (idle) — commands that were running are lost; back in /tmp',
      );
      expect(r.structuredContent).toMatchObject({ exit_code: 0, output: '/tmp\n', cwd: '/tmp' });
      // Walked again from the menu, on the same connection.
      expect(c.instance.manager.get(id).nav.pty).toBe(pty);
      const s = await listed(c, id);
      expect(s.reentries).toEqual([
        expect.objectContaining({
          cause: 'logout',
          reason: 'the gateway logged out (idle)',
          cwd: '/tmp',
        }),
      ]);
      const { sessions } = await c.ok<{ sessions: unknown[] }>('list_sessions');
      expect(sessions).toHaveLength(1);
      expect(text(await c.call('list_sessions'))).toMatch(
        /re-entered 1 time: \d\d:\d\d:\d\d after the gateway logged out \(idle\)/,
      );
      expect(transcriptNotes(c, id, 'reentry')).toEqual([
        expect.objectContaining({
          cause: 'logout',
          reason: 'the gateway logged out (idle)',
          cwd: '/tmp',
          cwd_restored: true,
        }),
      ]);
      // The next command is an ordinary one: no re-entry line.
      const again = await c.call('execute_command', { session_id: id, command: 'echo ok' });
      expect(text(again)).not.toMatch(/re-entered/);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('as the only hop: the connection ends; the next command re-enters on a new one', async () => {
    const c = await client();
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'tmout',
      });
      const first = c.instance.manager.get(id).nav.pty;
      await c.ok('execute_command', { session_id: id, command: 'cd /tmp' });
      const s = await until(
        () => listed(c, id),
        (v) => v.state === 'broken',
        10_000,
      );
      expect(s.reason).toBe('the SSH connection closed: the gateway logged out (idle)');
      const r = await c.call('execute_command', { session_id: id, command: 'pwd' });
      expect(text(r).split('\n')[0]).toBe(
        're-entered after the gateway logged out (idle) — commands that were running are lost; back in /tmp',
      );
      expect(r.structuredContent).toMatchObject({ exit_code: 0, output: '/tmp\n' });
      expect(c.instance.manager.get(id).nav.pty).not.toBe(first);
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe('a drop made by cutting the connection', () => {
  it('the next command re-enters on a fresh connection, back in the last cwd', async () => {
    const c = await client();
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'relayed',
      });
      await c.ok('execute_command', { session_id: id, command: 'cd /tmp' });
      relay.cut();
      await until(
        () => listed(c, id),
        (v) => v.state === 'broken',
      );
      const r = await c.call('execute_command', { session_id: id, command: 'pwd' });
      expect(r.isError).toBeFalsy();
      expect(text(r).split('\n')[0]).toBe(
        're-entered after the connection dropped — commands that were running are lost; back in /tmp',
      );
      expect(r.structuredContent).toMatchObject({
        reentered:
          're-entered after the connection dropped — commands that were running are lost; back in /tmp',
        exit_code: 0,
        output: '/tmp\n',
      });
      expect(await listed(c, id)).toMatchObject({
        state: 'ready',
        reentry_count: 1,
        reentries: [{ cause: 'drop', reason: 'the connection dropped', cwd: '/tmp' }],
      });
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a command running at the drop is not run again; past max the session stays broken', async () => {
    const c = await client();
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'relayed-max1',
      });
      const running = await c.ok('execute_command', {
        session_id: id,
        command: 'echo started >> ~/reentry-runs; sleep 30',
        timeout_s: 0.5,
      });
      expect(running).toMatchObject({ status: 'running' });
      relay.cut();
      await until(
        () => listed(c, id),
        (v) => v.state === 'broken',
      );
      // Re-entered (1 of max 1); this command starts, and is still running at the next cut.
      const second = await c.call('execute_command', {
        session_id: id,
        command: 'sleep 30',
        timeout_s: 0.5,
      });
      expect(text(second)).toMatch(/^re-entered after the connection dropped/);
      expect(second.structuredContent).toMatchObject({ status: 'running' });
      relay.cut();
      await until(
        () => listed(c, id),
        (v) => v.state === 'broken',
      );
      const refused = await c.fails('execute_command', { session_id: id, command: 'echo no' });
      expect(refused).toMatch(
        /was lost again: the connection dropped, and it was re-entered 1 time in a row already with no command completing in between \(reconnect\.max 1\)\. Nothing was re-entered or run; the session stays broken/,
      );
      expect(await listed(c, id)).toMatchObject({
        state: 'broken',
        reason: expect.stringMatching(/not re-entered again/),
      });
      // The command running at the first drop ran once: nothing replayed it.
      const home = fx.lab.home('bash');
      expect(readFileSync(join(home, 'reentry-runs'), 'utf8')).toBe('started\n');
      rmSync(join(home, 'reentry-runs'), { force: true });
      // reopen by hand still works, and starts the count again.
      await c.ok('reopen', { session_id: id });
      expect(await c.ok('execute_command', { session_id: id, command: 'echo back' })).toMatchObject(
        { output: 'back\n' },
      );
    } finally {
      await c.close();
    }
  }, 60_000);

  it('without reconnect nothing happens on its own: the session is broken until reopen', async () => {
    // A profile without reconnect, and one that turns it off where the server turns it on.
    for (const [profile, options] of [
      ['relayed-plain', {}],
      ['relayed-off', { reconnect: { on: ['drop', 'logout'] as const, max: 2 } }],
    ] as const) {
      const c = await client({
        ...(options.reconnect
          ? { reconnect: { ...options.reconnect, on: [...options.reconnect.on] } }
          : {}),
      });
      try {
        const { session_id: id } = await c.ok<{ session_id: string }>('open_session', { profile });
        relay.cut();
        await until(
          () => listed(c, id),
          (v) => v.state === 'broken',
        );
        const err = await c.fails('execute_command', { session_id: id, command: 'pwd' });
        expect(err).toMatch(
          /is broken: the SSH connection (closed|failed).*Nothing was replayed; call reopen/,
        );
        expect((await listed(c, id)).reentries).toBeUndefined();
      } finally {
        await c.close();
      }
    }
  }, 60_000);

  it('the server flag turns it on for profiles without reconnect', async () => {
    const c = await client({ reconnect: { on: ['drop'], max: 2 } });
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'relayed-plain',
      });
      relay.cut();
      await until(
        () => listed(c, id),
        (v) => v.state === 'broken',
      );
      const r = await c.call('execute_command', { session_id: id, command: 'echo hi' });
      // No command had reported a cwd: nothing to go back to.
      expect(text(r).split('\n')[0]).toBe(
        're-entered after the connection dropped — commands that were running are lost',
      );
      expect(r.structuredContent).toMatchObject({ exit_code: 0, output: 'hi\n' });
    } finally {
      await c.close();
    }
  }, 60_000);
});
