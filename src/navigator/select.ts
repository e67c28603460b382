// How `select` reads a menu: entries on the rendered screen (several per row in menus laid out
// in columns), a page counted as drawn when the menu's prompt stands at the cursor, and a
// failure that always lists what was seen and the closest entry.
import { closest } from '../profiles/diagnostics.js';
import { allMatches, matchesAtEnd } from './matcher.js';

/** What the walk reads of the terminal: parsed as bytes arrive, so always current. */
export interface ScreenView {
  /** The text leading up to the cursor (a few rows; the cursor's row cut at the cursor). */
  beforeCursor(rows?: number): string;
  snapshot(): { lines: string[]; cursor: { row: number; col: number } };
}

export type Entry = Record<string, string>;

/** Every match of `line` in each row: a row of a menu in columns holds several entries. */
export function menuEntries(rows: string[], line: string): Entry[] {
  return rows.flatMap((row) => allMatches(row, line).map((m) => ({ ...m.groups })));
}

/**
 * The entries a person sees now: in the screen's rows above the cursor's (the cursor's row may
 * still be being drawn), and in whole lines of the text that arrived since the last answer
 * (a long list scrolls rows off the screen within one chunk).
 */
export function visibleEntries(screen: ScreenView, recent: string, line: string): Entry[] {
  const { lines, cursor } = screen.snapshot();
  const complete = recent.slice(0, recent.lastIndexOf('\n') + 1).split('\n');
  return [...menuEntries(lines.slice(0, cursor.row), line), ...menuEntries(complete, line)];
}

/** The screen's rows above the cursor that hold entries, as they read now. */
export function entryRows(screen: ScreenView, line: string): string[] {
  const { lines, cursor } = screen.snapshot();
  return lines.slice(0, cursor.row).filter((row) => allMatches(row, line).length > 0);
}

/**
 * Since the page was turned, has a page come: entry lines arrived in the text, or the screen's
 * entry rows changed (a menu redrawn in place)? Until then the old page's prompt, or the part
 * of it that had arrived when the page was turned, is not the new page's end.
 */
export function newPageArrived(
  screen: ScreenView,
  recent: string,
  line: string,
  rowsAtTurn: string[],
): boolean {
  const complete = recent.slice(0, recent.lastIndexOf('\n') + 1).split('\n');
  if (menuEntries(complete, line).length > 0) return true;
  const rows = entryRows(screen, line);
  return rows.length !== rowsAtTurn.length || rows.some((r, i) => r !== rowsAtTurn[i]);
}

/** A page is drawn when entries are visible and the menu's prompt (`pageEnd`) is at the cursor. */
export function pageDrawn(
  screen: ScreenView,
  recent: string,
  line: string,
  pageEnd: string,
): boolean {
  const here = screen.beforeCursor(1);
  return (
    matchesAtEnd(here, pageEnd) &&
    menuEntries([here], line).length === 0 &&
    visibleEntries(screen, recent, line).length > 0
  );
}

/** Labels in the order first seen, without repeats. */
export function labelsOf(entries: Entry[]): string[] {
  return [...new Set(entries.map((e) => e.label ?? '').filter((l) => l !== ''))];
}

/** The text an item regex most likely stands for: `^db\-prod\-01$` reads `db-prod-01`. */
export function literalOf(item: string): string {
  return item
    .replace(/^\^|\$$/g, '')
    .replace(/\\([^A-Za-z0-9])/g, '$1')
    .slice(0, 200);
}

/** Why a select ended without its entry: what it looked for, what it saw, the closest. */
export function selectFailureText(item: string, why: string, seen: string[]): string {
  const near = seen.length > 0 ? closest(literalOf(item), seen) : undefined;
  const shown = seen.slice(0, 60).join(' | ');
  const more = seen.length > 60 ? ` (and ${seen.length - 60} more)` : '';
  return (
    `no entry matching /${item}/: ${why}; entries seen: ${shown || 'none'}${more}` +
    (near === undefined ? '' : ` (did you mean "${near}"?)`)
  );
}
