import RandExp from 'randexp';
import { SimulatedClock, createActor, fromCallback } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { buildMachine, type IoCommand, type NavContext } from '../../src/navigator/machine.js';
import { earliestMatch } from '../../src/navigator/matcher.js';
import { buildModel, walkStateOf } from '../../src/navigator/model.js';
import { compileProgram, type Output, type Program } from '../../src/navigator/program.js';
import { Screen } from '../../src/terminal/screen.js';
import type { ResolvedProfile } from '../../src/profiles/types.js';
import { profilesFrom, shipped } from '../helpers/nav.js';

// Model-based tests: every simple path through a profile's actor-free model is replayed on the
// real walk machine (a fake gateway behind its io actor, a simulated clock for timeouts), and
// the machine must take exactly that path.

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return `${key}.${stateName(inner)}`;
}

/** A string the gateway prints so that alternative `k` matches first among `patterns`. */
function textFor(patterns: string[], k: number, before = ['\n', '~']): string | null {
  const gen = new RandExp(patterns[k] ?? '');
  gen.max = 3;
  let seed = 7;
  gen.randInt = (a, b) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return a + (seed % (b - a + 1));
  };
  for (let i = 0; i < 50; i++) {
    // On a line of its own or after other output: ^ and $ anchors are per line.
    for (const s of before.map((b) => `${b}${gen.gen()}`)) {
      if (earliestMatch(s, patterns)?.which === k) return s;
    }
  }
  return null;
}

function replayAll(profile: ResolvedProfile): { paths: number; replayed: number } {
  const program: Program = compileProgram(profile);
  const machine = buildMachine(program, () => 0);
  const { machine: model, events } = buildModel(program);
  const paths = getSimplePaths(model, { events }).filter((p) => p.state.status === 'done');
  let replayed = 0;
  for (const path of paths) {
    const writes: Output[] = [];
    const clock = new SimulatedClock();
    // The fake gateway's output goes to a real terminal too: prompts are judged on its screen.
    const screen = new Screen(80, 24, () => {});
    let send: (text: string) => void = () => {};
    const io = fromCallback<IoCommand>(({ sendBack, receive }) => {
      send = (text) => {
        screen.write(text);
        sendBack({ type: 'OUTPUT', text });
      };
      receive((cmd) => {
        if (cmd.type === 'WRITE') writes.push(cmd.output);
      });
      return () => {};
    });
    const actor = createActor(machine.provide({ actors: { io } }), { clock, input: { screen } });
    actor.start();
    const expectedWrites: Output[] = [];
    let ok = true;
    let at = stateName(createActor(model).getSnapshot().value);
    for (const step of path.steps) {
      const node = program.hops
        .flatMap((h, i) => h.nodes.map((n) => ({ n, key: `hop${i + 1}.${n.id}` })))
        .find((x) => x.key === walkStateOf(at))?.n;
      const type = step.event.type;
      if (type === 'SENT' && node?.kind === 'send') expectedWrites.push(node.output);
      else if (type.startsWith('ALT_') && node?.kind === 'wait') {
        const k = Number(type.slice(4));
        const patterns = [
          ...node.alternatives.map((a) => a.match),
          ...node.handlers.map((h) => h.match),
        ];
        const text = textFor(patterns, k);
        if (text === null) {
          ok = false;
          break;
        }
        send(`${text}\r\n`);
      } else if (type === 'PROMPT' && node?.kind === 'prompt') {
        // A prompt is printed on a line of its own and left at the cursor.
        const text = textFor([node.match], 0, ['\r\n']);
        if (text === null) {
          ok = false;
          break;
        }
        send(text);
      } else if (
        type.startsWith('HANDLER_FAIL_') &&
        (node?.kind === 'wait' || node?.kind === 'prompt')
      ) {
        const alternatives = node.kind === 'wait' ? node.alternatives.map((a) => a.match) : [];
        const patterns = [...alternatives, ...node.handlers.map((h) => h.match)];
        const text = textFor(
          patterns,
          alternatives.length + Number(type.slice('HANDLER_FAIL_'.length)),
        );
        if (text === null) {
          ok = false;
          break;
        }
        send(`${text}\r\n`);
      } else if (type === 'TIMEOUT' && node && node.kind !== 'send') {
        clock.increment(node.timeoutMs + 1);
      }
      at = stateName(step.state.value);
      if (!at.startsWith('hop') || node?.kind !== 'send') {
        // After a gateway event the machine rests where the model says (send steps are instant).
        const real = stateName(actor.getSnapshot().value);
        const expected = walkStateOf(at);
        const restsOnSend = program.hops.some((h, i) =>
          h.nodes.some((n) => n.kind === 'send' && `hop${i + 1}.${n.id}` === expected),
        );
        if (!restsOnSend) expect(real).toBe(expected);
      }
    }
    if (!ok) continue;
    replayed += 1;
    const end = actor.getSnapshot();
    expect(end.status).toBe('done');
    expect(stateName(end.value)).toBe(stateName(path.state.value));
    if (end.value === 'failed') expect((end.context as NavContext).failure).not.toBeNull();
    expect(writes).toEqual(expectedWrites);
    actor.stop();
    screen.dispose();
  }
  return { paths: paths.length, replayed };
}

describe('model-based: every path through a profile is taken correctly', () => {
  it.each(['cmsm', 'master-a', 'orders-pod', 'alpine-pod'])('lab profile %s', (name) => {
    const { paths, replayed } = replayAll(shipped.resolve(name));
    expect(paths).toBeGreaterThan(1);
    expect(replayed).toBe(paths);
  });

  it('a profile with then-branches, fail alternatives and fail handlers', () => {
    const registry = profilesFrom(`  branchy:
    connect: { host: h }
    timeout: 2s
    on: [{ match: 'Account locked', fail: 'locked out' }]
    hops:
      - name: login
        steps:
          - wait_for:
              - { match: 'OTP: $', then: [{ send_text: '123456' }, { wait_for: [{ match: 'ok$' }, { match: 'denied', fail: 'otp refused' }] }] }
              - { match: 'Opt> $' }
        prompt: 'Opt> $'
      - name: shell
        steps:
          - send_text: ssh db
          - wait_for:
              - { match: 'password: $', then: [{ send_secret: { env: PW } }] }
              - { match: 'Last login' }
        prompt: '\\$ $'
`);
    const { paths, replayed } = replayAll(registry.resolve('branchy'));
    expect(paths).toBeGreaterThanOrEqual(10);
    expect(replayed).toBe(paths);
  });
});
