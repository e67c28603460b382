import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { Handler } from '../profiles/types.js';
import { earliestMatch, matchesAtEnd } from './matcher.js';
import type { Output, Program, StepLabel } from './program.js';
import { buildStates } from './states.js';
import {
  menuTyped,
  newMenu,
  pageEndAtCursor,
  pageSeen,
  pageView,
  wholePageView,
  readLines,
  screenState,
  selectFailureText,
  worthALook,
  type MenuState,
  type PageView,
  type ScreenView,
} from './select.js';

export type { ScreenView } from './select.js';

export interface Failure {
  kind: 'timeout' | 'fail' | 'closed' | 'select';
  /** The pattern that matched, when a `fail:` alternative or handler ended the walk. */
  matched?: string;
  label: StepLabel;
  patterns: string[];
  message: string;
}

export interface NavContext {
  /** Output not yet consumed by a match, escape sequences removed (what `wait_for` reads). */
  buffer: string;
  /** Output since gatewalk last typed (what `select` reads besides the screen). */
  recent: string;
  /** The stream's last lines (a cheap first look for a prompt, before rendering the screen). */
  tail: string;
  /**
   * The screen changed since gatewalk last typed: until then, a prompt or a menu on it is the
   * one that was there before (the hop just left, our own line before its echo).
   */
  fresh: boolean;
  /** The screen (cursor and rows) when gatewalk last typed; null before it typed anything. */
  written: string | null;
  /** The rows above the cursor when gatewalk last typed: a menu's old rows are not its new page. */
  stale: string[];
  failure: Failure | null;
  /** select: pages looked at. */
  pages: number;
  /** select: the menu as read so far (mutated in place: see MenuState). */
  menu: MenuState | null;
  screen: ScreenView;
}

export type NavEvent =
  | { type: 'OUTPUT'; text: string }
  | { type: 'CLOSED' }
  /** The person gave the secret asked for (the io actor holds the value, not the machine). */
  | { type: 'ANSWERED' }
  /** Asking failed (declined, nobody can ask): the io actor holds the error. */
  | { type: 'ASK_FAILED' };

/** What the machine asks its `io` actor to do: the only side effects of a walk. */
export type IoCommand =
  | { type: 'WRITE'; output: Output }
  /** A hop's prompt is at the cursor (`hop`: its index in the program). */
  | { type: 'ARRIVED'; hop: number }
  /** Ask a person for program secret `secret` (a `{ ask }` send_secret step is reached). */
  | { type: 'ASK'; secret: number; label: StepLabel; timeoutMs: number };

// Waits keep at least this much unconsumed output: a wait's pattern is expected near the end.
const MAX_BUFFER = 256 * 1024;

/**
 * Text cut down to its last MAX_BUFFER characters once it has grown to twice that: cutting on
 * every chunk would copy the whole buffer each time (a long listing would cost quadratic time).
 */
function bounded(text: string): string {
  return text.length > 2 * MAX_BUFFER ? text.slice(-MAX_BUFFER) : text;
}

// The stream's last lines kept for a first look at a prompt: a prompt is shorter.
const TAIL_CHARS = 1024;

const noLabel: StepLabel = {
  hop: '',
  hopIndex: -1,
  step: '',
  source: { file: '', line: 0, col: 0 },
};

/** A screen for machines run without a terminal (nothing is ever at the cursor). */
export const BLANK_SCREEN: ScreenView = {
  beforeCursor: () => '',
  snapshot: () => ({ lines: [], cursor: { row: 0, col: 0 } }),
};

/** The page as it shows now, computed once per context (one event), for every guard. */
const pageMemo = new WeakMap<NavContext, PageView>();
const NO_PAGE: PageView = { count: 0, match: null, novel: false, onScreen: [] };
function page(c: NavContext): PageView {
  let view = pageMemo.get(c);
  if (!view) {
    const menu = c.menu;
    view = menu ? pageView(c.screen, c.stale, menu) : NO_PAGE;
    // Nothing new, yet lines came (or the menu moved to another row) and it asks again: it
    // redrew the very same rows. Not when the prompt merely went on: then it is the old page's
    // prompt, still being drawn.
    if (
      menu &&
      view.count === 0 &&
      c.fresh &&
      (c.recent.includes('\n') || !c.written?.startsWith(`${c.screen.snapshot().cursor.row}:`)) &&
      pageEndAtCursor(c.screen, menu.line, menu.pageEnd)
    )
      view = wholePageView(c.screen, menu);
    pageMemo.set(c, view);
  }
  return view;
}

/**
 * The walk as an xstate machine: a state per hop, and in it a state per step. Waits are
 * eventless transitions guarded by "this pattern matches earliest in the buffer"; a hop's
 * prompt and a menu's page are judged on the rendered screen; handlers are transitions that
 * answer and stay; timeouts are `after` delays. Side effects go through the `io` actor only,
 * so tests can `.provide()` another one and run on a simulated clock.
 */
