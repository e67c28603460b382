// Audit-grade transcripts: a real session against the lab, through the real MCP client, writes a
// hash-chained transcript; `gatewalk transcript verify` finds every kind of edit to a copy of it
// (the first bad line, and what happened to it), and the key is the installation's, 0600.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { runTranscriptCommand } from '../../src/cli/transcript-command.js';
import { AUDIT_KEY_FILE, installationKey } from '../../src/sessions/audit-key.js';
import { readTranscript, tailTranscript, TranscriptWriter } from '../../src/sessions/transcript.js';
import { labOnFreePort } from '../helpers/lab.js';
import { collectingIo } from '../helpers/io.js';
import { connectClient, type Connected } from '../mcp/helpers.js';

let lab: Lab;
let c: Connected;
let work: string;
/** The transcript of a closed lab session, as written. */
let original: string;
let keyFile: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  work = mkdtempSync(join(tmpdir(), 'gatewalk-audit-'));
  c = await connectClient();
  const { session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
  });
  await c.ok('execute_command', { session_id: sid, command: 'echo hello-audit' });
  await c.ok('execute_command', { session_id: sid, command: 'uname -n' });
  await c.ok('close_session', { session_id: sid });
  original = readFileSync(join(c.instance.runtime.transcripts, `${sid}.jsonl`), 'utf8');
  keyFile = join(c.root, AUDIT_KEY_FILE);
}, 60_000);

afterAll(async () => {
  await c?.close();
  await lab?.close();
  rmSync(work, { recursive: true, force: true });
});

let copies = 0;
/** A copy of the transcript with `edit` applied to its lines (each without its \n). */
function copyWith(edit: (lines: string[]) => string[]): string {
  const lines = original.split('\n').slice(0, -1);
  const file = join(work, `copy-${++copies}.jsonl`);
  writeFileSync(
    file,
    edit([...lines])
      .map((l) => `${l}\n`)
      .join(''),
  );
  return file;
}

async function verify(file: string, key = keyFile) {
  const { io, out, err } = collectingIo(work);
  const code = await runTranscriptCommand(['verify', file, '--key', key], io);
  return { code, out: out.join(''), err: err.join('\n') };
}

