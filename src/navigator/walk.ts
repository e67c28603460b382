import { createActor, fromCallback } from 'xstate';
import { GatewalkError } from '../errors.js';
import {
  askLabel,
  askWhere,
  describeSecret,
  isAsk,
  noAskerError,
  resolveSecret,
  type SecretContext,
} from '../profiles/secrets.js';
import { markTotpUsed, totp } from '../secrets/totp.js';
import type { Handler, ResolvedProfile } from '../profiles/types.js';
import type { Pty } from '../terminal/pty.js';
import {
  buildMachine,
  type Failure,
  type IoCommand,
  type NavContext,
  type NavEvent,
} from './machine.js';
import { compileProgram, type Output, type Program, type ProgramNode } from './program.js';

export interface TraceEntry {
  /** Milliseconds since the walk started. */
  t: number;
  /** The state entered, e.g. "hop2.s3" or "ready". */
  state: string;
}

export interface HopTiming {
  name: string;
  /** When the hop started, in ms since the walk started. */
  at: number;
  ms: number;
}

export interface WalkResult {
  hops: HopTiming[];
  trace: TraceEntry[];
  /** Output after the last prompt that no wait consumed. */
  leftover: string;
  /**
   * Each hop's prompt as it stood at the cursor when the hop was reached (its line up to the
   * cursor), by program hop; null for hops without a prompt. Tells apart hops whose prompt
   * regexes would both match a line.
   */
  prompts: (string | null)[];
  ms: number;
  /** The clock reading (options.now, performance.now by default) when the walk started. */
  startedAt: number;
}

export interface WalkProgress {
  hop: number;
  hops: number;
  name: string;
  /** What the walk now waits for, if it waits. */
  waitingFor?: string[];
}

/** A walk that went wrong: where, waiting for what, for how long, and the screen (redacted). */
export class WalkError extends GatewalkError {
  constructor(
    message: string,
    readonly failure: Failure,
    readonly screen: string,
    readonly elapsedMs: number,
    readonly trace: TraceEntry[],
  ) {
    super(failure.kind === 'timeout' ? 'walk_timeout' : 'walk_failed', message);
  }
}

/** What a waiting node waits for, as the progress line and errors show it. */
function awaitedBy(n: ProgramNode): string[] {
  if (n.kind === 'wait') return n.alternatives.map((a) => a.match);
  if (n.kind === 'select') return [n.item];
  if (n.kind === 'prompt') return [n.match];
  return [];
}

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, inner] = Object.entries(value)[0] ?? ['?', ''];
    return `${key}.${stateName(inner)}`;
  }
  return String(value);
}

import { redact } from '../util/redact.js';

export { redact, redacter } from '../util/redact.js';

export interface WalkOptions {
  secrets?: SecretContext;
  onProgress?: (p: WalkProgress) => void;
  /** Read the clock (tests may simulate it). */
  now?: () => number;
  /** Drop text that arrived before the walk (leaving a hop: it belongs to the hop as it was). */
  freshText?: boolean;
}

/** Compiles the profile and resolves the secrets its walk types. */
export function prepareWalk(profile: ResolvedProfile, ctx?: SecretContext) {
  const program = compileProgram(profile);
  // A walk that asks a person where nothing can ask fails before connecting.
  if (!ctx?.ask) {
    const asking = askingStep(program);
    if (asking) return Promise.reject(noAskerError(askWhere({ ...asking, profile: profile.name })));
  }
  return prepareProgram(program, ctx);
}

export type PreparedProgram = Awaited<ReturnType<typeof prepareProgram>>;

/** Builds a program's machine and resolves the secrets it types (handlers' answers too). */
export async function prepareProgram(program: Program, ctx?: SecretContext) {
  const handlerIndex = new Map<Handler, number>();
  const machine = buildMachine(program, (h) => {
    if (h.action.kind !== 'send_secret') return -1;
    const known = handlerIndex.get(h);
    if (known !== undefined) return known;
    program.secrets.push(h.action.secret);
    handlerIndex.set(h, program.secrets.length - 1);
    return program.secrets.length - 1;
  });
  // Read every secret before connecting (a missing one fails fast), but compute TOTP codes
  // when they are typed: a code read early can go stale on a 30 s boundary. Asked secrets are
  // asked when their step is reached (walk below).
  const secrets = await Promise.all(
    program.secrets.map(async (ref): Promise<() => string> => {
      if (isAsk(ref))
        return () => {
          throw new GatewalkError('walk_failed', 'an asked secret was typed before it was given');
        };
      if ('totp' in ref) {
        const seed = await resolveSecret(ref.totp, ctx);
        const code = (now = (ctx?.now ?? Date.now)()) => {
          try {
            return totp(seed, now);
          } catch {
            throw new GatewalkError(
              'secret_unavailable',
              `TOTP seed from ${describeSecret(ref.totp)} is not valid base32`,
            );
          }
        };
        code();
        // Typed now: this step's code is spent (RFC 6238 §5.2), for every walk of this server.
        return () => {
          const now = (ctx?.now ?? Date.now)();
          const typed = code(now);
          markTotpUsed(seed, now);
          return typed;
        };
      }
      const value = await resolveSecret(ref, ctx);
      return () => value;
    }),
  );
  return { program, machine, secrets, ask: ctx?.ask };
}

