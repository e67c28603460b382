/**
 * Session transcripts: the audit log of one session, one JSON object per line. The first line
 * holds the session's metadata; every later line is an event with `t`, the milliseconds since
 * the session started, and a `type`. Secrets never reach the file: secret sends are written as
 * `[secret]` and every known secret value is redacted, in the output too.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GatewalkError } from '../errors.js';
import { printfFormat } from '../shell/framing.js';
import { StreamRedactor } from './redactor.js';

export interface TranscriptMeta {
  session_id: string;
  profile: string;
  params: Record<string, string>;
  label: string | null;
  client: string | null;
  hops: string[];
  cols: number;
  rows: number;
  /** ISO 8601. */
  started_at: string;
}

export interface CommandEndRecord {
  status: string;
  exit_code: number | null;
  duration_ms: number;
  bytes: number;
}

export type TranscriptEvent =
  | { t: number; type: 'recv'; data: string }
  | { t: number; type: 'send'; data: string; secret?: boolean }
  | { t: number; type: 'state'; state: string; reason?: string }
  | { t: number; type: 'command_start'; id: string; command: string }
  | ({ t: number; type: 'command_end'; id: string } & CommandEndRecord)
  | { t: number; type: 'policy'; tool: string; detail: string; message: string }
  | { t: number; type: 'note'; kind: string; [field: string]: unknown };

export interface Transcript {
  meta: TranscriptMeta;
  events: TranscriptEvent[];
}

const REDACTED = '[secret]';

function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EEXIST') return 'it already exists';
  return code ?? (err instanceof Error ? err.message : String(err));
}

export class TranscriptWriter {
  private readonly redactor = new StreamRedactor(REDACTED);
  /** Where a transcript that cannot be written any more says so (the server's log). */
  static onFailure: (message: string) => void = (message) => process.emitWarning(message);

  /** Told every line as written (redacted already): the live viewer follows these. */
  readonly followers = new Set<(line: string) => void>();
  private fd: number | null;
  private readonly t0: number;

  private constructor(
    readonly path: string,
    fd: number,
    startedAt: string,
  ) {
    this.fd = fd;
    // `t` counts from started_at (the session may have begun before its transcript was opened),
    // on the monotonic clock so that a wall-clock jump cannot reorder events.
    const before = Date.now() - Date.parse(startedAt);
    this.t0 = performance.now() - (before > 0 ? before : 0);
  }

  /** Creates the file (never overwrites one) with mode 0600, its folder with 0700 if missing. */
  static create(path: string, meta: TranscriptMeta): TranscriptWriter {
    let fd: number;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      throw new GatewalkError(
        'transcript_unwritable',
        `cannot create the transcript ${path}: ${errorReason(err)}`,
        { cause: err },
      );
    }
    const writer = new TranscriptWriter(path, fd, meta.started_at);
    try {
      writer.line({ type: 'session', ...meta }, false);
    } catch (err) {
      writer.fd = null;
      closeSync(fd);
      throw err;
    }
    return writer;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Output from the remote; a secret in it is redacted even when split across chunks. */
  received(data: string): void {
    if (this.fd === null) return;
    const safe = this.redactor.push(data);
    // Redacted as a stream already; a second pass over one piece alone could disagree at its edges.
    if (safe) this.event('recv', { data: safe }, false);
  }

  /** Input to the remote. A secret one is written as `[secret]` and redacted from then on. */
  sent(data: string, options?: { secret?: boolean; by?: string }): void {
    if (this.fd === null) return;
    // Who typed, when not the agent (a person in the viewer).
    const by = options?.by ? { by: options.by } : {};
    if (options?.secret) {
      // Typed with its Enter, which is not part of the secret: an echo shows it as \r\n.
      this.addSecret(data.replace(/[\r\n]+$/, ''));
      this.event('send', { data: REDACTED, secret: true, ...by });
    } else this.event('send', { data, ...by });
  }

  /** A secret known from elsewhere (a resolved password, before it is typed). */
  addSecret(value: string): void {
    this.redactor.addSecret(value);
    // Commands are typed octal-escaped (shell/framing.ts): a secret used in a command shows up
    // in the typed line and in its echo as `P@ss\040w0rd`, which anyone can decode. Redact that
    // form too (a plain value of letters, digits and `-` stays as it is, so it adds nothing).
    const typed = printfFormat(value);
    if (typed !== value) this.redactor.addSecret(typed);
  }