/** The number (from 1) of the first line that contains `text`. */
function lineWith(text: string): number {
  const i = original.split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no line has ${text}`);
  return i + 1;
}

const count = () => original.split('\n').length - 1;

describe('a chained transcript of a real session', () => {
  it('is intact untouched, ends with its end line, and still reads as before', async () => {
    expect(await verify(copyWith((l) => l))).toEqual({
      code: 0,
      out: `intact (${count()} lines)\n`,
      err: '',
    });
    const lines = original.trimEnd().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ type: 'note', kind: 'end' });
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`,"n":${i + 1},"h":"[0-9a-f]{64}"}$`)));
    // Line 1 binds the session and names the key (by id, not the key itself).
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(first.chain).toEqual({ alg: 'hmac-sha256', v: 1, key: installationKey(c.root).id });
    expect(readFileSync(keyFile, 'utf8')).not.toContain((first.chain as { key: string }).key);
    // Readers see the events without the chain's fields.
    const file = copyWith((l) => l);
    const { meta, events } = readTranscript(file);
    expect(meta).not.toHaveProperty('chain');
    expect(meta).not.toHaveProperty('h');
    for (const e of [...events, ...tailTranscript(file, 5)]) {
      expect(e).not.toHaveProperty('h');
      expect(e).not.toHaveProperty('n');
    }
    const { io, out } = collectingIo(work);
    expect(await runTranscriptCommand(['show', file], io)).toBe(0);
    expect(out.join('')).toContain('start: echo hello-audit');
    expect(out.join('')).not.toMatch(/ h="/);
  });

  it('names a line with one byte changed', async () => {
    const at = lineWith('"command":"echo hello-audit"');
    const file = copyWith((l) => {
      l[at - 1] = (l[at - 1] as string).replace('hello-audit', 'hello-audiT');
      return l;
    });
    const r = await verify(file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^tampered: line ${at}: changed: `));
    // A changed number or hash is a change too, not a removal.
    const n = copyWith((l) => {
      l[4] = (l[4] as string).replace(/"n":5,/, '"n":6,');
      return l;
    });
    expect((await verify(n)).out).toMatch(/^tampered: line 5: changed: /);
    const h = copyWith((l) => {
      const line = l[4] as string;
      l[4] = line.slice(0, -3) + (line.at(-3) === '0' ? '1' : '0') + line.slice(-2);
      return l;
    });
    expect((await verify(h)).out).toMatch(/^tampered: line 5: changed: /);
  });

  it('names a removed line, by the first line after the gap', async () => {
    const r = await verify(copyWith((l) => l.filter((_, i) => i !== 5)));
    expect(r).toMatchObject({ code: 1 });
    expect(r.out).toMatch(/^tampered: line 6: removed: line 6 was removed before it/);
    const two = await verify(copyWith((l) => l.filter((_, i) => i !== 5 && i !== 6)));
    expect(two.out).toMatch(/^tampered: line 6: removed: lines 6 to 7 were removed/);
    const first = await verify(copyWith((l) => l.slice(1)));
    expect(first.out).toMatch(/^tampered: line 1: removed: /);
  });

  it('names an inserted line: made up, or a copy of another', async () => {
    const forged = `{"t":1,"type":"note","kind":"typed","by":"viewer","bytes":3,"n":4,"h":"${'ab'.repeat(32)}"}`;
    const r = await verify(copyWith((l) => [...l.slice(0, 3), forged, ...l.slice(3)]));
    expect(r).toMatchObject({ code: 1 });
    expect(r.out).toMatch(/^tampered: line 4: inserted: /);
    const copied = await verify(copyWith((l) => [...l.slice(0, 6), l[2] as string, ...l.slice(6)]));
    expect(copied.out).toMatch(/^tampered: line 7: inserted: /);
    const plain = await verify(
      copyWith((l) => [...l.slice(0, 6), '{"t":1,"type":"recv","data":"x"}', ...l.slice(6)]),
    );
    expect(plain.out).toMatch(/^tampered: line 7: inserted: /);
    const after = await verify(copyWith((l) => [...l, l[2] as string]));
    expect(after.out).toMatch(
      new RegExp(`^tampered: line ${count() + 1}: inserted: .*after the end line`),
    );
  });

  it('names two swapped lines', async () => {
    const r = await verify(
      copyWith((l) => [...l.slice(0, 4), l[5] as string, l[4] as string, ...l.slice(6)]),
    );
    expect(r).toMatchObject({ code: 1 });
    expect(r.out).toMatch(
      /^tampered: line 5: moved: it was line 6; line 5 is now at line 6 \(lines swapped\)/,
    );
  });

  it('names where a transcript cut at its end stops', async () => {
    const n = count();
    const cut = await verify(copyWith((l) => l.slice(0, -3)));
    expect(cut).toMatchObject({ code: 1 });
    expect(cut.out).toMatch(
      new RegExp(
        `^incomplete: line ${n - 2}: truncated: the transcript stops after line ${n - 3} without its end line`,
      ),
    );
    const noEnd = await verify(copyWith((l) => l.slice(0, -1)));
    expect(noEnd.out).toMatch(new RegExp(`^incomplete: line ${n}: truncated: `));
    const file = join(work, 'mid-line.jsonl');
    writeFileSync(file, original.slice(0, -20));
    expect((await verify(file)).out).toMatch(
      new RegExp(`^incomplete: line ${n}: truncated: the file ends in the middle of this line`),
    );
  });

  it('says a wrong key is a wrong key, at line 1', async () => {
    const other = mkdtempSync(join(work, 'other-root-'));
    const otherKey = installationKey(other);
    const r = await verify(
      copyWith((l) => l),
      otherKey.file,
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^cannot verify: line 1: wrong key: the transcript was written with key [0-9a-f]{16}/,
    );
    expect(r.out).not.toContain('tampered');
  });

  it('says a transcript from before chaining cannot be verified, not that it was tampered with', async () => {
    const file = join(work, 'old.jsonl');
    const w = TranscriptWriter.create(file, {
      session_id: 's_old',
      profile: 'orders-pod',
      params: {},
      label: null,
      client: null,
      hops: ['menu'],
      cols: 80,
      rows: 24,
      started_at: new Date().toISOString(),
    });
    w.received('$ ');
    w.close();
    // Without a key at all: an old transcript needs none to be told apart.
    const r = await verify(file, join(work, 'no-such-key'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^not verifiable: this transcript was written before transcripts were chained/,
    );
    expect(r.out).not.toContain('tampered');
  });
});

describe('the audit key', () => {
  it('is made 0600 in the runtime root on first use and reused after', () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const before = readFileSync(keyFile, 'utf8');
    expect(installationKey(c.root).id).toBe(installationKey(c.root).id);
    expect(readFileSync(keyFile, 'utf8')).toBe(before);
  });

  it('is refused when others may read it: by verify, and by open_session', async () => {
    const root = mkdtempSync(join(work, 'loose-'));
    const key = installationKey(root);
    chmodSync(key.file, 0o644);
    expect(() => installationKey(root)).toThrow(
      expect.objectContaining({
        code: 'audit_key_unsafe',
        message: expect.stringContaining('mode 0644'),
      }),
    );
    const r = await verify(
      copyWith((l) => l),
      key.file,
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/may be read by others \(mode 0644\)/);

    const loose = await connectClient({ runtimeRoot: root });
    try {
      const text = await loose.fails('open_session', {
        profile: 'orders-pod',
        params: { lab_port: lab.port },
      });
      expect(text).toMatch(/audit-key may be read by others \(mode 0644\).*chmod 600/s);
    } finally {
      await loose.close();
    }
  });
});
