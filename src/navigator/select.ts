// How the walk reads the screen: a prompt at the cursor, and a menu (`select`): entries on the
// rendered screen (several per row in menus laid out in columns) that were not there when
// gatewalk last typed, and entries in the lines that arrived since; a page counts as drawn when
// the menu's prompt stands at the cursor. A failure always lists what was seen and the closest.
import { closest } from '../profiles/diagnostics.js';
import { allMatches, matchesAtEnd, profileRegex } from './matcher.js';

/** What the walk reads of the terminal: parsed as bytes arrive, so always current. */
export interface ScreenView {
  /** The text leading up to the cursor (a few rows; the cursor's row cut at the cursor). */
  beforeCursor(rows?: number): string;
  snapshot(): { lines: string[]; cursor: { row: number; col: number } };
  /** The last chunk was plain text the screen has not parsed yet (reading it costs a parse). */
  readonly lastWriteHeld?: boolean;
}

export type Entry = Record<string, string>;

/** Every match of `line` in each row: a row of a menu in columns holds several entries. */
export function menuEntries(rows: string[], line: string): Entry[] {
  return rows.flatMap((row) => allMatches(row, line).map((m) => ({ ...m.groups })));
}

/** The screen as it stands: its rows, the cursor, and the rows above the cursor. */
export function screenState(screen: ScreenView): { signature: string; rowsAbove: string[] } {
  const { lines, cursor } = screen.snapshot();
  return {
    signature: `${cursor.row}:${cursor.col}\n${lines.join('\n')}`,
    rowsAbove: lines.slice(0, cursor.row),
  };
}

/**
 * A menu as `select` reads it. The lines that arrive are read once each, as they complete (a
 * listing of megabytes costs one pass); only what the current page needs is kept. Mutated in
 * place by the walk's actions: copying it per chunk would cost as much as the listing.
 */
export interface MenuState {
  line: string;
  item: string;
  pageEnd: string;
  /** The line the text since the last write ends in, not complete yet. */
  partial: string;
  /** Entries in the lines since the last write: how many, the first matching `item`, labels. */
  count: number;
  match: Entry | null;
  labels: string[];
  /** How many of those labels no earlier page had. */
  novel: number;
  /** Labels of the pages turned so far, and every label in the order first seen. */
  seen: Set<string>;
  order: string[];
}

export function newMenu(line: string, item: string, pageEnd: string): MenuState {
  return {
    line,
    item,
    pageEnd,
    partial: '',
    count: 0,
    match: null,
    labels: [],
    novel: 0,
    seen: new Set(),
    order: [],
  };
}

/** Forgets the lines read (gatewalk typed: what comes next is a new page). */
export function menuTyped(menu: MenuState): void {
  menu.partial = '';
  menu.count = 0;
  menu.match = null;
  menu.labels = [];
  menu.novel = 0;
}

function take(menu: MenuState, entries: Entry[]): void {
  for (const e of entries) {
    menu.count++;
    if (!menu.match && profileRegex(menu.item).test(e.label ?? '')) menu.match = e;
    if (!e.label) continue;
    menu.labels.push(e.label);
    if (!menu.seen.has(e.label)) menu.novel++;
  }
}

/** Reads the lines that `chunk` completes (each line is read once, whatever came before). */
export function readLines(menu: MenuState, chunk: string): void {
  if (!chunk.includes('\n')) {
    menu.partial = (menu.partial + chunk).slice(-8192);
    return;
  }
  const lines = (menu.partial + chunk).split('\n');
  menu.partial = (lines.pop() ?? '').slice(-8192);
  take(menu, menuEntries(lines, menu.line));
}

/** What a page shows now: its entries, whether one matches, whether any label is new. */
export interface PageView {
  count: number;
  match: Entry | null;
  /** Some label no earlier page had. */
  novel: boolean;
  /** The entries on the screen's new rows (a screenful at most). */
  onScreen: Entry[];
}

/**
 * The page a person sees since gatewalk last typed: rows above the cursor that were not on the
 * screen then (the cursor's row may still be being drawn), and the lines that arrived since (a
 * long list scrolls rows off the screen within one chunk).
 */
export function pageView(screen: ScreenView, stale: string[], menu: MenuState): PageView {
  const before = new Set(stale);
  const rows = screenState(screen).rowsAbove.filter((r) => !before.has(r));
  return viewOf(rows, menu);
}

/**
 * The page when it was redrawn in place with the very rows it had (a menu filtered down to the
 * entry, or its last page again): every row above the cursor.
 */
export function wholePageView(screen: ScreenView, menu: MenuState): PageView {
  return viewOf(screenState(screen).rowsAbove, menu);
}

function viewOf(rows: string[], menu: MenuState): PageView {
  const onScreen = menuEntries(rows, menu.line);
  const item = profileRegex(menu.item);
  return {
    count: onScreen.length + menu.count,
    match: onScreen.find((e) => item.test(e.label ?? '')) ?? menu.match,
    novel: menu.novel > 0 || onScreen.some((e) => e.label && !menu.seen.has(e.label)),
    onScreen,
  };
}

/** The page is looked at for the last time (turned, or failed): its labels join `seen`. */
export function pageSeen(menu: MenuState, view: PageView): void {
  for (const label of [...view.onScreen.map((e) => e.label ?? ''), ...menu.labels]) {
    if (label === '' || menu.seen.has(label)) continue;
    menu.seen.add(label);
    menu.order.push(label);
  }
}

/**
 * Whether a pattern is worth looking for at the cursor now: a chunk of plain text the screen
 * held back is only rendered when the stream's last line already reads like the pattern.
 */
export function worthALook(screen: ScreenView, lastLines: string, pattern: string): boolean {
  return !screen.lastWriteHeld || matchesAtEnd(lastLines, pattern);
}

/** The menu's prompt (`pageEnd`) stands at the cursor, on a line that is not itself an entry. */
export function pageEndAtCursor(screen: ScreenView, line: string, pageEnd: string): boolean {
  const here = screen.beforeCursor(1);
  return matchesAtEnd(here, pageEnd) && menuEntries([here], line).length === 0;
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