  state(state: string, reason?: string): void {
    this.event('state', { state, reason });
  }

  commandStart(id: string, command: string): void {
    this.event('command_start', { id, command });
  }

  commandEnd(id: string, r: CommandEndRecord): void {
    const { status, exit_code, duration_ms, bytes } = r;
    this.event('command_end', { id, status, exit_code, duration_ms, bytes });
  }

  policyRefusal(tool: string, detail: string, message: string): void {
    this.event('policy', { tool, detail, message });
  }

  /** Any other event (resize, hop progress, who typed): `fields` cannot override t, type, kind. */
  note(kind: string, fields: Record<string, unknown>): void {
    this.event('note', Object.assign({ kind }, fields, { kind }));
  }

  /** Writes what the redactor still holds, then closes the file. Later calls do nothing. */
  close(): void {
    const fd = this.fd;
    if (fd === null) return;
    try {
      const rest = this.redactor.flush();
      if (rest) this.event('recv', { data: rest }, false);
    } finally {
      this.fd = null;
      closeSync(fd);
    }
  }

  private event(type: string, fields: Record<string, unknown>, redact = true): void {
    if (this.fd === null) return;
    const t = Math.round((performance.now() - this.t0) * 10) / 10;
    this.line(Object.assign({ t, type }, fields, { t, type }), redact);
  }

  private line(value: Record<string, unknown>, redact: boolean): void {
    const fd = this.fd;
    if (fd === null) return;
    const json = JSON.stringify(
      value,
      redact
        ? (_key, v: unknown) => (typeof v === 'string' ? this.redactor.redact(v) : v)
        : undefined,
    );
    const bytes = Buffer.from(`${json}\n`, 'utf8');
    for (const follow of this.followers) follow(json);
    try {
      // Synchronous, straight to the file: what was written survives a crash of the process.
      for (let done = 0; done < bytes.length;)
        done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (err) {
      // Called from terminal events and command ends: throwing there would take the server
      // down. The transcript stops (said once, in the server log); the session goes on.
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // Already unusable.
      }
      TranscriptWriter.onFailure(
        `cannot write to the transcript ${this.path}: ${errorReason(err)}; it stops here`,
      );
    }
  }
}

// Reading.

function invalid(path: string, line: number, message: string): GatewalkError {
  return new GatewalkError('transcript_invalid', `${path}:${line}: ${message}`);
}

type FieldCheck = 'string' | 'number' | 'string?' | 'boolean?' | 'number|null';

const EVENT_FIELDS: Record<string, Record<string, FieldCheck>> = {
  recv: { data: 'string' },
  send: { data: 'string', secret: 'boolean?' },
  state: { state: 'string', reason: 'string?' },
  command_start: { id: 'string', command: 'string' },
  command_end: {
    id: 'string',
    status: 'string',
    exit_code: 'number|null',
    duration_ms: 'number',
    bytes: 'number',
  },
  policy: { tool: 'string', detail: 'string', message: 'string' },
  note: { kind: 'string' },
};

function fits(value: unknown, check: FieldCheck): boolean {
  switch (check) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'string?':
      return value === undefined || typeof value === 'string';
    case 'boolean?':
      return value === undefined || typeof value === 'boolean';
    case 'number|null':
      return value === null || typeof value === 'number';
  }
}

/** The object on one line, or what is wrong with it. */
function parseObject(text: string): Record<string, unknown> | string {
  if (text.trim() === '') return 'empty line';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a JSON object';
  return value as Record<string, unknown>;
}

