import { createMachine } from 'xstate';
import type { Program, ProgramNode } from './program.js';

// An actor-free model of a walk, for path generation with xstate/graph (its traversal refuses
// machines that invoke actors or use delays). Events name what the gateway does: SENT (a send
// step ran), ALT_k (the k-th alternative matched first), PROMPT (the hop's prompt stands at the
// cursor), TIMEOUT, HANDLER_FAIL_j.

export type ModelEvent = { type: string };

/** The model state of a node: `hop2__s3` (xstate reads dots in keys as paths). */
export function modelKey(hopIndex: number, nodeId: string): string {
  return `hop${hopIndex + 1}__${nodeId}`;
}

/** The walk machine's state name for a model state: `hop2__s3` -> `hop2.s3`. */
export function walkStateOf(modelState: string): string {
  return modelState.replace('__', '.');
}

export function buildModel(program: Program) {
  const states: Record<string, unknown> = { ready: { type: 'final' }, failed: { type: 'final' } };
  const events = new Set<string>();
  const target = (hopIndex: number, next: string) =>
    next !== 'done'
      ? modelKey(hopIndex, next)
      : hopIndex + 1 < program.hops.length
        ? firstOf(hopIndex + 1)
        : 'ready';
  const firstOf = (hopIndex: number): string => {
    const hop = program.hops[hopIndex];
    return hop ? target(hopIndex, hop.first) : 'ready';
  };
  program.hops.forEach((hop, h) => {
    for (const node of hop.nodes) {
      const on: Record<string, string> = {};
      const add = (type: string, to: string) => {
        events.add(type);
        on[type] = to;
      };
      addTransitions(node, h, add, target);
      states[modelKey(h, node.id)] = { on };
    }
  });
  const machine = createMachine({ id: 'model', initial: firstOf(0), states: states as never });
  return { machine, events: [...events].map((type) => ({ type })) };
}

function addTransitions(
  node: ProgramNode,
  h: number,
  add: (type: string, to: string) => void,
  target: (hopIndex: number, next: string) => string,
): void {
  if (node.kind === 'send') return add('SENT', target(h, node.next));
  if (node.kind === 'select') {
    add('FOUND', target(h, node.next));
    add('TIMEOUT', 'failed');
    return;
  }
  if (node.kind === 'closed') {
    add('CLOSED', target(h, node.next));
    add('TIMEOUT', 'failed');
    return;
  }
  if (node.kind === 'prompt') add('PROMPT', target(h, node.next));
  else
    node.alternatives.forEach((alt, k) =>
      add(`ALT_${k}`, alt.fail !== undefined ? 'failed' : target(h, alt.next ?? 'done')),
    );
  node.handlers.forEach((hd, j) => {
    if (hd.action.kind === 'fail') add(`HANDLER_FAIL_${j}`, 'failed');
  });
  const goesOn = node.kind === 'wait' && node.timeoutGoesOn;
  add('TIMEOUT', goesOn ? target(h, node.alternatives[0]?.next ?? 'done') : 'failed');
}
