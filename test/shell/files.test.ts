import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ShellExecutor } from '../../src/shell/executor.js';
import { readRemoteFile, writeRemoteFile } from '../../src/shell/files.js';
import { searchLogs } from '../../src/shell/search-logs.js';
import { useLab } from '../helpers/nav.js';

const fixture = useLab();

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['orders-pod', 'alpine-pod'])('files through the shell at %s', (profile) => {
  let sh: ShellExecutor;
  beforeAll(async () => {
    sh = await fixture.shellAt(profile);
  });

  it('writes and reads back text, verified with SHA-256', async () => {
    const text = Buffer.from('héllo ✓\nsecond line\nno newline at the end');
    const w = await writeRemoteFile(sh, 'notes.txt', text);
    expect(w).toEqual({ bytes: text.length, sha256: sha(text) });
    const r = await readRemoteFile(sh, 'notes.txt');
    expect(r.content.equals(text)).toBe(true);
    expect(r).toMatchObject({ size: text.length, truncated: false, sha256: sha(text) });
    expect((await sh.execute('ls notes.txt.gw-* 2>/dev/null | wc -l')).output.trim()).toBe('0');
  });

  it('round-trips 1.5 MB of binary data', async () => {
    const data = randomBytes(1_500_000);
    await writeRemoteFile(sh, 'blob.bin', data);
    const r = await readRemoteFile(sh, 'blob.bin');
    expect(r.sha256).toBe(sha(data));
    expect(r.content.equals(data)).toBe(true);
  });

  it('appends, sets the mode, and reads at most max_bytes', async () => {
    await writeRemoteFile(sh, 'log.txt', Buffer.from('one\n'), { mode: '600' });
    await writeRemoteFile(sh, 'log.txt', Buffer.from('two\n'), { append: true });
    expect((await readRemoteFile(sh, 'log.txt')).content.toString()).toBe('one\ntwo\n');
    expect((await sh.execute('ls -l log.txt')).output).toMatch(/^-rw------- /);
    const part = await readRemoteFile(sh, 'log.txt', 3);
    expect(part).toMatchObject({ size: 8, truncated: true });
    expect(part.content.toString()).toBe('one');
  });

  it('fails cleanly when the folder does not exist, and the session stays usable', async () => {
    await expect(writeRemoteFile(sh, 'no/such/dir/f.txt', Buffer.from('x'))).rejects.toThrow(
      /^writing no\/such\/dir\/f\.txt: cannot create/,
    );
    expect((await sh.execute('echo still here')).output).toBe('still here\n');
  });

  it('handles a path that starts with a dash', async () => {
    await writeRemoteFile(sh, '-dash.txt', Buffer.from('dash\n'));
    expect((await readRemoteFile(sh, '-dash.txt')).content.toString()).toBe('dash\n');
  });

  it('says so when the file does not exist', async () => {
    await expect(readRemoteFile(sh, 'missing.txt')).rejects.toThrow(
      /^reading missing\.txt: .*(No such file|can't open|nonexistent)/i,
    );
  });

  it('searches logs with find + grep', async () => {
    const all = await searchLogs(sh, 'traceId=lab-timeout-00[12]', 'var/log', '*.log');
    expect(all.truncated).toBe(false);
    expect(all.matches.map((m) => `${m.file}:${m.line}`).sort()).toEqual([
      'var/log/app/app.log:5',
      'var/log/app/app.log:8',
      'var/log/app/error.log:1',
      'var/log/app/error.log:3',
    ]);
    expect(all.matches.find((m) => m.line === 5)?.text).toContain(
      'upstream timeout after 3000ms traceId=lab-timeout-001',
    );
    const capped = await searchLogs(sh, 'ERROR', 'var/log', '*.log', 2);
    expect(capped).toMatchObject({ truncated: true });
    expect(capped.matches).toHaveLength(2);
  });
});
