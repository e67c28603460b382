// A recording's keys as input units: the lines (or single keys) a person typed, each with the
// screen it was typed at, what came back, and whether it was echoed. Pure: events in, units out.
import { KEYS } from '../navigator/program.js';
import type { KeyName } from '../profiles/types.js';
import type { RecordEvent, Snapshot } from './types.js';

export type Echo = 'on' | 'off' | 'masked';

export interface InputUnit {
  i: number;
  /** The line as typed, after line editing (DEL, ^U, ^W); for an edited line, as the screen showed it. */
  text: string;
  /** It ended with Enter (else a single key or keys a menu read raw). */
  enter: boolean;
  /** Named keys the unit was made of, when it is no text (Ctrl-D, Ctrl-C, space, an arrow). */
  keys: KeyName[];
  /** Tab, arrows or ^R were used: `text` was read from the screen at Enter. */
  edited: boolean;
  /** The screen when its first key came. */
  at: Snapshot;
  /** The line the cursor stood on then (the prompt, for a unit typed at one). */
  prompt: string;
  /** The text that arrived between the previous unit's last key and this unit's first. */
  streamBefore: string;
  /** The text that arrived from its first key to the next unit's first key (echo and response). */
  response: string;
  echo: Echo;
  /** The screen at the next unit's first key, or at stop (null: the connection closed first). */
  next: Snapshot | null;
  /** The connection closed before another unit was typed. */
  closed: boolean;
  /** Typed without echo: a password-like line, or a one-time code at a code prompt. */
  secret?: 'line' | 'code';
  t0: number;
  t1: number;
  /** From its last key to the last text before the next unit (how long the gateway took). */
  latencyMs: number;
}

/** What reads as a one-time code prompt (the code itself is 6-8 digits). */
export const CODE_PROMPT = /otp|mfa|2fa|code|token|verification|one[- ]time|验证码|动态|口令/i;
/** What reads as a prompt for a secret. */
export const SECRET_PROMPT =
  /pass(word|phrase)|pin\b|secret|token|otp|mfa|2fa|code|verification|口令|密码|验证码/i;

const KEY_OF = new Map<string, KeyName>(
  (Object.entries(KEYS) as [KeyName, string][]).map(([name, seq]) => [seq, name]),
);
/** Escape sequences a terminal sends for keys, longest first (ESC [ 5 ~ before ESC). */
const SEQUENCES = [...KEY_OF.keys()].filter((s) => s.startsWith('\x1b') && s.length > 1);
SEQUENCES.sort((a, b) => b.length - a.length);
const EDITING_KEYS = new Set<KeyName>(['tab', 'up', 'down', 'left', 'right', 'home', 'end']);

interface Open {
  text: string;
  keys: KeyName[];
  edited: boolean;
  at: Snapshot;
  /** Event index of the first and last key. */
  first: number;
  last: number;
  t0: number;
  t1: number;
  /** Characters of output since the first key that were not an echo of what was typed. */
  foreign: boolean;
}

const lastLine = (text: string) => text.slice(text.lastIndexOf('\n') + 1);

/** Applies one key event's bytes to the open unit; returns the units it completed. */
function feed(
  open: Open,
  data: string,
  finish: (o: Open, enter: boolean, at: Snapshot) => void,
  at: Snapshot,
): Open | null {
  let cur: Open | null = open;
  let k = 0;
  while (k < data.length && cur) {
    const rest = data.slice(k);
    const seq = SEQUENCES.find((s) => rest.startsWith(s));
    if (seq) {
      const name = KEY_OF.get(seq) as KeyName;
      cur.keys.push(name);
      if (EDITING_KEYS.has(name)) cur.edited = true;
      k += seq.length;
      continue;
    }
    const ch = rest[0] as string;
    k++;
    if (ch === '\r' || ch === '\n') {
      finish(cur, true, at);
      cur = null;
    } else if (ch === '\x7f' || ch === '\b') cur.text = cur.text.slice(0, -1);
    else if (ch === '\x15') cur.text = '';
    else if (ch === '\x17') cur.text = cur.text.replace(/\S*\s*$/, '');
    else if (ch === '\t' || ch === '\x12') cur.edited = true;
    else if (ch === '\x03' || ch === '\x04' || ch === '\x1a' || ch === '\x1c' || ch === '\x1b') {
      cur.keys.push(KEY_OF.get(ch) as KeyName);
      if (cur.text === '') {
        // A control key on an empty line is a unit of its own (Ctrl-D leaves a shell).
        finish(cur, false, at);
        cur = null;
      }
    } else if (ch >= ' ') cur.text += ch;
  }
  return cur;
}

/**
 * Splits the events into input units. A unit ends at Enter, at a control key on an empty line,
 * or (for keys a menu reads raw: `Press any key`, a pager's space) when output other than the
 * unit's own echo arrives before the next key.
 */
