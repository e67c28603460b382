// A typed number or key that picked a row of a listed menu becomes a `select` by the row's
// label (so the profile survives renumbering), read with the navigator's own `menuEntries`;
// page turns typed before it become its `next_page`.
import { matchesAtEnd } from '../navigator/matcher.js';
import { menuEntries, type Entry } from '../navigator/select.js';
import { DEFAULT_PAGE_END } from '../profiles/resolve.js';
import type { KeyName } from '../profiles/types.js';
import type { InputUnit } from './units.js';

/** Row shapes menus are drawn in, tried in order (named groups `key` and `label`). */
export const ROW_SHAPES: string[] = [
  // KoKo / JumpServer tables: `  7   | db-prod-01      | 10.1.2.3 | Linux |`, `  2  | root`.
  String.raw`^\s*(?<key>\d+)\s*\|\s*(?<label>[^|]+?)\s*(?:\||$)`,
  // bash `select`, several per row: `17) node-17`.
  String.raw`(?<key>\d+)\) (?<label>[A-Za-z0-9._-]+)`,
  String.raw`(?<key>\d+)\) (?<label>\S+)`,
  // `[3] name`, `3. name`, `3: name`, `3) a long name`.
  String.raw`^\s*\[?(?<key>\d+)[\].):]\s+(?<label>\S.*?)\s*$`,
  // Letter keys: `a) production`.
  String.raw`^\s*(?<key>[a-z])\)\s+(?<label>.+?)\s*$`,
];

export interface SelectGuess {
  line: string;
  key: string;
  label: string;
  /** The header of the label's column (`Hostname`), when the menu is a table with one. */
  header: string | null;
  /** The row the entry was on. */
  row: string;
  /** How many entries the page showed. */
  entries: number;
}

/** The rows a unit was typed after: the screen above the cursor and the lines since the last Enter. */
export function rowsOf(u: InputUnit): string[] {
  return [...u.at.rows, ...u.streamBefore.split('\n')];
}

function unique(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const k = `${e.key ?? ''}\u0000${e.label ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The column header above a table's label column (`  ID  | Hostname  | IP`). */
function headerOf(rows: string[], row: string, label: string): string | null {
  const col = row.indexOf(label);
  for (let k = rows.lastIndexOf(row) - 1; k >= 0; k--) {
    const r = rows[k] ?? '';
    if (!r.includes('|') || /^\s*\d/.test(r)) continue;
    const cells = r.split('|');
    let at = 0;
    for (const cell of cells) {
      if (col >= at && col <= at + cell.length) return cell.trim() || null;
      at += cell.length + 1;
    }
    return null;
  }
  return null;
}

/**
 * The menu entry a short typed text picked: the first row shape with ≥2 entries on the rows,
 * exactly one of them keyed by the text, with a label no other entry has. A text that is itself
 * a label stays as typed (it already survives renumbering).
 */
export function detectSelect(u: InputUnit): SelectGuess | null {
  const text = u.text.trim();
  if (!u.enter || u.secret || text === '' || text.length > 4) return null;
  const rows = rowsOf(u).filter((r) => r.trim() !== '');
  for (const line of ROW_SHAPES) {
    const entries = unique(menuEntries(rows, line));
    if (entries.length < 2) continue;
    if (entries.some((e) => e.label === text)) return null;
    const picked = entries.filter((e) => e.key === text);
    const first = picked[0];
    if (picked.length !== 1 || !first?.label) continue;
    if (entries.filter((e) => e.label === first.label).length !== 1) continue;
    const row = rows.find((r) => menuEntries([r], line).some((e) => e.key === text)) ?? '';
    return {
      line,
      key: text,
      label: first.label,
      header: headerOf(rows, row, first.label),
      row: row.trim(),
      entries: entries.length,
    };
  }
  return null;
}

export type NextPage = { send_text: string } | { send_keys: KeyName[] };

/**
 * Page turns among the units typed at a menu's prompt before the pick: a 1-2 character text or
 * a key (space, page down) whose response listed labels not listed before.
 */
export function pagingOf(
  turns: InputUnit[],
  line: string,
): { next: NextPage; turned: number } | null {
  let next: NextPage | null = null;
  let turned = 0;
  for (const u of turns) {
    const before = new Set(menuEntries(rowsOf(u), line).map((e) => e.label));
    const after = menuEntries(u.response.split('\n'), line).map((e) => e.label);
    if (!after.some((l) => l !== undefined && !before.has(l))) continue;
    const keys = u.keys.filter((k) => k === 'space' || k === 'pagedown');
    const text = u.text.trim();
    if (u.enter && text.length >= 1 && text.length <= 2) {
      next ??= { send_text: text };
      turned++;
    } else if (u.text === ' ' || keys.length > 0) {
      next ??= { send_keys: keys.length > 0 ? keys : ['space'] };
      turned++;
    }
  }
  return next ? { next, turned } : null;
}

/** A menu prompt the navigator would not take for the end of a page: it needs `page_end`. */
export function needsPageEnd(promptLine: string): boolean {
  return !matchesAtEnd(promptLine, DEFAULT_PAGE_END);
}
