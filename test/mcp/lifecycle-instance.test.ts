// What the server instance does to sessions on its own, through the SDK's real Client against
// the lab: idle close, profile hot reload, shutdown.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy } from '../../lab/proxy.js';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected, until } from './helpers.js';

interface SessionRow {
  session_id: string;
  state: string;
  reason?: string;
}
interface Event {
  type: string;
  state?: string;
  reason?: string;
  kind?: string;
  data?: string;
}

let lab: Lab;

beforeAll(async () => {
  lab = await labOnFreePort();
});

afterAll(async () => {
  await lab.close();
});

async function open(c: Connected, profile = 'orders-pod'): Promise<string> {
  const r = await c.ok<{ session_id: string }>('open_session', {
    profile,
    params: { lab_port: lab.port },
  });
  return r.session_id;
}

const run = (c: Connected, sid: string, command: string, extra: Record<string, unknown> = {}) =>
  c.ok<{ status: string; exit_code: number | null; output: string }>('execute_command', {
    session_id: sid,
    command,
    timeout_s: 20,
    ...extra,
  });

async function sessions(c: Connected): Promise<SessionRow[]> {
  return (await c.ok<{ sessions: SessionRow[] }>('list_sessions')).sessions;
}

const stateOf = async (c: Connected, sid: string) =>
  (await sessions(c)).find((s) => s.session_id === sid);

const events = async (c: Connected, sid: string) =>
  (await c.ok<{ events: Event[] }>('get_transcript', { session_id: sid, tail: 10_000 })).events;

