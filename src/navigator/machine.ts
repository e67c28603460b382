import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { Handler } from '../profiles/types.js';
import { earliestMatch, profileRegex } from './matcher.js';
import type { Output, Program, ProgramNode, StepLabel } from './program.js';

export interface Failure {
  kind: 'timeout' | 'fail' | 'closed' | 'select';
  /** The pattern that matched, when a `fail:` alternative or handler ended the walk. */
  matched?: string;
  label: StepLabel;
  patterns: string[];
  message: string;
}

export interface NavContext {
  /** Output not yet consumed by a match, escape sequences removed. */
  buffer: string;
  failure: Failure | null;
  /** select: pages looked at, and the entries seen on them (for the error). */
  pages: number;
  seen: string[];
}

export type NavEvent =
  { type: 'OUTPUT'; text: string } | { type: 'CLOSED' } | { type: 'SCREEN'; lines: string[] };

/** What the machine asks its `io` actor to do: the only side effects of a walk. */
export type IoCommand = { type: 'WRITE'; output: Output } | { type: 'SNAPSHOT' };

// Waits keep at most this much unconsumed output: a wait's pattern is expected near the end.
const MAX_BUFFER = 256 * 1024;

const patternsOf = (node: ProgramNode & { kind: 'wait' | 'select' }): string[] =>
  node.kind === 'wait'
    ? [...node.alternatives.map((a) => a.match), ...node.handlers.map((h) => h.match)]
    : node.handlers.map((h) => h.match);

function handlerOutput(h: Handler, secretIndex: (h: Handler) => number): Output | null {
  if (h.action.kind === 'send_text') return { text: `${h.action.text}\r` };
  if (h.action.kind === 'send_secret') return { secret: secretIndex(h), enter: true };
  return null;
}

/**
 * A page is drawn when rows of it arrived and then its end: the last line reads like the page's
 * prompt (`pageEnd`), not like a half-drawn row.
 */
function pageEndsAtPrompt(buffer: string, line: string, pageEnd: string): boolean {
  const lines = buffer.split('\n');
  const last = lines.pop() ?? '';
  return (
    menuEntries(lines, line).length > 0 &&
    profileRegex(pageEnd).test(last) &&
    menuEntries([last], line).length === 0
  );
}

/**
 * The lines to look for an entry in: the rendered screen (menus drawn with escape codes), and
 * the text that arrived since, which a screen snapshot taken a moment earlier may lack.
 */
function pageLines(screen: string[], buffer: string): string[] {
  return [...screen, ...buffer.split('\n')];
}

/** Entries of a menu page: the screen lines that match `line`, with their named groups. */
export function menuEntries(lines: string[], line: string): Record<string, string>[] {
  const re = profileRegex(line);
  return lines.flatMap((l) => {
    const m = re.exec(l);
    return m ? [{ ...m.groups }] : [];
  });
}

/**
 * The walk as an xstate machine: a state per hop, and in it a state per step. Waits are
 * eventless transitions guarded by "this pattern matches earliest in the buffer"; handlers are
 * transitions that answer and stay; timeouts are `after` delays. Side effects go through the
 * `io` actor only, so tests can `.provide()` another one and run on a simulated clock.
 */