export function toUnits(events: RecordEvent[], final: Snapshot | null = null): InputUnit[] {
  interface Done {
    o: Open;
    enter: boolean;
    /** The screen at the key that ended it (an edited line is read from it). */
    end: Snapshot;
  }
  const done: Done[] = [];
  const finish = (o: Open, enter: boolean, end: Snapshot) => done.push({ o, enter, end });
  let open: Open | null = null;
  const secretMarks = new Set<number>();
  events.forEach((e, idx) => {
    if (e.kind === 'key') {
      const o: Open = open ?? {
        text: '',
        keys: [],
        edited: false,
        at: e.at,
        first: idx,
        last: idx,
        t0: e.t,
        t1: e.t,
        foreign: false,
      };
      o.last = idx;
      o.t1 = e.t;
      open = feed(o, e.data, finish, e.at);
    } else if (e.kind === 'out' && open) {
      const typed = new Set(open.text);
      const foreign = [...e.text].some((c) => c > ' ' && !typed.has(c));
      // Tab completion and history redraw the line with text the person did not type.
      if (foreign && !open.edited && (open.text !== '' || open.keys.length > 0)) {
        finish(open, false, open.at);
        open = null;
      }
    } else if (e.kind === 'close' && open) {
      finish(open, false, open.at);
      open = null;
    } else if (e.kind === 'mark' && e.what === 'secret' && done.length > 0) {
      secretMarks.add(done.length - 1);
    }
  });
  if (open) finish(open, false, (open as Open).at);

  const outBetween = (from: number, to: number) => {
    let s = '';
    for (let k = from; k < to; k++) {
      const e = events[k];
      if (e?.kind === 'out') s += e.text;
    }
    return s;
  };
  const closedAt = events.findIndex((e) => e.kind === 'close');
  return done.map((d, i): InputUnit => {
    const nextDone = done[i + 1];
    const prev = done[i - 1];
    const end = nextDone ? nextDone.o.first : closedAt >= 0 ? closedAt : events.length;
    const response = outBetween(d.o.first, end);
    const streamBefore = outBetween(prev ? prev.o.last + 1 : 0, d.o.first);
    const prompt = lastLine(d.o.at.before);
    let text = d.o.text;
    if (d.o.edited && d.enter) {
      const row = lastLine(d.end.before);
      text = row.startsWith(prompt) ? row.slice(prompt.length).trim() : text;
    }
    const closed = !nextDone && closedAt >= 0;
    let lastOut = d.o.t1;
    for (let k = d.o.last + 1; k < end; k++) {
      const e = events[k];
      if (e?.kind === 'out') lastOut = e.t;
    }
    const unit: InputUnit = {
      i,
      text,
      enter: d.enter,
      keys: d.o.keys,
      edited: d.o.edited,
      at: d.o.at,
      prompt,
      streamBefore,
      response,
      echo: 'on',
      next: nextDone ? nextDone.o.at : closed ? null : final,
      closed,
      t0: d.o.t0,
      t1: d.o.t1,
      latencyMs: Math.max(0, lastOut - d.o.t1),
    };
    unit.echo = echoOf(unit, outBetween(d.o.first, end));
    const secret = secretOf(unit, secretMarks.has(i));
    if (secret) unit.secret = secret;
    return unit;
  });
}

/** Whether `needle`'s characters occur in `hay` in order. */
function subsequence(needle: string, hay: string): boolean {
  let k = 0;
  for (const c of hay) if (c === needle[k]) k++;
  return k >= needle.length;
}

/**
 * Whether a line was echoed, judged from the client side (the remote termios cannot be asked
 * over SSH): its text in the output up to the end of the line that Enter ended (per-key echo,
 * readline's echo on read), or a run of `*`/`●` as long as it (masked).
 */
export function echoOf(u: Pick<InputUnit, 'text' | 'enter'>, out: string): Echo {
  if (!u.enter || u.text === '') return 'on';
  // The echo is on the line Enter ends: what comes after it (a banner, the next prompt) holds
  // digits and letters that would make any short secret look echoed.
  const nl = out.indexOf('\n');
  const window = nl < 0 ? out : out.slice(0, nl + 1);
  if (subsequence(u.text, window)) return 'on';
  const mask = /[*●•]+/g;
  for (const m of window.matchAll(mask)) if (m[0].length >= u.text.length) return 'masked';
  return 'off';
}

function secretOf(u: InputUnit, marked: boolean): 'line' | 'code' | undefined {
  if (!u.enter || u.text === '') return undefined;
  if (u.echo === 'on' && !marked) return undefined;
  return /^\d{6,8}$/.test(u.text) && CODE_PROMPT.test(u.prompt) ? 'code' : 'line';
}
