// Runtime folders of servers that stopped long ago are removed when a server starts; running
// servers' folders, recent ones and the newest few stay.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RUNTIME_KEEP_NEWEST,
  RUNTIME_RETENTION_MS,
  RuntimeDir,
  pruneServers,
} from '../../src/sessions/runtime.js';

const DAY = 86_400_000;
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gatewalk-prune-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A pid no process has now: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 999_999;
}

/** An instance folder as RuntimeDir leaves it, last written `daysAgo` days ago. */
function oldServer(daysAgo: number, pid: number, name = `t${daysAgo}`): string {
  const dir = join(root, 'servers', `${name}-${pid}`);
  mkdirSync(join(dir, 'transcripts'), { recursive: true });
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid }));
  writeFileSync(join(dir, 'transcripts', 's1.jsonl'), '{}\n');
  const when = new Date(Date.now() - daysAgo * DAY);
  for (const p of [
    join(dir, 'transcripts', 's1.jsonl'),
    join(dir, 'transcripts'),
    join(dir, 'server.json'),
    dir,
  ])
    utimesSync(p, when, when);
  return dir;
}

const left = () => readdirSync(join(root, 'servers')).sort();

describe('pruneServers', () => {
  it('keeps 14 days and the newest 10 by default', () => {
    expect(RUNTIME_RETENTION_MS).toBe(14 * DAY);
    expect(RUNTIME_KEEP_NEWEST).toBe(10);
  });

  it('removes stopped servers older than the retention, keeps recent and running ones', () => {
    const dead = deadPid();
    const stale = oldServer(30, dead, 'stale');
    const recent = oldServer(3, dead, 'recent');
    const running = oldServer(40, process.pid, 'running');
    const removed = pruneServers(root, { keepNewest: 0 });
    expect(removed).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(running)).toBe(true);
  });

  it('keeps the newest N whatever their age', () => {
    const dead = deadPid();
    for (const days of [20, 21, 22, 23, 24]) oldServer(days, dead);
    const removed = pruneServers(root, { keepNewest: 2 });
    expect(removed).toHaveLength(3);
    expect(left()).toEqual([`t20-${dead}`, `t21-${dead}`]);
  });

  it('counts a transcript written lately as the folder being in use', () => {
    const dead = deadPid();
    const dir = oldServer(30, dead);
    // A long-lived server appends to its transcripts; the folder's own time stays old.
    writeFileSync(join(dir, 'transcripts', 's2.jsonl'), '{}\n');
    expect(pruneServers(root, { keepNewest: 0 })).toEqual([]);
  });

  it('takes the pid from the folder name when server.json is gone, and leaves folders with none', () => {
    const dead = deadPid();
    const noRecord = oldServer(30, dead, 'norecord');
    rmSync(join(noRecord, 'server.json'));
    utimesSync(noRecord, new Date(Date.now() - 30 * DAY), new Date(Date.now() - 30 * DAY));
    const foreign = join(root, 'servers', 'not-ours');
    mkdirSync(foreign);
    utimesSync(foreign, new Date(Date.now() - 30 * DAY), new Date(Date.now() - 30 * DAY));
    expect(pruneServers(root, { keepNewest: 0 })).toEqual([noRecord]);
    expect(existsSync(foreign)).toBe(true);
  });

  it('does nothing when there is no servers folder yet', () => {
    expect(pruneServers(join(root, 'nothing-here'))).toEqual([]);
  });
});

describe('a starting server prunes', () => {
  it('RuntimeDir removes old folders of stopped servers, never its own, and logs it', () => {
    const dead = deadPid();
    const stale = Array.from({ length: 12 }, (_, i) => oldServer(15 + i, dead));
    const runtime = new RuntimeDir(root, {
      pid: process.pid,
      started_at: new Date().toISOString(),
      client: null,
      profile_dirs: [],
      http_url: null,
      viewer_url: null,
    });
    expect(existsSync(runtime.dir)).toBe(true);
    expect(runtime.root).toBe(root);
    // The newest 10 stay (this server's own folder did not exist yet when it pruned).
    expect(left()).toHaveLength(11);
    for (const dir of stale.slice(0, 10)) expect(existsSync(dir)).toBe(true);
    for (const dir of stale.slice(10)) expect(existsSync(dir)).toBe(false);
    expect(readFileSync(join(runtime.dir, 'server.log'), 'utf8')).toContain(
      `removed 2 folder(s) of servers stopped long ago: ${stale.slice(10).join(', ')}`,
    );
  });
});