export function buildMachine(program: Program, handlerSecret: (h: Handler) => number) {
  const { states, delays } = buildStates(program, handlerSecret);

  type Menu = { line: string; item: string; pageEnd: string };
  const drawn = (c: NavContext, p: Menu) =>
    c.fresh &&
    worthALook(c.screen, c.tail, p.pageEnd) &&
    pageEndAtCursor(c.screen, p.line, p.pageEnd) &&
    page(c).count > 0;

  return setup({
    types: {} as {
      context: NavContext;
      events: NavEvent;
      input: { screen?: ScreenView; text?: string } | undefined;
    },
    actors: {
      // Replaced by the runner (and by tests): this one does nothing.
      io: fromCallback<IoCommand>(() => () => {}),
    },
    guards: {
      earliest: ({ context }, p: { patterns: string[]; index: number }) =>
        earliestMatch(context.buffer, p.patterns)?.which === p.index,
      // The hop's prompt at the cursor, on a screen that changed since gatewalk last typed:
      // the prompt of the hop just left, or our own line before its echo, must not count.
      promptAtCursor: ({ context }, p: { match: string }) =>
        context.fresh &&
        worthALook(context.screen, context.tail, p.match) &&
        matchesAtEnd(context.screen.beforeCursor(), p.match),
      entryVisible: ({ context }) => context.fresh && page(context).match !== null,
      pageRepeats: ({ context }, p: Menu) =>
        context.pages > 1 && drawn(context, p) && !page(context).novel,
      pageDrawnBelow: ({ context }, p: Menu & { maxPages: number }) =>
        context.pages < p.maxPages && drawn(context, p),
      pageDrawn: ({ context }, p: Menu) => drawn(context, p),
    },
    actions: {
      append: assign(({ context, event }) => {
        if (event.type !== 'OUTPUT') return {};
        const recent = bounded(context.recent + event.text);
        if (context.menu) readLines(context.menu, event.text);
        return {
          buffer: bounded(context.buffer + event.text),
          recent,
          tail: (context.tail + event.text).slice(-TAIL_CHARS),
          // Only a screen that changed counts: an answer-only chunk, a query, is not a page.
          fresh:
            context.fresh ||
            context.written === null ||
            screenState(context.screen).signature !== context.written,
        };
      }),
      consume: assign(({ context }, p: { patterns: string[] }) => {
        const m = earliestMatch(context.buffer, p.patterns);
        return { buffer: m ? context.buffer.slice(m.end) : context.buffer };
      }),
      // Everything up to a prompt at the cursor belongs to the hop it ends.
      clearBuffer: assign({ buffer: '' }),
      arrived: sendTo('io', (_, p: { hop: number }): IoCommand => ({
        type: 'ARRIVED',
        hop: p.hop,
      })),
      fail: assign((_, p: { failure: Failure }) => ({ failure: p.failure })),
      ask: sendTo(
        'io',
        (_, p: { secret: number; label: StepLabel; timeoutMs: number }): IoCommand => ({
          type: 'ASK',
          ...p,
        }),
      ),
      write: sendTo('io', (_, p: { output: Output }): IoCommand => ({
        type: 'WRITE',
        output: p.output,
      })),
      wrote: assign(({ context }) => {
        const now = screenState(context.screen);
        if (context.menu) menuTyped(context.menu);
        return { fresh: false, written: now.signature, stale: now.rowsAbove, recent: '' };
      }),
      // A handler's answer: the screen must change again before it says anything, but the
      // page is the same page (what was on it still counts).
      answered: assign(({ context }) => ({
        fresh: false,
        written: screenState(context.screen).signature,
      })),
      leaveSelect: assign({ menu: null }),
      resetSelect: assign(({ context }, p: { line: string; item: string; pageEnd: string }) => {
        const menu = newMenu(p.line, p.item, p.pageEnd);
        readLines(menu, context.recent);
        return { pages: 1, menu };
      }),
      choose: sendTo('io', ({ context }, p: Menu & { send: string }): IoCommand => {
        const entry = page(context).match ?? {};
        const text = p.send.replace(
          /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
          (_, g: string) => entry[g] ?? '',
        );
        return { type: 'WRITE', output: { text: `${text}\r` } };
      }),
      turnPage: assign(({ context }) => {
        if (context.menu) pageSeen(context.menu, page(context));
        return { pages: context.pages + 1 };
      }),
      selectFailed: assign(
        ({ context }, p: Menu & { label: StepLabel; why: string; timeout?: boolean }) => {
          if (context.menu) pageSeen(context.menu, page(context));
          const failure: Failure = {
            kind: p.timeout ? 'timeout' : 'select',
            label: p.label,
            patterns: [p.item],
            message: selectFailureText(p.item, p.why, context.menu?.order ?? []),
          };
          return { failure };
        },
      ),
    },
    delays,
  }).createMachine({
    id: 'nav',
    context: ({ input }) => ({
      // Text that came before the walk is its first output: given here, it is read before the
      // first step types anything.
      buffer: input?.text ?? '',
      recent: input?.text ?? '',
      tail: (input?.text ?? '').slice(-TAIL_CHARS),
      // Nothing typed yet: what is on the screen counts (a walk that goes on from a hop left
      // at its prompt, a menu at rest).
      fresh: true,
      written: null,
      stale: [],
      failure: null,
      pages: 1,
      menu: null,
      screen: input?.screen ?? BLANK_SCREEN,
    }),
    initial: program.hops.length > 0 ? 'hop1' : 'ready',
    invoke: { id: 'io', src: 'io' },
    on: {
      OUTPUT: { actions: 'append' },
      CLOSED: {
        target: '.failed',
        actions: assign({
          failure: ({ context }) =>
            context.failure ?? {
              kind: 'closed',
              label: noLabel,
              patterns: [],
              message: 'the connection closed',
            },
        }),
      },
    },
    states: states as never,
  });
}
