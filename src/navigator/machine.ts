import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { Handler } from '../profiles/types.js';
import { earliestMatch, matchesAtEnd, profileRegex } from './matcher.js';
import type { Output, Program, ProgramNode, StepLabel } from './program.js';
import {
  entryRows,
  labelsOf,
  newPageArrived,
  pageDrawn,
  selectFailureText,
  visibleEntries,
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
  /** Output arrived since gatewalk last typed: a screen that has not changed since proves nothing. */
  fresh: boolean;
  failure: Failure | null;
  /** select: pages looked at, and the labels seen so far (for paging and the error). */
  pages: number;
  seen: string[];
  /** select: the screen's entry rows when the page was last turned (null on the first page). */
  rowsAtTurn: string[] | null;
  screen: ScreenView;
}

export type NavEvent = { type: 'OUTPUT'; text: string } | { type: 'CLOSED' };

/** What the machine asks its `io` actor to do: the only side effects of a walk. */
export type IoCommand =
  | { type: 'WRITE'; output: Output }
  /** The hop below is reached: the terminal may answer queries again. */
  | { type: 'ARRIVED' };

// Waits keep at most this much unconsumed output: a wait's pattern is expected near the end.
const MAX_BUFFER = 256 * 1024;

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

function handlerOutput(h: Handler, secretIndex: (h: Handler) => number): Output | null {
  if (h.action.kind === 'send_text') return { text: `${h.action.text}\r` };
  if (h.action.kind === 'send_secret') return { secret: secretIndex(h), enter: true };
  return null;
}

function failAction(
  node: ProgramNode,
  kind: Failure['kind'],
  message: string,
  patterns: string[],
  matched?: string,
) {
  const failure: Failure = {
    kind,
    label: node.label,
    patterns,
    message,
    ...(matched === undefined ? {} : { matched }),
  };
  return { type: 'fail' as const, params: { failure } };
}

const write = (output: Output) => [{ type: 'write', params: { output } }, { type: 'wrote' }];

/**
 * The walk as an xstate machine: a state per hop, and in it a state per step. Waits are
 * eventless transitions guarded by "this pattern matches earliest in the buffer"; a hop's
 * prompt and a menu's page are judged on the rendered screen; handlers are transitions that
 * answer and stay; timeouts are `after` delays. Side effects go through the `io` actor only,
 * so tests can `.provide()` another one and run on a simulated clock.
 */
