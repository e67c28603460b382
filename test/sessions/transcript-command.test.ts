import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTranscriptCommand } from '../../src/cli/transcript-command.js';
import { TranscriptWriter } from '../../src/sessions/transcript.js';
import { collectingIo } from '../helpers/io.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewalk-transcript-cli-'));

const fakeIo = () => collectingIo(dir);

const file = join(dir, 'session.jsonl');
const w = TranscriptWriter.create(file, {
  session_id: 's-7',
  profile: 'orders-pod',
  params: { ip: '10.0.0.5' },
  label: null,
  client: 'cli',
  hops: ['menu', 'pod'],
  cols: 80,
  rows: 24,
  started_at: '2024-05-01T10:00:00.000Z',
});
w.received('$ ');
w.sent('pw123\r', { secret: true });
w.sent('uptime\r');
w.received('\x1b[31mup\x1b[0m\r\n$ ');
w.note('resize', { cols: 100, rows: 30 });
w.close();

describe('gatewalk transcript export', () => {
  it('writes an asciicast to standard output', async () => {
    const { io, out, err } = fakeIo();
    expect(
      await runTranscriptCommand(['export', '--format', 'asciicast', 'session.jsonl'], io),
    ).toBe(0);
    expect(err).toEqual([]);
    const lines = out.join('').trimEnd().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(lines.slice(1).map((l) => (JSON.parse(l) as unknown[]).slice(1))).toEqual([
      ['o', '$ '],
      ['o', '\x1b[31mup\x1b[0m\r\n$ '],
      ['r', '100x30'],
    ]);
  });

  it('writes -o FILE with mode 0600, also over an existing file', async () => {
    const cast = join(dir, 'out.cast');
    writeFileSync(cast, 'old', { mode: 0o644 });
    const { io, out } = fakeIo();
    expect(await runTranscriptCommand(['export', file, '-o', 'out.cast'], io)).toBe(0);
    expect(out).toEqual([]);
    expect(statSync(cast).mode & 0o777).toBe(0o600);
    expect(readFileSync(cast, 'utf8')).toMatch(/^\{"version":2,.*\n\[/);
  });

  it('exits 2 with the usage on bad arguments', async () => {
    for (const args of [
      [],
      ['export'],
      ['export', '--format', 'gif', file],
      ['export', file, 'other.jsonl'],
      ['export', file, '--bogus'],
      ['export', file, '--tail', '3'],
      ['frobnicate', file],
    ]) {
      const { io, err } = fakeIo();
      expect(await runTranscriptCommand(args, io), args.join(' ')).toBe(2);
      expect(err.join('\n')).toContain('Usage: gatewalk transcript export');
    }
  });

  it('exits 1 with the error on a bad transcript', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"type":"session"}\n');
    const { io, err } = fakeIo();
    expect(await runTranscriptCommand(['export', bad], io)).toBe(1);
    expect(err).toEqual([
      `gatewalk: ${bad}:1: the first line must be the session line: "session_id" must be a string`,
    ]);
    const missing = fakeIo();
    expect(await runTranscriptCommand(['export', 'missing.jsonl'], missing.io)).toBe(1);
    expect(missing.err[0]).toContain('missing.jsonl: ENOENT');
  });
});

describe('gatewalk transcript show', () => {
  it('prints the session and its events as readable lines, secrets and escapes shown safely', async () => {
    const { io, out } = fakeIo();
    expect(await runTranscriptCommand(['show', file], io)).toBe(0);
    const text = out.join('');
    expect(text).toContain('session s-7: profile orders-pod (ip=10.0.0.5)');
    expect(text).toMatch(/s {2}send {4}\[secret\]\n/);
    expect(text).toContain('recv    "\\u001b[31mup\\u001b[0m\\r\\n$ "');
    expect(text).toContain('note    resize cols=100 rows=30');
    expect(text).not.toContain('pw123');
    expect(text).not.toContain('\x1b');
  });

  it('prints only the last N events with --tail N', async () => {
    const { io, out } = fakeIo();
    expect(await runTranscriptCommand(['show', file, '--tail', '2'], io)).toBe(0);
    expect(out).toHaveLength(2);
    expect(out[1]).toContain('note    resize');
    const bad = fakeIo();
    expect(await runTranscriptCommand(['show', file, '--tail', 'x'], bad.io)).toBe(2);
  });
});
