// Prompt regexes from recorded prompt lines: what varies (a folder, a clock, a pod's hash, a
// value the person typed) becomes a wildcard or a parameter, the rest is literal, and the
// result is checked the way the navigator reads a prompt (matcher.ts `matchesAtEnd`).
import { matchesAtEnd } from '../navigator/matcher.js';
import { escapeRegex, fill } from '../profiles/placeholders.js';

/** A parameter whose value shows in prompts: `${name}` stands for it. */
export interface ParamUse {
  name: string;
  value: string;
}

type Piece = { lit: string } | { re: string };

/** A prompt line that is only a sigil (`# `, `$ `): the line above belongs to it (bash-multiline). */
const SIGIL_ONLY = /^[$#%>] ?$/;

/** The prompt as it stands before the cursor: its last line, two when the last is a sigil. */
export function promptLineOf(before: string): string {
  const lines = before.split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (SIGIL_ONLY.test(last) && lines.length >= 2) return `${lines[lines.length - 2]}\n${last}`;
  return last;
}

/**
 * A shell's prompt by its look: ends in `$ `, `# ` or `% `, or in `> ` after something a shell
 * shows (`user@host`, `~`, a path). Menu prompts (`Opt> `, `[Host]> `, `ID> `) are not.
 */
export function isShellLike(line: string): boolean {
  const last = line.slice(line.lastIndexOf('\n') + 1);
  if (/[：:]\s*$/.test(last) || /pass(word|phrase)|code/i.test(last)) return false;
  if (/[$#%] $/.test(last)) return true;
  return /> $/.test(last) && /[@~/]/.test(last);
}

function mapLiterals(pieces: Piece[], re: RegExp, to: (m: RegExpExecArray) => Piece[]): Piece[] {
  return pieces.flatMap((p): Piece[] => {
    if (!('lit' in p)) return [p];
    const out: Piece[] = [];
    let at = 0;
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    for (let m = g.exec(p.lit); m; m = g.exec(p.lit)) {
      if (m[0] === '') {
        g.lastIndex++;
        continue;
      }
      if (m.index > at) out.push({ lit: p.lit.slice(at, m.index) });
      out.push(...to(m));
      at = m.index + m[0].length;
    }
    if (at < p.lit.length) out.push({ lit: p.lit.slice(at) });
    return out;
  });
}

const CWD_RE = '[~/][^\\n]*';
/**
 * What changes in a prompt from one visit to the next, in the order they are looked for. Each
 * replaces a piece of literal text by a regex (the params were put in first).
 */
const DETECTORS: [RegExp, (m: RegExpExecArray) => Piece[]][] = [
  // Kubernetes pod names: `-<replicaset hash>-<pod hash>` or a long hex suffix.
  [/-[a-z0-9]{8,10}-[a-z0-9]{5}(?![a-z0-9])/, () => [{ re: '-[a-z0-9]+-[a-z0-9]+' }]],
  [/-[0-9a-f]{8,}(?![a-z0-9])/, () => [{ re: '-[0-9a-f]+' }]],
  // Clocks and dates.
  [/\b\d{4}-\d{2}-\d{2}\b/, () => [{ re: '\\d{4}-\\d{2}-\\d{2}' }]],
  [/\b\d{1,2}:\d{2}(?::\d{2})?\b/, () => [{ re: '\\d{1,2}:\\d{2}(?::\\d{2})?' }]],
];

/** The folder in a shell prompt: `[user@host ~]$`, `user@host:~/src$`, `root@vm ~# `, `/ # `. */
function cwd(pieces: Piece[], line: string): Piece[] {
  if (!isShellLike(line) && !line.includes('\n')) return pieces;
  // Inside brackets: everything after the first word (`[bash ~]`, `[dba@db-prod-01 ~]`).
  const bracketed = mapLiterals(pieces, /(?<=\[[^\]\s]+ )[^\]\n]+(?=\])/, () => [
    { re: '[^\\]]*' },
  ]);
  if (bracketed.length !== pieces.length) return bracketed;
  // A path token before `]`, the sigil or the line's end (`~]$`, `:~/src$ `, ` ~# `, `/ # `).
  return mapLiterals(pieces, /(?<=^|[\s:])[~/][^\s\]]*(?=\]|\s?[$#%>] ?$|\n|\s[$#%])/m, (m) => {
    const after = (m.input ?? '').slice((m.index ?? 0) + m[0].length);
    return [{ re: after.startsWith(']') ? '[^\\]]*' : CWD_RE }];
  });
}