/** The first step that asks a person for its secret, with where it is; null when none does. */
function askingStep(program: Program) {
  for (const hop of program.hops)
    for (const n of hop.nodes) {
      if (n.kind !== 'send' || !('secret' in n.output)) continue;
      const ref = program.secrets[n.output.secret];
      if (ref && isAsk(ref)) return n.label;
    }
  return null;
}

/**
 * Walks a profile's hops over an open PTY: the machine decides, this function does the I/O
 * (writes, screen snapshots) through the machine's `io` actor and reports the outcome.
 */
export async function walk(
  profile: ResolvedProfile,
  pty: Pty,
  prepared: PreparedProgram,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const { program, machine, secrets } = prepared;
  // Every secret value typed during the walk, for redaction.
  const secretValues: string[] = [];
  // Asked secrets as given for this walk, by program secret; and why asking failed, if it did.
  const answers = new Map<number, string>();
  let askError: unknown = null;
  const asking = new Set<AbortController>();
  const now = options.now ?? (() => performance.now());
  const started = now();
  const trace: TraceEntry[] = [];
  const hopStarts: number[] = [];
  const prompts: (string | null)[] = program.hops.map(() => null);
  const render = (o: Output) => {
    if (!('secret' in o)) return o.text;
    const value = answers.get(o.secret) ?? secrets[o.secret]?.() ?? '';
    secretValues.push(value);
    return value + (o.enter ? '\r' : '');
  };

  const io = fromCallback<IoCommand>(({ sendBack, receive }) => {
    // What came before the walk was taken as its input (below): only new text from here on.
    const offText = pty.onText((text) => sendBack({ type: 'OUTPUT', text } satisfies NavEvent), {
      fresh: true,
    });
    const onClose = () => sendBack({ type: 'CLOSED' } satisfies NavEvent);
    pty.once('close', onClose);
    if (pty.closed) onClose();
    receive((cmd) => {
      if (cmd.type === 'ASK') {
        const ref = program.secrets[cmd.secret];
        const ask = prepared.ask;
        const where = askWhere({ ...cmd.label, profile: profile.name });
        // Checked before connecting (prepareWalk); a program prepared otherwise fails here.
        if (!ask || !ref || !isAsk(ref)) {
          askError = noAskerError(where);
          sendBack({ type: 'ASK_FAILED' } satisfies NavEvent);
          return;
        }
        const controller = new AbortController();
        asking.add(controller);
        ask({
          profile: profile.name,
          hop: cmd.label.hop,
          step: cmd.label.step,
          source: cmd.label.source,
          label: askLabel(ref),
          timeoutMs: cmd.timeoutMs,
          signal: controller.signal,
        }).then(
          (value) => {
            asking.delete(controller);
            if (controller.signal.aborted) return;
            if (value === '') {
              askError = new GatewalkError(
                'secret_unavailable',
                `${where}: the secret given was empty`,
              );
              sendBack({ type: 'ASK_FAILED' } satisfies NavEvent);
              return;
            }
            answers.set(cmd.secret, value);
            sendBack({ type: 'ANSWERED' } satisfies NavEvent);
          },
          (err: unknown) => {
            asking.delete(controller);
            if (controller.signal.aborted) return;
            askError = err;
            sendBack({ type: 'ASK_FAILED' } satisfies NavEvent);
          },
        );
        return;
      }
      if (cmd.type === 'ARRIVED') {
        pty.arrived();
        prompts[cmd.hop] = pty.screen.beforeCursor(1);
        return;
      }
      if ('leaving' in cmd.output) pty.leaving();
      pty.write(render(cmd.output), { secret: 'secret' in cmd.output });
    });
    return () => {
      offText();
      pty.off('close', onClose);
      // The walk stopped waiting (the ask's timeout, a closed connection): the asks end too.
      for (const c of asking) c.abort();
      asking.clear();
    };
  });

  // Text that arrived before the walk (a banner) is read before its first step types anything;
  // leaving drops it (it belongs to the hop as it was).
  const before = pty.takeBacklog();
  const actor = createActor(machine.provide({ actors: { io } }), {
    input: { screen: pty.screen, text: options.freshText ? '' : before },
  });
  const waitNodes = new Map<string, string[]>(
    program.hops.flatMap((h, i) =>
      h.nodes.flatMap((n) =>
        n.kind === 'send' || n.kind === 'closed'
          ? []
          : [[`hop${i + 1}.${n.id}`, awaitedBy(n)] as const],
      ),
    ),
  );
  const finished = new Promise<{ value: unknown; context: NavContext }>((resolve, reject) => {
    let last = '';
    actor.subscribe({
      error: (err) =>
        reject(
          new GatewalkError(
            'walk_failed',
            `profile "${profile.name}": the walk stopped on an internal error: ${err instanceof Error ? err.message : String(err)}`,
          ),
        ),
      next: (snapshot) => {
        const state = stateName(snapshot.value);
        if (state !== last) {
          last = state;
          const t = Math.round((now() - started) * 1000) / 1000;
          trace.push({ t, state });
          const hop = /^hop(\d+)\./.exec(state);
          if (hop) {
            const index = Number(hop[1]) - 1;
            hopStarts[index] ??= t;
            const waitingFor = waitNodes.get(state);
            options.onProgress?.({
              hop: index + 1,
              hops: program.hops.length,
              name: program.hops[index]?.name ?? '',
              ...(waitingFor ? { waitingFor: [...waitingFor] } : {}),
            });
          }
        }
        if (snapshot.status === 'done')
          resolve({ value: snapshot.value, context: snapshot.context as NavContext });
      },
    });
  });
  actor.start();
  const end = await finished;
  const ms = now() - started;
  actor.stop();
  // The asker's own error (declined, cannot ask) says best what happened; it names the step.
  if (askError !== null && end.context.failure?.kind === 'fail') throw askError;
  if (end.value !== 'ready' || end.context.failure) {
    throw await walkError(profile, program, pty, end.context.failure, ms, trace, secretValues);
  }
  const hops = program.hops.map((h, i) => ({
    name: h.name,
    at: hopStarts[i] ?? 0,
    ms: Math.round(((hopStarts[i + 1] ?? ms) - (hopStarts[i] ?? 0)) * 1000) / 1000,
  }));
  return { hops, trace, leftover: end.context.buffer, prompts, ms, startedAt: started };
}

