import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { closeSession, openSession, type NavSession } from '../../src/navigator/session.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { download, upload } from '../../src/shell/transfer.js';
import { labOnFreePort } from '../helpers/lab.js';
import { atLab, shipped } from '../helpers/nav.js';

let lab: Lab;
let session: NavSession;
let sh: ShellExecutor;
const root = mkdtempSync(join(tmpdir(), 'gatewalk-transfer-'));
beforeAll(async () => {
  lab = await labOnFreePort();
  const open = atLab(shipped, lab);
  session = await openSession(open('alpine-pod'), { lookup: (n) => open(n) });
  sh = new ShellExecutor(session);
});
afterAll(async () => {
  await closeSession(session, { leave: false });
  await lab.close();
});

describe('upload and download through the hops', () => {
  it('round-trips a binary file, verified, with progress', async () => {
    const data = randomBytes(2_500_000);
    writeFileSync(join(root, 'up.bin'), data);
    const up = await upload(sh, 'up.bin', 'up.bin', { localRoot: root });
    expect(up.bytes).toBe(data.length);
    const seen: number[] = [];
    const down = await download(sh, 'up.bin', 'down.bin', {
      localRoot: root,
      onProgress: (d) => seen.push(d),
    });
    expect(down.sha256).toBe(up.sha256);
    expect(readFileSync(join(root, 'down.bin')).equals(data)).toBe(true);
    expect(seen.at(-1)).toBe(data.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('fails, overwrites or renames on a conflict, on both sides', async () => {
    writeFileSync(join(root, 'a.txt'), 'first\n');
    await upload(sh, 'a.txt', 'a.txt', { localRoot: root });
    writeFileSync(join(root, 'a.txt'), 'second\n');
    await expect(upload(sh, 'a.txt', 'a.txt', { localRoot: root })).rejects.toThrow(
      'a.txt exists on the remote side',
    );
    const renamed = await upload(sh, 'a.txt', 'a.txt', { localRoot: root, onConflict: 'rename' });
    expect(renamed.remotePath).toBe('a.1.txt');
    await upload(sh, 'a.txt', 'a.txt', { localRoot: root, onConflict: 'overwrite' });
    expect((await sh.execute('cat a.txt a.1.txt')).output).toBe('second\nsecond\n');
    await expect(download(sh, 'a.txt', 'a.txt', { localRoot: root })).rejects.toThrow(
      'a.txt exists locally',
    );
    const local = await download(sh, 'a.txt', 'a.txt', { localRoot: root, onConflict: 'rename' });
    expect(local.localPath).toBe(join(root, 'a.1.txt'));
  });

  it('stays inside the transfer folder', async () => {
    await expect(download(sh, 'a.txt', '../escape.txt', { localRoot: root })).rejects.toThrow(
      'is outside the transfer folder',
    );
    symlinkSync('/etc', join(root, 'etc-link'));
    await expect(upload(sh, 'etc-link/hostname', 'h', { localRoot: root })).rejects.toThrow(
      'is outside the transfer folder',
    );
  });
});