function parseMeta(path: string, text: string): TranscriptMeta {
  const o = parseObject(text);
  if (typeof o === 'string') throw invalid(path, 1, o);
  const bad = (what: string) =>
    invalid(path, 1, `the first line must be the session line: ${what}`);
  if (o.type !== 'session') throw bad(`"type" is ${JSON.stringify(o.type)}, not "session"`);
  for (const key of ['session_id', 'profile', 'started_at'])
    if (typeof o[key] !== 'string') throw bad(`"${key}" must be a string`);
  for (const key of ['label', 'client'])
    if (o[key] !== null && typeof o[key] !== 'string')
      throw bad(`"${key}" must be a string or null`);
  for (const key of ['cols', 'rows'])
    if (!Number.isInteger(o[key]) || (o[key] as number) <= 0)
      throw bad(`"${key}" must be a positive integer`);
  if (!Array.isArray(o.hops) || !o.hops.every((h) => typeof h === 'string'))
    throw bad('"hops" must be a list of strings');
  const params = o.params;
  if (
    typeof params !== 'object' ||
    params === null ||
    Array.isArray(params) ||
    !Object.values(params).every((v) => typeof v === 'string')
  )
    throw bad('"params" must be an object of strings');
  const { type: _type, ...meta } = o;
  return meta as unknown as TranscriptMeta;
}

/** `lineOf` gives the line number, for a message: in a tail it costs reading the file's start. */
function parseEvent(path: string, lineOf: () => number, text: string): TranscriptEvent {
  const bad = (message: string) => invalid(path, lineOf(), message);
  const o = parseObject(text);
  if (typeof o === 'string') throw bad(o);
  if (typeof o.t !== 'number' || !Number.isFinite(o.t) || o.t < 0)
    throw bad('"t" must be a number of milliseconds >= 0');
  const fields = typeof o.type === 'string' ? EVENT_FIELDS[o.type] : undefined;
  if (!fields)
    throw bad(
      `unknown event type ${JSON.stringify(o.type)} (expected ${Object.keys(EVENT_FIELDS).join(', ')})`,
    );
  for (const [key, check] of Object.entries(fields))
    if (!fits(o[key], check)) throw bad(`${String(o.type)} event: "${key}" must be ${check}`);
  return o as TranscriptEvent;
}

function openForReading(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new GatewalkError(
      'transcript_unreadable',
      `cannot read the transcript ${path}: ${errorReason(err)}`,
      { cause: err },
    );
  }
}

/** Reads `length` bytes at `position`. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let done = 0; done < length;) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

/** The lines of a transcript text; the writer ends every line with \n, so the last is empty. */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Only the first line: the session's metadata (cheap, whatever the transcript's length). */
export function readMeta(path: string): TranscriptMeta {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, 0);
    const first = chunk.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    const meta = JSON.parse(first) as TranscriptMeta & { type?: string };
    if (meta.type !== 'session') throw new Error('no session line');
    return meta;
  } catch (err) {
    throw new GatewalkError('transcript_invalid', `${path}:1: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

export function readTranscript(path: string): Transcript {
  const fd = openForReading(path);
  let text: string;
  try {
    text = readAt(fd, 0, fstatSync(fd).size).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const lines = linesOf(text);
  const first = lines[0];
  if (first === undefined) throw invalid(path, 1, 'empty file: no session line');
  return {
    meta: parseMeta(path, first),
    events: lines.slice(1).map((l, i) => parseEvent(path, () => i + 2, l)),
  };
}

const TAIL_BLOCK = 64 * 1024;

/** The last `n` events, read from the end of the file: a long session's output is not parsed. */
export function tailTranscript(path: string, n: number): TranscriptEvent[] {
  if (!(n >= 1)) return [];
  const fd = openForReading(path);
  try {
    const size = fstatSync(fd).size;
    const blocks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    // The part before the first \n read may be cut: n whole lines need n + 1 of them, the
    // file's final \n included.
    while (pos > 0 && newlines < n + 1) {
      const length = Math.min(TAIL_BLOCK, pos);
      pos -= length;
      const block = readAt(fd, pos, length);
      blocks.unshift(block);
      for (const byte of block) if (byte === 0x0a) newlines++;
    }
    const lines = linesOf(Buffer.concat(blocks).toString('utf8'));
    if (pos === 0) {
      const session = lines.shift();
      if (session === undefined) throw invalid(path, 1, 'empty file: no session line');
      parseMeta(path, session);
    } else lines.shift();
    // The number of the first line kept: counted only for an error message.
    const firstLine = () => {
      let before = 0;
      if (pos > 0) for (const byte of readAt(fd, 0, pos)) if (byte === 0x0a) before++;
      return before + 2;
    };
    const skipped = Math.max(0, lines.length - n);
    return lines.slice(skipped).map((l, i) => parseEvent(path, () => firstLine() + skipped + i, l));
  } finally {
    closeSync(fd);
  }
}