export function buildMachine(program: Program, handlerSecret: (h: Handler) => number) {
  const delays: Record<string, number> = {};

  const handlerTransitions = (node: ProgramNode, handlers: Handler[], awaited: string[]) => {
    const patterns = [
      ...(node.kind === 'wait' ? node.alternatives.map((a) => a.match) : []),
      ...handlers.map((h) => h.match),
    ];
    const offset = node.kind === 'wait' ? node.alternatives.length : 0;
    return handlers.map((h, j) => {
      const guard = { type: 'earliest', params: { patterns, index: offset + j } };
      const output = handlerOutput(h, handlerSecret);
      if (output)
        return { guard, actions: [{ type: 'consume', params: { patterns } }, ...write(output)] };
      const why = h.action.kind === 'fail' ? h.action.message : 'handler';
      return {
        guard,
        target: '#nav.failed',
        actions: [failAction(node, 'fail', why, awaited, h.match)],
      };
    });
  };

  const timeoutOf = (hopIndex: number, node: ProgramNode, actions: unknown[]) => {
    const delay = `t${hopIndex}_${node.id}`;
    delays[delay] = 'timeoutMs' in node ? node.timeoutMs : 0;
    return { [delay]: { target: '#nav.failed', actions } };
  };

  const nodeStates = (hopIndex: number, node: ProgramNode): Record<string, unknown> => {
    switch (node.kind) {
      case 'send':
        return { entry: write(node.output), always: { target: node.next } };
      case 'closed':
        return {
          on: { CLOSED: { target: node.next } },
          after: timeoutOf(hopIndex, node, [
            failAction(node, 'timeout', `still connected after ${node.timeoutMs} ms`, []),
          ]),
        };
      case 'prompt':
        return {
          always: [
            ...handlerTransitions(node, node.handlers, [node.match]),
            {
              guard: { type: 'promptAtCursor', params: { match: node.match } },
              target: node.next,
              actions: [{ type: 'clearBuffer' }, { type: 'arrived' }],
            },
          ],
          after: timeoutOf(hopIndex, node, [
            failAction(
              node,
              'timeout',
              `the prompt was not at the cursor within ${node.timeoutMs} ms`,
              [node.match],
            ),
          ]),
        };
      case 'wait': {
        const patterns = [
          ...node.alternatives.map((a) => a.match),
          ...node.handlers.map((h) => h.match),
        ];
        const awaited = node.alternatives.map((a) => a.match);
        return {
          always: [
            ...node.alternatives.map((alt, k) => ({
              guard: { type: 'earliest', params: { patterns, index: k } },
              target: alt.fail !== undefined ? '#nav.failed' : (alt.next ?? 'done'),
              actions: [
                { type: 'consume', params: { patterns } },
                ...(alt.fail !== undefined
                  ? [failAction(node, 'fail', alt.fail, awaited, alt.match)]
                  : []),
              ],
            })),
            ...handlerTransitions(node, node.handlers, awaited),
          ],
          after: timeoutOf(hopIndex, node, [
            failAction(node, 'timeout', `no match within ${node.timeoutMs} ms`, awaited),
          ]),
        };
      }
      case 'select':
        return selectStates(hopIndex, node);
    }
  };

  const selectStates = (hopIndex: number, node: ProgramNode & { kind: 'select' }) => {
    const menu = { line: node.line, item: node.item, pageEnd: node.pageEnd };
    const failed = (why: string) => ({
      target: '#nav.failed',
      actions: [{ type: 'selectFailed', params: { ...menu, label: node.label, why } }],
    });
    return {
      entry: [{ type: 'resetSelect' }],
      always: [
        ...handlerTransitions(node, node.handlers, [node.item]),
        {
          guard: { type: 'entryVisible', params: menu },
          target: node.next,
          actions: [{ type: 'choose', params: { ...menu, send: node.send } }, { type: 'wrote' }],
        },
        { guard: { type: 'pageRepeats', params: menu }, ...failed('the last page came again') },
        ...(node.nextPage
          ? [
              {
                guard: { type: 'pageDrawnBelow', params: { ...menu, maxPages: node.maxPages } },
                actions: [{ type: 'turnPage', params: menu }, ...write(node.nextPage)],
              },
            ]
          : []),
        {
          guard: { type: 'pageDrawn', params: menu },
          ...failed(
            node.nextPage
              ? `none in ${node.maxPages} page(s) (max_pages)`
              : 'not on the page (no next_page to turn it)',
          ),
        },
      ],
      after: timeoutOf(hopIndex, node, [
        {
          type: 'selectFailed',
          params: {
            ...menu,
            label: node.label,
            why: `not seen within ${node.timeoutMs} ms (a page counts as drawn when /${node.pageEnd}/ stands at the cursor)`,
            timeout: true,
          },
        },
      ]),
    };
  };

  const states: Record<string, unknown> = {};
  program.hops.forEach((hop, i) => {
    const sub: Record<string, unknown> = { done: { type: 'final' } };
    for (const node of hop.nodes) sub[node.id] = nodeStates(i, node);
    states[`hop${i + 1}`] = {
      initial: hop.first,
      states: sub,
      onDone: { target: i + 1 < program.hops.length ? `hop${i + 2}` : 'ready' },
    };
  });
  states.ready = { type: 'final' };
  states.failed = { type: 'final' };

  type Menu = { line: string; item: string; pageEnd: string };
  const entriesNow = (c: NavContext, p: Menu) => visibleEntries(c.screen, c.buffer, p.line);
  const drawn = (c: NavContext, p: Menu) =>
    c.fresh &&
    pageDrawn(c.screen, c.buffer, p.line, p.pageEnd) &&
    (c.rowsAtTurn === null || newPageArrived(c.screen, c.buffer, p.line, c.rowsAtTurn));
  const newLabels = (c: NavContext, p: Menu) =>
    labelsOf(entriesNow(c, p)).filter((l) => !c.seen.includes(l));

  return setup({
    types: {} as { context: NavContext; events: NavEvent; input: { screen?: ScreenView } },
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
        context.fresh && matchesAtEnd(context.screen.beforeCursor(), p.match),
      entryVisible: ({ context }, p: Menu) =>
        context.fresh &&
        entriesNow(context, p).some((e) => profileRegex(p.item).test(e.label ?? '')),
      pageRepeats: ({ context }, p: Menu) =>
        context.pages > 1 && drawn(context, p) && newLabels(context, p).length === 0,
      pageDrawnBelow: ({ context }, p: Menu & { maxPages: number }) =>
        context.pages < p.maxPages && drawn(context, p),
      pageDrawn: ({ context }, p: Menu) => drawn(context, p),
    },
    actions: {
      append: assign(({ context, event }) =>
        event.type === 'OUTPUT'
          ? { buffer: (context.buffer + event.text).slice(-MAX_BUFFER), fresh: true }
          : {},
      ),
      consume: assign(({ context }, p: { patterns: string[] }) => {
        const m = earliestMatch(context.buffer, p.patterns);
        return { buffer: m ? context.buffer.slice(m.end) : context.buffer };
      }),
      // Everything up to a prompt at the cursor belongs to the hop it ends.
      clearBuffer: assign({ buffer: '' }),
      arrived: sendTo('io', { type: 'ARRIVED' } satisfies IoCommand),
      fail: assign((_, p: { failure: Failure }) => ({ failure: p.failure })),
      write: sendTo('io', (_, p: { output: Output }): IoCommand => ({
        type: 'WRITE',
        output: p.output,
      })),
      wrote: assign({ fresh: false }),
      resetSelect: assign({ pages: 1, seen: [], rowsAtTurn: null }),
      choose: sendTo('io', ({ context }, p: Menu & { send: string }): IoCommand => {
        const entry =
          entriesNow(context, p).find((e) => profileRegex(p.item).test(e.label ?? '')) ?? {};
        const text = p.send.replace(
          /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
          (_, g: string) => entry[g] ?? '',
        );
        return { type: 'WRITE', output: { text: `${text}\r` } };
      }),
      turnPage: assign(({ context }, p: Menu) => {
        const seen = [...context.seen, ...newLabels(context, p)];
        // What the old page printed must not count as the next page being drawn.
        return {
          pages: context.pages + 1,
          seen,
          buffer: '',
          rowsAtTurn: entryRows(context.screen, p.line),
        };
      }),
      selectFailed: assign(
        ({ context }, p: Menu & { label: StepLabel; why: string; timeout?: boolean }) => {
          const seen = [...context.seen, ...newLabels(context, p)];
          const failure: Failure = {
            kind: p.timeout ? 'timeout' : 'select',
            label: p.label,
            patterns: [p.item],
            message: selectFailureText(p.item, p.why, seen),
          };
          return { failure };
        },
      ),
    },
    delays,
  }).createMachine({
    id: 'nav',
    context: ({ input }) => ({
      buffer: '',
      fresh: false,
      failure: null,
      pages: 1,
      seen: [],
      rowsAtTurn: null,
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
