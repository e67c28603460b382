// Places and hops: which prompts of a recording are places the walk stands at (hops), which
// are passed on the way (steps), how the person left each place, and what answered on the way
// out. A stack pass over the units: a prompt seen again pops what was reached from it.
import { isShellLike, promptKey, promptLineOf } from './prompts.js';
import type { InputUnit } from './units.js';

/** One prompt on the way, and the units typed at it (in order; the last one led on). */
export interface Frame {
  key: string;
  units: InputUnit[];
  /** A prompt line as it stood (the first unit's, or the final screen's). */
  line: string;
}

export interface HopPlan {
  /** The place's frame (its prompt key and the units typed there up to the destination). */
  place: Frame;
  /** The frames passed between the previous place and this one (their last units lead on). */
  passed: Frame[];
  /** The previous place's frame (its last unit leads here), null for the first hop. */
  from: Frame | null;
  /** The unit that left this place after the destination was reached (observed exit). */
  exit: InputUnit | null;
  /** Why it is a place (for a comment). */
  why: string;
}

export interface Segmentation {
  hops: HopPlan[];
  /** Single keys typed at prompts met on the way out (`Press any key`): profile handlers. */
  onTheWayOut: InputUnit[];
  /** Every prompt line seen per key (the samples a hop prompt is generalised from). */
  samples: Map<string, string[]>;
}

const keyOf = (before: string) => promptKey(before);

/**
 * Splits units into hops. `final` is the screen at stop (null: the connection closed);
 * `marked`: prompt keys the person marked as places (Ctrl-] m).
 */
export function segment(
  units: InputUnit[],
  final: string | null,
  marked: Set<string> = new Set(),
): Segmentation {
  const samples = new Map<string, string[]>();
  const sample = (before: string) => {
    const k = keyOf(before);
    const line = promptLineOf(before);
    const list = samples.get(k) ?? [];
    if (!list.includes(line)) list.push(line);
    samples.set(k, list);
    return k;
  };
  const returned = new Set<string>();
  let stack: Frame[] = [];
  /** The stack each unit was typed at (a copy of its frames, units as they stood). */
  const at: Frame[][] = [];
  for (const u of units) {
    const k = sample(u.at.before);
    const j = stack.map((f) => f.key).lastIndexOf(k);
    if (j >= 0 && j < stack.length - 1) {
      returned.add(k);
      stack = stack.slice(0, j + 1);
    } else if (j < 0) stack.push({ key: k, units: [], line: promptLineOf(u.at.before) });
    at.push(stack.map((f) => ({ ...f, units: [...f.units] })));
    (stack[stack.length - 1] as Frame).units.push(u);
  }
  if (final !== null) sample(final);

  // The destination: the screen at stop, else the deepest shell-like prompt a line was typed
  // at (the deepest prompt when none is shell-like).
  let path: Frame[];
  let moment: number; // units before this index lead to the destination
  if (final !== null) {
    const k = keyOf(final);
    const j = stack.map((f) => f.key).lastIndexOf(k);
    path =
      j >= 0 ? stack.slice(0, j + 1) : [...stack, { key: k, units: [], line: promptLineOf(final) }];
    moment = units.length;
  } else {
    let best = -1;
    at.forEach((s, i) => {
      const top = s[s.length - 1] as Frame;
      const score = s.length + (isShellLike(top.line) ? 1000 : 0);
      const bestS = at[best];
      const bestScore = bestS
        ? bestS.length + (isShellLike((bestS[bestS.length - 1] as Frame).line) ? 1000 : 0)
        : -1;
      if (score > bestScore) best = i;
    });
    path = best >= 0 ? (at[best] as Frame[]) : [];
    moment = best;
    // The units typed at the destination before leaving it are work there, kept for exits.
    const dest = path[path.length - 1];
    if (dest) {
      for (let i = best; i < units.length; i++) {
        const u = units[i] as InputUnit;
        if (keyOf(u.at.before) !== dest.key) break;
        if (u.next && keyOf(u.next.before) === dest.key) dest.units.push(u);
        else break;
      }
    }
  }
  if (path.length === 0) return { hops: [], onTheWayOut: [], samples };

  // Exits and handlers: units typed after the destination was reached.
  const exits = new Map<string, InputUnit>();
  const onTheWayOut: InputUnit[] = [];
  const pathKeys = new Set(path.map((f) => f.key));
  for (let i = Math.max(0, moment); i < units.length; i++) {
    const u = units[i] as InputUnit;
    const k = keyOf(u.at.before);
    const nextKey = u.next ? keyOf(u.next.before) : null;
    if (pathKeys.has(k)) {
      if (nextKey !== k && !exits.has(k)) exits.set(k, u);
    } else if ((!u.enter || u.text === '') && !onTheWayOut.some((o) => o.prompt === u.prompt)) {
      onTheWayOut.push(u);
    }
  }

  // Places: the destination, prompts returned to, the first prompt a line was echoed at,
  // shells whose line led elsewhere, marks.
  const last = path.length - 1;
  const firstEchoed = path.findIndex((f) => f.units.some((u) => u.enter && !u.secret));
  const why = path.map((f, i): string | null => {
    if (i === last) return 'where you stopped';
    if (marked.has(f.key)) return 'marked as a hop (Ctrl-] m)';
    if (returned.has(f.key)) return 'you came back to it';
    if (i === firstEchoed) return 'the first prompt you typed a line at';
    if (isShellLike(f.line)) return 'a shell prompt whose line led on';
    return null;
  });
  const hops: HopPlan[] = [];
  let prev = -1;
  why.forEach((reason, i) => {
    if (reason === null) return;
    hops.push({
      place: path[i] as Frame,
      passed: path.slice(prev + 1, i),
      from: prev >= 0 ? (path[prev] as Frame) : null,
      exit: exits.get((path[i] as Frame).key) ?? null,
      why: reason,
    });
    prev = i;
  });
  return { hops, onTheWayOut, samples };
}

/** Lines typed at a shell that set state a later hop may need (kept, commented out). */
export function setsState(text: string): boolean {
  return /^(cd|export|source|\.|set|unset|umask|ulimit|alias)\s|^kubectl config use-context\s/.test(
    text.trim(),
  );
}

/** A menu's way out, read from its screens: `q) quit`, `Back: q`, `(q quits)`, `q：退出`. */
export function menuExitIn(screens: string[]): string | null {
  const re =
    /\b([a-z]|quit|exit|bye)\)\s*(?:quit|exit|back|退出)|(?:quit|back|exit|退出)\s*[:：]\s*([a-z]\w*)|\(([a-z]\w*) quits?\)|\b([a-z])[:：]\s*退出/i;
  for (const s of screens) {
    const m = re.exec(s);
    const key = m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4];
    if (key) return key;
  }
  return null;
}