describe('the server instance through the MCP client', () => {
  it('closes a session left idle; calls push the deadline out', async () => {
    const c = await connectClient({ idleCloseMinutes: 0.005 }); // 0.3 s
    try {
      const sid = await open(c);
      // Back-to-back calls over twice the idle time, then one call longer than it on its own.
      for (let i = 0; i < 4; i++) {
        expect(await run(c, sid, 'sleep 0.15')).toMatchObject({ exit_code: 0 });
        expect((await stateOf(c, sid))?.state).toBe('ready');
      }
      expect(await run(c, sid, 'sleep 0.6; echo still')).toMatchObject({
        exit_code: 0,
        output: 'still\n',
      });
      expect((await stateOf(c, sid))?.state).toBe('ready');

      // No calls now (list_sessions does not count): it closes, and says why.
      const row = await until(
        () => stateOf(c, sid),
        (s) => s?.state === 'closed',
      );
      expect(row?.reason).toMatch(/idle/);
      // Its transcript records leaving the hops, then the closed state, then its end line.
      const ended = await until(
        () => events(c, sid),
        (ev) => ev.at(-1)?.kind === 'end',
      );
      expect(ended.at(-2)).toMatchObject({
        state: 'closed',
        reason: expect.stringMatching(/idle/),
      });
      expect(ended.filter((e) => e.type === 'state').map((e) => e.state)).toEqual([
        'opening',
        'ready',
        'closed',
      ]);
      expect(ended.some((e) => e.type === 'send' && e.data === ' exit\r')).toBe(true);
      expect(await c.fails('execute_command', { session_id: sid, command: 'true' })).toMatch(
        /closed \(idle/,
      );
    } finally {
      await c.close();
    }
  });

  it('reloads edited profiles; a broken edit keeps the last good ones and logs why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatewalk-profiles-'));
    const file = join(dir, 'lab.yaml');
    const good = readFileSync(packagePath('profiles', 'lab.yaml'), 'utf8').replace(
      '../lab/keys/ops_ed25519',
      packagePath('lab', 'keys', 'ops_ed25519'),
    );
    writeFileSync(file, good);
    const c = await connectClient({ profileDirs: [dir], watchProfiles: true });
    const names = async () =>
      (await c.ok<{ profiles: { name: string }[] }>('list_profiles')).profiles.map((p) => p.name);
    const log = () => {
      try {
        return readFileSync(join(c.instance.runtime.dir, 'server.log'), 'utf8');
      } catch {
        return '';
      }
    };
    try {
      expect(await names()).not.toContain('added-pod');
      const added = `${good}\n  added-pod:\n    description: Added while the server runs\n    extends: orders-pod\n`;
      writeFileSync(file, added);
      await until(names, (n) => n.includes('added-pod'));
      const sid = await open(c, 'added-pod');
      expect(await run(c, sid, 'echo here')).toMatchObject({ exit_code: 0, output: 'here\n' });

      const brokenLine = added.split('\n').length;
      writeFileSync(file, `${added}  oops: x: y\n`);
      const why = await until(log, (l) => l.includes('profiles not reloaded'));
      expect(why).toContain(`${file}:${brokenLine}:9: Nested mappings`);
      expect(await names()).toEqual(expect.arrayContaining(['orders-pod', 'added-pod']));
      // The session opened before the broken edit goes on working.
      expect(await run(c, sid, 'echo still')).toMatchObject({ exit_code: 0 });
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('notices a hung gateway by its keepalive, with no call in flight', async () => {
    // A gateway that stops answering without closing anything: only keepalives notice.
    const c = await connectClient({ connect: { defaultKeepaliveMs: 150 } });
    const proxy = await startFreezableProxy(lab.port);
    try {
      const r = await c.ok<{ session_id: string }>('open_session', {
        profile: 'orders-pod',
        params: { lab_port: proxy.port },
      });
      proxy.freeze();
      const row = await until(
        () => stateOf(c, r.session_id),
        (s) => s?.state === 'broken',
      );
      expect(row?.reason).toMatch(/keepalive|connection/i);
      expect(
        await c.fails('execute_command', { session_id: r.session_id, command: 'true' }),
      ).toMatch(/broken.*reopen/);
    } finally {
      proxy.thaw();
      await c.close();
      await proxy.close();
    }
  });

  it('closes a session whose open_session the client cancelled', async () => {
    const c = await connectClient();
    try {
      const abort = new AbortController();
      const call = c.client.callTool(
        {
          name: 'open_session',
          arguments: { profile: 'orders-pod', params: { lab_port: lab.port } },
        },
        undefined,
        { signal: abort.signal },
      );
      abort.abort('changed my mind');
      await expect(call).rejects.toThrow();
      // The walk goes on on the server; when it ends, the session it made is closed at once.
      const rows = await until(
        () => sessions(c),
        (list) => list.some((s) => s.state === 'closed'),
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: 'closed', reason: 'open_session was cancelled' });
      await until(
        () => lab.connections(),
        (n) => n === 0,
      );
    } finally {
      await c.close();
    }
  });

  it('shutdown closes every session and leaves the hops', async () => {
    const c = await connectClient();
    try {
      const idle = await open(c, 'orders-pod');
      const master = await open(c, 'master-a');
      const busy = await open(c, 'payments-api-pod');
      expect(await run(c, busy, 'sleep 30', { timeout_s: 0.1 })).toMatchObject({
        status: 'running',
      });
      expect(lab.connections()).toBeGreaterThanOrEqual(3);

      await c.instance.shutdown('test shutdown');
      const rows = await sessions(c);
      expect(rows.map((s) => s.session_id).sort()).toEqual([idle, master, busy].sort());
      for (const s of rows) expect(s).toMatchObject({ state: 'closed', reason: 'test shutdown' });
      await until(
        () => lab.connections(),
        (n) => n === 0,
      );
      // A ready session left its hops with their exits, the pod first (the lab's master
      // disconnects on exit, so the menu's q is never needed).
      const sent = (await events(c, idle)).filter((e) => e.type === 'send').map((e) => e.data);
      expect(sent.slice(-3)).toEqual([
        expect.stringMatching(/^kubectl exec/),
        ' exit\r',
        ' exit\r',
      ]);
      expect(
        await c.fails('open_session', { profile: 'cmsm', params: { lab_port: lab.port } }),
      ).toMatch(/shutting down/);
    } finally {
      await c.close();
    }
  });
});
