// Reading transcripts back: whole, the metadata line alone, or the last events (for
// get_transcript, the viewer and `gatewalk transcript`). Strict: a bad line names file:line.
// The hash chain's fields (`n`, `h`, the session line's `chain`) are left out of what is read:
// `gatewalk transcript verify` checks them (sessions/chain.ts).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GatewalkError } from '../errors.js';
import { unchained } from './chain.js';
import {
  errorReason,
  type Transcript,
  type TranscriptEvent,
  type TranscriptMeta,
} from './transcript.js';

function invalid(path: string, line: number, message: string): GatewalkError {
  return new GatewalkError('transcript_invalid', `${path}:${line}: ${message}`);
}

type FieldCheck = 'string' | 'number' | 'string?' | 'boolean?' | 'number|null' | 'strings?';

const EVENT_FIELDS: Record<string, Record<string, FieldCheck>> = {
  recv: { data: 'string' },
  send: { data: 'string', secret: 'boolean?' },
  state: { state: 'string', reason: 'string?' },
  command_start: { id: 'string', command: 'string', by: 'string?', hops: 'strings?' },
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
    case 'strings?':
      return (
        value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      );
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
  const { type: _type, ...meta } = unchained(o);
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
  return unchained(o) as TranscriptEvent;
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
    return unchained(meta as unknown as Record<string, unknown>) as unknown as TranscriptMeta;
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