export function buildMachine(program: Program, handlerSecret: (h: Handler) => number) {
  const delays: Record<string, number> = {};
  const nodeStates = (hopIndex: number, node: ProgramNode): Record<string, unknown> => {
    const fail = (
      kind: Failure['kind'],
      message: string,
      patterns: string[],
      matched?: string,
    ) => ({
      type: 'fail' as const,
      params: {
        failure: {
          kind,
          label: node.label,
          patterns,
          message,
          ...(matched === undefined ? {} : { matched }),
        } satisfies Failure,
      },
    });
    if (node.kind === 'send') {
      return {
        entry: [{ type: 'write', params: { output: node.output } }],
        always: { target: node.next },
      };
    }
    const patterns = patternsOf(node);
    const awaited = node.kind === 'wait' ? node.alternatives.map((a) => a.match) : [node.item];
    const delay = `t${hopIndex}_${node.id}`;
    delays[delay] = node.timeoutMs;
    const timeout = {
      [delay]: {
        target: '#nav.failed',
        actions: fail('timeout', `no match within ${node.timeoutMs} ms`, awaited),
      },
    };
    const handlerTransitions = node.handlers.map((h, j) => {
      const output = handlerOutput(h, handlerSecret);
      const index = (node.kind === 'wait' ? node.alternatives.length : 0) + j;
      return output
        ? {
            guard: { type: 'earliest', params: { patterns, index } },
            actions: [
              { type: 'consume', params: { patterns } },
              { type: 'write', params: { output } },
            ],
          }
        : {
            guard: { type: 'earliest', params: { patterns, index } },
            target: '#nav.failed',
            actions: fail(
              'fail',
              h.action.kind === 'fail' ? h.action.message : 'handler',
              awaited,
              h.match,
            ),
          };
    });
    if (node.kind === 'wait') {
      return {
        always: [
          ...node.alternatives.map((alt, k) => ({
            guard: { type: 'earliest', params: { patterns, index: k } },
            target: alt.fail !== undefined ? '#nav.failed' : (alt.next ?? 'done'),
            actions: [
              { type: 'consume', params: { patterns } },
              ...(alt.fail !== undefined ? [fail('fail', alt.fail, awaited, alt.match)] : []),
            ],
          })),
          ...handlerTransitions,
        ],
        after: timeout,
      };
    }
    // select: look at the rendered screen whenever output arrives; page on when the page is
    // drawn (output ends at a prompt) without the entry.
    return {
      entry: [{ type: 'resetSelect' }, { type: 'snapshot' }],
      always: handlerTransitions,
      on: {
        OUTPUT: { actions: [{ type: 'append' }, { type: 'snapshot' }] },
        SCREEN: [
          {
            guard: { type: 'entryFound', params: { line: node.line, item: node.item } },
            target: node.next,
            actions: [
              { type: 'choose', params: { line: node.line, item: node.item, send: node.send } },
            ],
          },
          {
            guard: {
              type: 'pageDrawn',
              params: {
                line: node.line,
                pageEnd: node.pageEnd,
                canPage: node.nextPage !== null,
                maxPages: node.maxPages,
              },
            },
            actions: [
              { type: 'turnPage', params: { line: node.line } },
              { type: 'sendPage', params: { output: node.nextPage } },
            ],
          },
          {
            guard: {
              type: 'pageDrawn',
              params: { line: node.line, pageEnd: node.pageEnd, canPage: false, maxPages: 0 },
            },
            target: '#nav.failed',
            actions: [
              {
                type: 'selectFailed',
                params: { label: node.label, item: node.item, line: node.line },
              },
            ],
          },
        ],
      },
      after: timeout,
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

  return setup({
    types: {} as { context: NavContext; events: NavEvent },
    actors: {
      // Replaced by the runner (and by tests): this one does nothing.
      io: fromCallback<IoCommand>(() => () => {}),
    },
    guards: {
      earliest: ({ context }: { context: NavContext }, p: { patterns: string[]; index: number }) =>
        earliestMatch(context.buffer, p.patterns)?.which === p.index,
      entryFound: (
        { context, event }: { context: NavContext; event: NavEvent },
        p: { line: string; item: string },
      ) =>
        event.type === 'SCREEN' &&
        menuEntries(pageLines(event.lines, context.buffer), p.line).some((e) =>
          profileRegex(p.item).test(e.label ?? ''),
        ),
      pageDrawn: (
        { context, event }: { context: NavContext; event: NavEvent },
        p: { line: string; pageEnd: string; canPage: boolean; maxPages: number },
      ) =>
        event.type === 'SCREEN' &&
        // Rows of this page arrived (not only the echo of what we typed), and then a prompt:
        // a last line that is not itself a (half-drawn) row.
        pageEndsAtPrompt(context.buffer, p.line, p.pageEnd) &&
        (p.maxPages === 0 || (p.canPage && context.pages < p.maxPages)),
    },
    actions: {
      append: assign(({ context, event }) => ({
        buffer:
          event.type === 'OUTPUT'
            ? (context.buffer + event.text).slice(-MAX_BUFFER)
            : context.buffer,
      })),
      consume: assign(({ context }, p: { patterns: string[] }) => {
        const m = earliestMatch(context.buffer, p.patterns);
        return { buffer: m ? context.buffer.slice(m.end) : context.buffer };
      }),
      fail: assign((_, p: { failure: Failure }) => ({ failure: p.failure })),
      write: sendTo('io', (_, p: { output: Output }): IoCommand => ({
        type: 'WRITE',
        output: p.output,
      })),
      snapshot: sendTo('io', { type: 'SNAPSHOT' } satisfies IoCommand),
      resetSelect: assign({ pages: 1, seen: [] }),
      choose: sendTo(
        'io',
        ({ context, event }, p: { line: string; item: string; send: string }): IoCommand => {
          const lines = event.type === 'SCREEN' ? pageLines(event.lines, context.buffer) : [];
          const entry =
            menuEntries(lines, p.line).find((e) => profileRegex(p.item).test(e.label ?? '')) ?? {};
          const text = p.send.replace(
            /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
            (_, g: string) => entry[g] ?? '',
          );
          return { type: 'WRITE', output: { text: `${text}\r` } };
        },
      ),
      turnPage: assign(({ context, event }, p: { line: string }) => ({
        pages: context.pages + 1,
        seen: [
          ...context.seen,
          ...(event.type === 'SCREEN'
            ? menuEntries(event.lines, p.line).map((e) => e.label ?? '')
            : []),
        ],
        // What the old page printed must not count as the next page being drawn.
        buffer: '',
      })),
      sendPage: sendTo('io', (_, p: { output: Output | null }): IoCommand => ({
        type: 'WRITE',
        output: p.output ?? { text: '' },
      })),
      selectFailed: assign(
        ({ context, event }, p: { label: StepLabel; item: string; line: string }) => {
          const here =
            event.type === 'SCREEN'
              ? menuEntries(event.lines, p.line).map((e) => e.label ?? '')
              : [];
          const seen = [...new Set([...context.seen, ...here])];
          const failure: Failure = {
            kind: 'select',
            label: p.label,
            patterns: [p.item],
            message: `no entry matching ${p.item} in ${context.pages} page(s); entries seen: ${seen.join(' | ') || 'none'}`,
          };
          return { failure };
        },
      ),
    },
    delays,
  }).createMachine({
    id: 'nav',
    context: { buffer: '', failure: null, pages: 1, seen: [] },
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
              label: { hop: '', hopIndex: -1, step: '', source: { file: '', line: 0, col: 0 } },
              patterns: [],
              message: 'the connection closed',
            },
        }),
      },
    },
    states: states as never,
  });
}
