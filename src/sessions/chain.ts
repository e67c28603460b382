// The hash chain of a transcript. Line i (from 1) is a JSON object whose last two fields are
// `"n":i` and `"h":HEX`, where HEX = HMAC-SHA256(key, h(i-1) + "\n" + body(i)), h(0) = "",
// and body(i) is the line as written without its `,"h":"..."` (so exactly the bytes on disk,
// after redaction). Line 1 is the session line: it holds the session id and the key's id, and
// every later hash depends on it. The writer's last line is a `note` of kind `end`: a file
// that stops before it was cut short (or its session is still open, or its server was killed).
import { createHmac } from 'node:crypto';
import type { AuditKey } from './audit-key.js';

export const CHAIN_ALG = 'hmac-sha256';
export const CHAIN_VERSION = 1;
/** What the session line says about its chain. */
export interface ChainInfo {
  alg: string;
  v: number;
  /** The key's id (not the key): `verify` tells a wrong key from an edited line with it. */
  key: string;
}

const TAIL = /,"h":"([0-9a-f]{64})"\}$/;

function hmac(key: AuditKey, prev: string, body: string): string {
  return createHmac('sha256', key.bytes).update(`${prev}\n${body}`, 'utf8').digest('hex');
}

/** Seals line after line: `body` is a JSON object's text whose last field is `"n"`. */
export class LineChain {
  private prev = '';
  private count = 0;

  constructor(private readonly key: AuditKey) {}

  get info(): ChainInfo {
    return { alg: CHAIN_ALG, v: CHAIN_VERSION, key: this.key.id };
  }

  /** The number the next line gets. */
  get next(): number {
    return this.count + 1;
  }

  /** The line to write (no newline): `body` with its hash as the last field. */
  seal(body: string): string {
    const h = hmac(this.key, this.prev, body);
    this.prev = h;
    this.count++;
    return `${body.slice(0, -1)},"h":"${h}"}`;
  }
}

/** Drops the chain's fields from a parsed line: readers see the events as they were before. */
export function unchained<T extends Record<string, unknown>>(o: T): T {
  const { n: _n, h: _h, chain: _chain, ...rest } = o;
  return rest as T;
}

export type Verdict =
  | { ok: true; lines: number }
  | { ok: false; unchained: true; message: string }
  | { ok: false; unchained?: false; line: number; kind: BadKind; message: string };

export type BadKind = 'changed' | 'inserted' | 'removed' | 'moved' | 'truncated' | 'wrong key';

interface Parsed {
  body: string;
  h: string;
  /** The line's own number, if its body is JSON with a whole `n`. */
  n: number | undefined;
  o: Record<string, unknown> | undefined;
}

function parseLine(text: string): Parsed | undefined {
  const m = TAIL.exec(text);
  if (!m?.[1]) return undefined;
  const body = `${text.slice(0, m.index)}}`;
  let o: Record<string, unknown> | undefined;
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) o = v as Record<string, unknown>;
  } catch {
    // Not JSON any more: an edit; `n` is unknown.
  }
  const n = o && Number.isInteger(o.n) ? (o.n as number) : undefined;
  return { body, h: m[1], n, o };
}

function plainJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isEnd = (p: Parsed | undefined) => p?.o?.type === 'note' && p.o.kind === 'end';

/**
 * Checks a transcript's text against the key: intact, or the first line (1-based, as an editor
 * counts) that was changed, inserted, removed or moved, or where the file was cut short. The
 * key is asked for only when the transcript is chained at all.
 */
export function verifyChain(text: string, keyOf: () => AuditKey): Verdict {
  const raw = text.split('\n');
  // The writer ends every line with \n: anything after the last one is a line cut in half.
  const partial = raw.pop() ?? '';
  const lines = partial === '' ? raw : [...raw, partial];
  const parsed = lines.map(parseLine);
  const bad = (line: number, kind: BadKind, why: string): Verdict => ({
    ok: false,
    line,
    kind,
    message: `line ${line}: ${kind}: ${why}`,
  });
  const first = parsed[0];
  if (first === undefined) {
    const session = lines[0] === undefined ? undefined : plainJson(lines[0]);
    if (lines.length === 0) return bad(1, 'truncated', 'the file is empty');
    if (session?.type === 'session' && session.h === undefined)
      return {
        ok: false,
        unchained: true,
        message:
          'not verifiable: this transcript was written before transcripts were chained (line 1 has no hash), so edits to it cannot be detected',
      };
  }
  const key = keyOf();
  const verifies = (p: Parsed | undefined, prev: string, n: number) =>
    p !== undefined && p.n === n && hmac(key, prev, p.body) === p.h;
  let prev = '';
  for (let i = 0; i < lines.length; i++) {
    const p = parsed[i];
    const at = i + 1;
    if (verifies(p, prev, at)) {
      prev = (p as Parsed).h;
      continue;
    }
    if (i > 0 && isEnd(parsed[i - 1]))
      return bad(at, 'inserted', 'it comes after the end line, which is the last line written');
    if (i === lines.length - 1 && partial !== '')
      return bad(at, 'truncated', 'the file ends in the middle of this line');
    if (i === 0) {
      const chain = p?.o?.chain as Partial<ChainInfo> | undefined;
      if (chain && typeof chain.key === 'string' && chain.key !== key.id)
        return bad(
          1,
          'wrong key',
          `the transcript was written with key ${chain.key}, not with ${key.file} (key ${key.id}): pass its key with --key FILE`,
        );
    }
    const next = parsed[i + 1];
    if (next && verifies(next, prev, at)) {
      // Line `at` comes next, and this one follows it in the chain: the two were swapped.
      if (verifies(p, next.h, at + 1))
        return bad(
          at,
          'moved',
          `it was line ${at + 1}; line ${at} is now at line ${at + 1} (lines swapped)`,
        );
      return bad(at, 'inserted', 'it is not part of the chain; the line after it continues it');
    }
    // Its own hash still carries the chain on: what it says is not what was hashed.
    if (p && verifies(parsed[i + 1], p.h, at + 1))
      return bad(at, 'changed', 'its content does not match its hash');
    const n = p?.n;
    if (n !== undefined && n > at) {
      const j = parsed.findIndex((q, k) => k > i && verifies(q, prev, at));
      if (j >= 0)
        return bad(
          at,
          'moved',
          `it was line ${n}; line ${at} is now at line ${j + 1} (lines swapped or moved)`,
        );
      return bad(
        at,
        'removed',
        n - at === 1
          ? `line ${at} was removed before it (this was line ${n})`
          : `lines ${at} to ${n - 1} were removed before it (this was line ${n})`,
      );
    }
    if (n !== undefined && n < at)
      return bad(at, 'inserted', `it is a copy of line ${n} (copied or moved here)`);
    return bad(at, 'changed', 'its content does not match its hash');
  }
  if (!isEnd(parsed[lines.length - 1]))
    return bad(
      lines.length + 1,
      'truncated',
      `the transcript stops after line ${lines.length} without its end line: lines were removed from the end, or the session is still open, or its server stopped without closing it (killed, crashed, disk full)`,
    );
  return { ok: true, lines: lines.length };
}
