import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readTranscript,
  tailTranscript,
  TranscriptWriter,
  type TranscriptMeta,
} from '../../src/sessions/transcript.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewalk-transcript-'));
let count = 0;
const fresh = () => join(dir, `t${++count}.jsonl`);

const meta: TranscriptMeta = {
  session_id: 's-1',
  profile: 'orders-pod',
  params: { ip: '10.0.0.5' },
  label: 'deploy check',
  client: 'claude',
  hops: ['menu', 'master', 'pod'],
  cols: 120,
  rows: 40,
  started_at: new Date().toISOString(),
};

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('TranscriptWriter', () => {
  it('creates the file with mode 0600 and its folder with 0700, session line first', () => {
    const path = join(dir, 'new', 'folder', 'a.jsonl');
    const w = TranscriptWriter.create(path, meta);
    w.close();
    expect(w.path).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new', 'folder')).mode & 0o777).toBe(0o700);
    expect(lines(path)).toEqual([{ type: 'session', ...meta }]);
  });

  it('refuses to overwrite a file or to write where it cannot, naming the path', () => {
    const path = fresh();
    TranscriptWriter.create(path, meta).close();
    expect(() => TranscriptWriter.create(path, meta)).toThrow(
      expect.objectContaining({
        code: 'transcript_unwritable',
        message: expect.stringContaining(path),
      }),
    );
    const under = join(path, 'x.jsonl');
    expect(() => TranscriptWriter.create(under, meta)).toThrow(under);
  });

  it('redacts a secret the remote echoes across several chunks', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.addSecret('hunter2!');
    for (const chunk of ['Password: hu', 'nt', 'er', '2!\r\n$ ', 'echo hun', 'ter'])
      w.received(chunk);
    w.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2!');
    const data = readTranscript(path)
      .events.map((e) => (e.type === 'recv' ? e.data : ''))
      .join('');
    // "hunter" at the very end is not the secret: close gives it out.
    expect(data).toBe('Password: [secret]\r\n$ echo hunter');
  });

  it('writes secret sends as [secret] and redacts their later echo and other sends', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.sent('s3cret-pw\r', { secret: true });
    w.received('s3cr');
    w.received('et-pw\r\n');
    w.sent('mysql --password=s3cret-pw\r');
    w.sent('ls\r');
    w.close();
    expect(readFileSync(path, 'utf8')).not.toContain('s3cret');
    const events = readTranscript(path).events.map(({ t: _t, ...e }) => e);
    expect(events).toEqual([
      { type: 'send', data: '[secret]', secret: true },
      { type: 'recv', data: '[secret]\r\n' },
      { type: 'send', data: 'mysql --password=[secret]\r' },
      { type: 'send', data: 'ls\r' },
    ]);
  });

  it('round-trips every event type through readTranscript', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.state('walking');
    w.received('$ ');
    w.state('ready', 'prompt seen');
    w.commandStart('c1', 'uptime');
    w.sent('uptime\r');
    w.received('up 3 days\r\n$ ');
    w.commandEnd('c1', { status: 'done', exit_code: 0, duration_ms: 12.5, bytes: 10 });
    w.policyRefusal('exec_command', 'rm -rf /', 'refused by the policy');
    w.note('resize', { cols: 100, rows: 30, t: 5, type: 'x', kind: 'y' });
    w.close();
    const { meta: read, events } = readTranscript(path);
    expect(read).toEqual(meta);
    expect(events.map(({ t: _t, ...e }) => e)).toEqual([
      { type: 'state', state: 'walking' },
      { type: 'recv', data: '$ ' },
      { type: 'state', state: 'ready', reason: 'prompt seen' },
      { type: 'command_start', id: 'c1', command: 'uptime' },
      { type: 'send', data: 'uptime\r' },
      { type: 'recv', data: 'up 3 days\r\n$ ' },
      {
        type: 'command_end',
        id: 'c1',
        status: 'done',
        exit_code: 0,
        duration_ms: 12.5,
        bytes: 10,
      },
      {
        type: 'policy',
        tool: 'exec_command',
        detail: 'rm -rf /',
        message: 'refused by the policy',
      },
      { type: 'note', kind: 'resize', cols: 100, rows: 30 },
    ]);
    const times = events.map((e) => e.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const t of times) expect(Math.round(t * 10) / 10).toBe(t);
  });

  it('counts t from started_at', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, {
      ...meta,
      started_at: new Date(Date.now() - 5000).toISOString(),
    });
    w.state('ready');
    w.close();
    const [event] = readTranscript(path).events;
    expect(event?.t).toBeGreaterThanOrEqual(5000);
    expect(event?.t).toBeLessThan(60_000);
  });

  it('closes once: later calls, close included, are ignored', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.addSecret('abcdef');
    w.received('tail abc');
    w.close();
    expect(w.closed).toBe(true);
    w.close();
    w.received('more');
    w.sent('x');
    w.state('closed');
    w.note('late', {});
    // What the redactor held back (it could have been the secret's start) is written at close.
    expect(readTranscript(path).events.map((e) => (e.type === 'recv' ? e.data : e.type))).toEqual([
      'tail abc',
    ]);
  });
});