function render(pieces: Piece[]): string {
  return pieces
    .map((p) => ('lit' in p ? escapeRegex(p.lit).replaceAll('\n', '\\n') : p.re))
    .join('');
}

/** One prompt line as pieces: params first (longest value first), then the detectors. */
function piecesOf(line: string, params: ParamUse[], detect: boolean): Piece[] {
  let pieces: Piece[] = [{ lit: line }];
  for (const p of [...params].sort((a, b) => b.value.length - a.value.length)) {
    if (p.value === '') continue;
    pieces = mapLiterals(pieces, new RegExp(escapeRegex(p.value)), () => [{ re: `\${${p.name}}` }]);
  }
  if (!detect) return pieces;
  pieces = cwd(pieces, line);
  for (const [re, to] of DETECTORS) pieces = mapLiterals(pieces, re, to);
  return pieces;
}

/** Two samples' pieces differ: the varying middle becomes a wildcard bounded by what follows. */
function merge(samples: string[]): Piece[] | null {
  const [first, ...rest] = samples;
  if (first === undefined || rest.every((s) => s === first)) return null;
  let pre = 0;
  while (rest.every((s) => s[pre] === first[pre]) && pre < first.length) pre++;
  let suf = 0;
  while (
    suf < first.length - pre &&
    rest.every(
      (s) => suf < s.length - pre && s[s.length - 1 - suf] === first[first.length - 1 - suf],
    )
  )
    suf++;
  const prefix = first.slice(0, pre);
  const suffix = first.slice(first.length - suf);
  const inBracket = prefix.lastIndexOf('[') > prefix.lastIndexOf(']');
  return [{ lit: prefix }, { re: inBracket ? '[^\\]]*' : '[^\\n]*?' }, { lit: suffix }];
}

const matchesAll = (source: string, samples: string[], values: Record<string, string>) => {
  const filled = fill(source, values, 'regex');
  try {
    return samples.every((s) => matchesAtEnd(s, filled));
  } catch {
    return false;
  }
};

/**
 * A prompt regex (source, ending in `$`) that matches every sample at its end and, if it can,
 * none of `avoid` (the other places' prompts: hops are told apart by prompt). Params' values in
 * the samples become `${name}`.
 */
export function generalizePrompt(
  samples: string[],
  avoid: string[] = [],
  params: ParamUse[] = [],
): string {
  const lines = samples.map(promptLineOf);
  const values = Object.fromEntries(params.map((p) => [p.name, p.value]));
  const last = lines[lines.length - 1] ?? '';
  const candidates: string[] = [];
  const merged = merge(lines);
  if (merged) {
    candidates.push(
      render(merged.flatMap((p) => ('lit' in p ? piecesOf(p.lit, params, true) : [p]))) + '$',
    );
  }
  candidates.push(render(piecesOf(last, params, true)) + '$');
  candidates.push(render(piecesOf(last, params, false)) + '$');
  candidates.push(render(piecesOf(last, [], false)) + '$');
  const fits = candidates.filter((c) => matchesAll(c, lines, values));
  const apart = fits.find(
    (c) => !avoid.some((a) => a !== '' && matchesAtEnd(promptLineOf(a), fill(c, values, 'regex'))),
  );
  return apart ?? fits[0] ?? `${escapeRegex(last.trimEnd())}\\s*$`;
}

/** A short key for telling places apart: the one-sample generalisation without params. */
export function promptKey(before: string): string {
  return generalizePrompt([before]);
}
