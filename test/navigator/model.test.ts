import RandExp from 'randexp';
import { SimulatedClock, createActor, fromCallback } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { buildMachine, type IoCommand, type NavContext } from '../../src/navigator/machine.js';
import { earliestMatch } from '../../src/navigator/matcher.js';
import { buildModel, walkStateOf } from '../../src/navigator/model.js';
import { compileLeave } from '../../src/navigator/leave.js';
import {
  compileProgram,
  type Output,
  type Program,
  type ProgramNode,
} from '../../src/navigator/program.js';
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

/** What the fake gateway prints for a model event at a node; null when it cannot make one. */
function gatewayText(node: ProgramNode | undefined, type: string): string | null {
  if (!node) return null;
  if (type.startsWith('ALT_') && node.kind === 'wait') {
    const patterns = [
      ...node.alternatives.map((a) => a.match),
      ...node.handlers.map((h) => h.match),
    ];
    const text = textFor(patterns, Number(type.slice(4)));
    return text === null ? null : `${text}\r\n`;
  }
  // A prompt is printed on a line of its own and left at the cursor.
  if (type === 'PROMPT' && node.kind === 'prompt') return textFor([node.match], 0, ['\r\n']);
  if (type === 'FOUND' && node.kind === 'select' && node.line === SELECT_LINE) {
    const label = new RandExp(node.item).gen();
    return label ? `\r\n7) other\r\n1) ${label}\r\nChoose> ` : null;
  }
  if (type.startsWith('HANDLER_FAIL_') && (node.kind === 'wait' || node.kind === 'prompt')) {
    const alternatives = node.kind === 'wait' ? node.alternatives.map((a) => a.match) : [];
    const patterns = [...alternatives, ...node.handlers.map((h) => h.match)];
    const text = textFor(
      patterns,
      alternatives.length + Number(type.slice('HANDLER_FAIL_'.length)),
    );
    return text === null ? null : `${text}\r\n`;
  }
  return null;
}

const SELECT_LINE = '(?<key>\\d+)\\) (?<label>\\S+)';

function replayAll(program: Program, echo = true): { paths: number; replayed: number } {
  const machine = buildMachine(program, () => 0);
  const { machine: model, events } = buildModel(program);
  const paths = getSimplePaths(model, { events }).filter((p) => p.state.status === 'done');
  let replayed = 0;
  for (const path of paths) {
    const writes: Output[] = [];
    const clock = new SimulatedClock();
    // The fake gateway's output goes to a real terminal too: prompts and menus are judged on
    // its screen. It echoes what is typed, as a terminal does (secrets excepted).
    const screen = new Screen(80, 24, () => {});
    let send: (text: string) => void = () => {};
    let close: () => void = () => {};
    const io = fromCallback<IoCommand>(({ sendBack, receive }) => {
      send = (text) => {
        screen.write(text);
        sendBack({ type: 'OUTPUT', text });
      };
      close = () => sendBack({ type: 'CLOSED' });
      receive((cmd) => {
        if (cmd.type !== 'WRITE') return;
        writes.push(cmd.output);
        if (echo && 'text' in cmd.output) send(cmd.output.text.replaceAll('\r', '\r\n'));
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
      else if (type === 'TIMEOUT' && node && node.kind !== 'send')
        clock.increment(node.timeoutMs + 1);
      else if (type === 'CLOSED') close();
      else if (type === 'xstate.init') continue;
      else {
        const text = gatewayText(node, type);
        if (text === null) {
          ok = false;
          break;
        }
        if (type === 'FOUND' && node?.kind === 'select')
          expectedWrites.push({ text: `${node.send.replace('${key}', '1')}\r` });
        send(text);
      }
      at = stateName(step.state.value);
      // The machine rests where the model says (a send step passes at once): a hop whose
      // prompt reads like the last one's is not reached before its own prompt came.
      const expected = walkStateOf(at);
      const restsOnSend = program.hops.some((h, i) =>
        h.nodes.some((n) => n.kind === 'send' && `hop${i + 1}.${n.id}` === expected),
      );
      if (!restsOnSend) expect(stateName(actor.getSnapshot().value)).toBe(expected);
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

const walkOf = (profile: ResolvedProfile) => replayAll(compileProgram(profile));

describe('model-based: every path through a profile is taken correctly', () => {
  it.each(['cmsm', 'master-a', 'orders-pod', 'alpine-pod'])('lab profile %s', (name) => {
    const { paths, replayed } = walkOf(shipped.resolve(name));
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
    const { paths, replayed } = walkOf(registry.resolve('branchy'));
    expect(paths).toBeGreaterThanOrEqual(10);
    expect(replayed).toBe(paths);
  });

  it('hops whose prompts read alike, and a select: each waits for its own output', () => {
    const registry = profilesFrom(`  alike:
    connect: { host: h }
    timeout: 2s
    hops:
      - { name: a, prompt: '\\$ $' }
      - name: jump
        steps: [{ send_text: ssh jump }]
        prompt: '\\$ $'
      - name: menu
        steps: [{ send_text: hosts }]
        prompt: 'Choose> $'
      - name: b
        steps: [{ select: { line: '${SELECT_LINE}', item: '^db-\\d$', send: '\${key}' } }]
        prompt: '\\$ $'
`);
    const { paths, replayed } = walkOf(registry.resolve('alike'));
    expect(paths).toBeGreaterThanOrEqual(4);
    expect(replayed).toBe(paths);
  });

  it('leaving into a hop without a prompt: its exit line, or a moment, then the next exit', () => {
    const registry = profilesFrom(`  noprompt:
    connect: { host: h }
    timeout: 2s
    hops:
      - { name: menu, steps: [{ wait_for: 'Opt> $' }], exit: q }
      - { name: host, steps: [{ send_text: ssh h }], prompt: '\\$ $', shell: posix, exit: exit }
`);
    const profile = registry.resolve('noprompt');
    // A gateway that does not echo: the line feed comes from it, or nothing does.
    const { paths, replayed } = replayAll(compileLeave(profile, 1, 0), false);
    expect(paths).toBeGreaterThanOrEqual(2);
    expect(replayed).toBe(paths);
  });

  it.each(['orders-pod', 'alpine-pod'])(
    'leaving %s: every path, down to the connection',
    (name) => {
      const profile = shipped.resolve(name, { lab_port: 2222 });
      const { paths, replayed } = replayAll(compileLeave(profile, profile.hops.length - 1, 0));
      expect(paths).toBeGreaterThan(1);
      expect(replayed).toBe(paths);
    },
  );
});
