// serve --keep-days N: transcripts and spilled outputs not written for N days are removed at
// start and daily, in every stopped server's folder and in this server's own, never an open
// session's, never a running server's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { runServeCommand, SERVE_USAGE } from '../../src/cli/serve-command.js';
import { DAY_MS, pruneSessionFiles } from '../../src/sessions/runtime.js';
import { labOnFreePort } from '../helpers/lab.js';
import { collectingIo } from '../helpers/io.js';
import { connectClient } from '../mcp/helpers.js';

const roots: string[] = [];
const tempRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'gatewalk-retention-'));
  roots.push(root);
  return root;
};
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A pid no process has now: a child that already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;
}

function age(path: string, days: number): void {
  const when = new Date(Date.now() - days * DAY_MS);
  utimesSync(path, when, when);
}

/** A server folder with transcripts and outputs of the given ages (days), keyed by session id. */
function server(root: string, name: string, pid: number, sessions: Record<string, number>) {
  const dir = join(root, 'servers', `${name}-${pid}`);
  mkdirSync(join(dir, 'transcripts'), { recursive: true });
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid }));
  for (const [id, days] of Object.entries(sessions)) {
    const t = join(dir, 'transcripts', `${id}.jsonl`);
    writeFileSync(t, '{}\n');
    age(t, days);
    const out = join(dir, 'outputs', id);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'cmd_1.out'), 'x');
    age(join(out, 'cmd_1.out'), days);
    age(out, days);
  }
  return dir;
}

describe('pruneSessionFiles', () => {
  it('removes old transcripts and outputs, keeping new ones, open sessions and running servers', () => {
    const root = tempRoot();
    const stopped = server(root, 'a', deadPid(), { s_old: 10, s_new: 1 });
    const running = server(root, 'b', process.pid, { s_run: 30 });
    const own = server(root, 'c', process.pid, { s_open: 30, s_closed: 30 });
    const removed = pruneSessionFiles(root, {
      keepMs: 7 * DAY_MS,
      ownDir: own,
      open: () => new Set(['s_open']),
    });
    expect(removed.sort()).toEqual(
      [
        join(stopped, 'transcripts', 's_old.jsonl'),
        join(stopped, 'outputs', 's_old'),
        join(own, 'transcripts', 's_closed.jsonl'),
        join(own, 'outputs', 's_closed'),
      ].sort(),
    );
    for (const kept of [
      join(stopped, 'transcripts', 's_new.jsonl'),
      join(stopped, 'outputs', 's_new'),
      join(running, 'transcripts', 's_run.jsonl'),
      join(own, 'transcripts', 's_open.jsonl'),
      join(own, 'outputs', 's_open'),
      join(stopped, 'server.json'),
    ])
      expect(existsSync(kept)).toBe(true);
  });

  it('counts an output folder as new while a file in it is', () => {
    const root = tempRoot();
    const dir = server(root, 'a', deadPid(), { s_1: 20 });
    writeFileSync(join(dir, 'outputs', 's_1', 'cmd_2.out'), 'fresh');
    age(join(dir, 'outputs', 's_1'), 20);
    pruneSessionFiles(root, { keepMs: 7 * DAY_MS });
    expect(existsSync(join(dir, 'outputs', 's_1'))).toBe(true);
    expect(existsSync(join(dir, 'transcripts', 's_1.jsonl'))).toBe(false);
  });
});

describe('an instance with keepDays', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await labOnFreePort();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('removes old files at start and keeps its open sessions', async () => {
    const root = tempRoot();
    const stopped = server(root, 'old', deadPid(), { s_old: 8, s_recent: 2 });
    const c = await connectClient({ runtimeRoot: root, keepDays: 7 });
    try {
      expect(existsSync(join(stopped, 'transcripts', 's_old.jsonl'))).toBe(false);
      expect(existsSync(join(stopped, 'transcripts', 's_recent.jsonl'))).toBe(true);
      const { session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'orders-pod',
        params: { lab_port: lab.port },
      });
      const transcript = join(c.instance.runtime.transcripts, `${sid}.jsonl`);
      age(transcript, 30);
      expect(c.instance.pruneOld()).toEqual([]);
      expect(existsSync(transcript)).toBe(true);
      await c.ok('close_session', { session_id: sid });
      age(transcript, 30);
      expect(c.instance.pruneOld()).toEqual([transcript]);
      expect(existsSync(transcript)).toBe(false);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('keeps everything without keepDays (as before: files go with their folder)', async () => {
    const root = tempRoot();
    const stopped = server(root, 'old', deadPid(), { s_old: 8 });
    const c = await connectClient({ runtimeRoot: root });
    try {
      expect(c.instance.pruneOld()).toEqual([]);
      expect(existsSync(join(stopped, 'transcripts', 's_old.jsonl'))).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('serve --keep-days', () => {
  it('is listed in the help', () => {
    expect(SERVE_USAGE).toContain('--keep-days N');
  });

  it.each(['0', '-1', 'week', ''])('refuses --keep-days %j as a usage error', async (value) => {
    const { io, err } = collectingIo();
    expect(await runServeCommand([`--keep-days=${value}`], io)).toBe(2);
    expect(err[0]).toMatch(/^gatewalk serve: --keep-days takes days \(a number > 0\)/);
  });
});