async function walkError(
  profile: ResolvedProfile,
  program: Program,
  pty: Pty,
  failure: Failure | null,
  ms: number,
  trace: TraceEntry[],
  secrets: string[],
): Promise<WalkError> {
  const f: Failure = failure ?? {
    kind: 'closed',
    label: { hop: '', hopIndex: -1, step: '', source: { file: '', line: 0, col: 0 } },
    patterns: [],
    message: 'the walk stopped',
  };
  const lastState = trace.at(-2)?.state ?? '';
  const hopIndex =
    f.label.hopIndex >= 0 ? f.label.hopIndex : Number(/^hop(\d+)/.exec(lastState)?.[1] ?? 1) - 1;
  const hopName = f.label.hop || program.hops[hopIndex]?.name || '?';
  const where = f.label.source.file
    ? ` at ${f.label.source.file}:${f.label.source.line}:${f.label.source.col}`
    : '';
  const step = f.label.step ? `, ${f.label.step}` : '';
  const screen = redact(pty.screen.text(), secrets);
  const message = [
    `profile "${profile.name}", hop "${hopName}" (${hopIndex + 1}/${program.hops.length})${step}${where}: ${f.message}`,
    ...(f.patterns.length > 0
      ? [`waiting for: ${f.patterns.map((p) => `/${p}/`).join(' or ')}`]
      : []),
    ...(f.matched === undefined ? [] : [`matched: /${f.matched}/`]),
    `after ${Math.round(ms)} ms`,
    'screen:',
    ...screen.split('\n').map((l) => `  | ${l}`),
  ].join('\n');
  return new WalkError(message, f, screen, ms, trace);
}