describe('chunks of one read', () => {
  it('are one recv event, written once that read is handled, before any later event', async () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.received('a');
    w.received('b');
    w.sent('x');
    w.received('c');
    w.received('d');
    await Promise.resolve();
    w.received('e');
    w.close();
    expect(readTranscript(path).events.map((e) => (e.type === 'recv' ? e.data : e.type))).toEqual([
      'ab',
      'send',
      'cd',
      'e',
    ]);
  });
});

describe('readTranscript', () => {
  it('names the file and line of a bad line', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.received('ok');
    w.close();
    appendFileSync(path, '{"t":1,"type":"recv"}\n');
    expect(() => readTranscript(path)).toThrow(
      expect.objectContaining({
        code: 'transcript_invalid',
        message: `${path}:3: recv event: "data" must be string`,
      }),
    );
    writeFileSync(path, `${JSON.stringify({ type: 'session', ...meta })}\n{"t":1,"type":"recv",\n`);
    expect(() => readTranscript(path)).toThrow(new RegExp(`^${path}:2: not JSON`));
    writeFileSync(path, '{"t":0,"type":"recv","data":"x"}\n');
    expect(() => readTranscript(path)).toThrow(
      `${path}:1: the first line must be the session line`,
    );
    writeFileSync(path, '');
    expect(() => readTranscript(path)).toThrow(`${path}:1: empty file`);
    expect(() => readTranscript(join(dir, 'missing.jsonl'))).toThrow(
      expect.objectContaining({ code: 'transcript_unreadable' }),
    );
  });
});

describe('tailTranscript', () => {
  it('returns the last n events, reading from the end of a long file', async () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    // Long enough that the tail starts in the middle of a read block; each line arrives in a
    // read of its own (chunks of one read are one event).
    for (let i = 0; i < 3000; i++) {
      w.received(`line ${i} ${'x'.repeat(50)}\r\n`);
      await Promise.resolve();
    }
    w.close();
    const last = tailTranscript(path, 3).map((e) => (e.type === 'recv' ? e.data.slice(0, 9) : ''));
    expect(last).toEqual(['line 2997', 'line 2998', 'line 2999']);
    expect(tailTranscript(path, 5000)).toHaveLength(3000);
    expect(tailTranscript(path, 0)).toEqual([]);
  });

  it('returns every event of a short file and names the line of a bad one', () => {
    const path = fresh();
    const w = TranscriptWriter.create(path, meta);
    w.state('ready');
    w.close();
    expect(tailTranscript(path, 10).map((e) => e.type)).toEqual(['state']);
    for (let i = 0; i < 2000; i++) appendFileSync(path, `{"t":${i},"type":"note","kind":"k"}\n`);
    appendFileSync(path, '{"t":1,"type":"nope"}\n');
    expect(() => tailTranscript(path, 2)).toThrow(`${path}:2003: unknown event type "nope"`);
  });
});
