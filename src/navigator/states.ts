// The walk's states, as xstate config built from a program: a state per hop, and in it a state
// per step. The guards and actions they name are the machine's (machine.ts).
import { askTimeoutMs, isAsk } from '../profiles/secrets.js';
import { formatMs } from '../profiles/duration.js';
import type { Handler } from '../profiles/types.js';
import type { Failure } from './machine.js';
import type { Output, Program, ProgramNode } from './program.js';

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

/** The states of every hop (and `ready`, `failed`) and the named timeout delays they use. */
export function buildStates(program: Program, handlerSecret: (h: Handler) => number) {
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
      // An answer does not start a new page: what was on the screen still counts.
      if (output)
        return {
          guard,
          actions: [
            { type: 'consume', params: { patterns } },
            { type: 'write', params: { output } },
            { type: 'answered' },
          ],
        };
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
    // A wait that only makes sure a line was taken goes on when it is over.
    if (node.kind === 'wait' && node.timeoutGoesOn)
      return { [delay]: { target: node.alternatives[0]?.next ?? 'done' } };
    return { [delay]: { target: '#nav.failed', actions } };
  };

  const nodeStates = (hopIndex: number, node: ProgramNode): Record<string, unknown> => {
    switch (node.kind) {
      case 'send': {
        const ref = 'secret' in node.output ? program.secrets[node.output.secret] : undefined;
        if (ref && isAsk(ref)) return askState(hopIndex, node, askTimeoutMs(ref));
        return { entry: write(node.output), always: { target: node.next } };
      }
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
              actions: [{ type: 'clearBuffer' }, { type: 'arrived', params: { hop: hopIndex } }],
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

  /**
   * A `{ ask }` secret: the io actor asks a person now (the gateway's prompt is on screen: an
   * OTP asked earlier could expire), the walk waits for the answer, bounded by the ask's timeout.
   */
  const askState = (hopIndex: number, node: ProgramNode & { kind: 'send' }, timeoutMs: number) => {
    const delay = `t${hopIndex}_${node.id}`;
    delays[delay] = timeoutMs;
    const secret = 'secret' in node.output ? node.output.secret : -1;
    return {
      entry: [{ type: 'ask', params: { secret, label: node.label, timeoutMs } }],
      on: {
        ANSWERED: { target: node.next, actions: write(node.output) },
        ASK_FAILED: {
          target: '#nav.failed',
          actions: [failAction(node, 'fail', 'the secret was not given', [])],
        },
      },
      after: {
        [delay]: {
          target: '#nav.failed',
          actions: [
            failAction(
              node,
              'timeout',
              `nobody gave the secret asked for within ${formatMs(timeoutMs)} (the ask's timeout): call again and enter it sooner, or raise \`timeout\` next to \`ask\``,
              [],
            ),
          ],
        },
      },
    };
  };

  const selectStates = (hopIndex: number, node: ProgramNode & { kind: 'select' }) => {
    const menu = { line: node.line, item: node.item, pageEnd: node.pageEnd };
    const failed = (why: string, timeout = false) => ({
      type: 'selectFailed',
      params: { ...menu, label: node.label, why, ...(timeout ? { timeout } : {}) },
    });
    return {
      entry: [{ type: 'resetSelect', params: menu }],
      always: [
        ...handlerTransitions(node, node.handlers, [node.item]),
        {
          guard: { type: 'entryVisible', params: menu },
          target: node.next,
          actions: [
            { type: 'choose', params: { ...menu, send: node.send } },
            { type: 'wrote' },
            { type: 'leaveSelect' },
          ],
        },
        {
          guard: { type: 'pageRepeats', params: menu },
          target: '#nav.failed',
          actions: [failed('the last page came again')],
        },
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
          target: '#nav.failed',
          actions: [
            failed(
              node.nextPage
                ? `none in ${node.maxPages} page(s) (max_pages)`
                : 'not on the page (no next_page to turn it)',
            ),
          ],
        },
      ],
      after: timeoutOf(hopIndex, node, [
        failed(
          `not seen within ${node.timeoutMs} ms (a page counts as drawn when /${node.pageEnd}/ stands at the cursor)`,
          true,
        ),
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

  return { states, delays };
}
