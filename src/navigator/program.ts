import type {
  Handler,
  KeyName,
  ResolvedProfile,
  SecretRef,
  SourceRef,
  Step,
} from '../profiles/types.js';

// A profile as a flat program of states, one per step (then-steps included), grouped by hop.
// The xstate machine and the Mermaid graph are both built from it.

export const KEYS: Record<KeyName, string> = {
  'ctrl-c': '\x03',
  'ctrl-d': '\x04',
  'ctrl-z': '\x1a',
  'ctrl-\\': '\x1c',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  space: ' ',
  backspace: '\x7f',
  home: '\x1b[H',
  end: '\x1b[F',
  pageup: '\x1b[5~',
  pagedown: '\x1b[6~',
};

export interface StepLabel {
  hop: string;
  hopIndex: number;
  /** "step 2 (wait_for)", "prompt", "step 3, then 1 (send_text)". */
  step: string;
  source: SourceRef;
}

/**
 * What a send step types. `leaving`: the hop's exit — from then on until the hop below shows
 * its prompt, the terminal's answers to queries are dropped (they belong to the hop left).
 */
export type Output = { text: string; leaving?: true } | { secret: number; enter: boolean };

export type ProgramNode =
  | { id: string; kind: 'send'; output: Output; next: string; label: StepLabel }
  | {
      id: string;
      kind: 'wait';
      alternatives: { match: string; next: string | null; fail?: string }[];
      handlers: Handler[];
      timeoutMs: number;
      /** At the timeout, go on (to the first alternative's next) instead of failing. */
      timeoutGoesOn?: boolean;
      label: StepLabel;
    }
  | {
      id: string;
      kind: 'select';
      line: string;
      item: string;
      send: string;
      nextPage: Output | null;
      maxPages: number;
      pageEnd: string;
      handlers: Handler[];
      timeoutMs: number;
      next: string;
      label: StepLabel;
    }
  | {
      /** The hop is reached: its prompt stands at the cursor (the rendered screen). */
      id: string;
      kind: 'prompt';
      match: string;
      handlers: Handler[];
      timeoutMs: number;
      next: string;
      label: StepLabel;
    }
  | {
      /** Leaving the first hop: the connection closes. */
      id: string;
      kind: 'closed';
      timeoutMs: number;
      next: string;
      label: StepLabel;
    };

export interface HopProgram {
  name: string;
  nodes: ProgramNode[];
  /** The first node's id ('done' when the hop has nothing to do). */
  first: string;
}

export interface Program {
  hops: HopProgram[];
  /** Distinct secrets the walk types, by index (resolved when the session opens). */
  secrets: SecretRef[];
}

/** Compiles a resolved profile into a program; the walk follows it, the graph draws it. */
export function compileProgram(profile: ResolvedProfile): Program {
  const secrets: SecretRef[] = [];
  const secretIndex = (ref: SecretRef) => {
    const key = JSON.stringify(ref);
    const found = secrets.findIndex((s) => JSON.stringify(s) === key);
    if (found >= 0) return found;
    secrets.push(ref);
    return secrets.length - 1;
  };
  const hops = profile.hops.map((hop, hopIndex): HopProgram => {
    const handlers = [...profile.on, ...hop.on];
    const nodes: ProgramNode[] = [];
    const label = (step: string, source: SourceRef): StepLabel => ({
      hop: hop.name,
      hopIndex,
      step,
      source,
    });
    const emit = (
      steps: Step[],
      prefix: string,
      describe: (i: number) => string,
      after: string,
    ): string => {
      const ids = steps.map((_, i) => `${prefix}${i + 1}`);
      steps.forEach((step, i) => {
        const id = ids[i] as string;
        const next = ids[i + 1] ?? after;
        const l = label(`${describe(i)} (${step.kind})`, step.source);
        switch (step.kind) {
          case 'send_text':
            nodes.push({
              id,
              kind: 'send',
              output: { text: step.text + (step.enter ? '\r' : '') },
              next,
              label: l,
            });
            break;
          case 'send_secret':
            nodes.push({
              id,
              kind: 'send',
              output: { secret: secretIndex(step.secret), enter: step.enter },
              next,
              label: l,
            });
            break;
          case 'send_keys':
            nodes.push({
              id,
              kind: 'send',
              output: { text: step.keys.map((k) => KEYS[k]).join('') },
              next,
              label: l,
            });
            break;
          case 'wait_for':
            nodes.push({
              id,
              kind: 'wait',
              alternatives: step.alternatives.map((alt, k) => ({
                match: alt.match,
                ...(alt.fail === undefined ? {} : { fail: alt.fail }),
                next:
                  alt.fail !== undefined
                    ? null
                    : emit(
                        alt.then,
                        `${id}_a${k + 1}_`,
                        (m) => `${describe(i)}, then ${m + 1}`,
                        next,
                      ),
              })),
              handlers,
              timeoutMs: step.timeoutMs,
              label: l,
            });
            break;
          case 'select':
            nodes.push({
              id,
              kind: 'select',
              line: step.line,
              item: step.item,
              send: step.send,
              nextPage: !step.nextPage
                ? null
                : step.nextPage.kind === 'send_text'
                  ? { text: `${step.nextPage.text}\r` }
                  : { text: step.nextPage.keys.map((k) => KEYS[k as KeyName] ?? k).join('') },
              maxPages: step.maxPages,
              pageEnd: step.pageEnd,
              handlers,
              timeoutMs: step.timeoutMs,
              next,
              label: l,
            });
            break;
        }
      });
      return ids[0] ?? after;
    };
    const hasPrompt = hop.prompt !== null;
    const first = emit(hop.steps, 's', (i) => `step ${i + 1}`, hasPrompt ? 'prompt' : 'done');
    if (hop.prompt !== null) {
      nodes.push({
        id: 'prompt',
        kind: 'prompt',
        match: hop.prompt,
        handlers,
        timeoutMs: profile.timeoutMs,
        next: 'done',
        label: label('prompt', hop.source),
      });
    }
    return { name: hop.name, nodes, first };
  });
  return { hops, secrets };
}
