// Colour and a spinner on a terminal, the plain lines everywhere else (pipes, CI logs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/server.js';
import { runRunCommand } from '../src/cli/nav-commands.js';
import { CLEAR_LINE, Style, colorEnabled } from '../src/cli/style.js';
import { collectingIo } from './helpers/io.js';
import { labOnFreePort } from './helpers/lab.js';

let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());

/* eslint-disable no-control-regex -- the escape codes are what these tests look at */
const ESC = /\x1b/;

/** A stand-in for process.stderr: everything written to it and to io.err, in order. */
function fakeStderr(isTTY: boolean) {
  const log: string[] = [];
  let wrote: (() => void) | null = null;
  const stream = {
    isTTY,
    write: (text: string) => {
      log.push(text);
      wrote?.();
      return true;
    },
  };
  /** Resolves at the next write (event-driven: the spinner's next frame). */
  const nextWrite = () => new Promise<void>((resolve) => (wrote = resolve));
  return { stream, log, nextWrite };
}

async function run(isTTY: boolean, env: Record<string, string>, args: string[]) {
  const t = collectingIo();
  const fake = fakeStderr(isTTY);
  t.io.stderr = fake.stream;
  t.io.env = env;
  t.io.err = (line) => fake.log.push(`${line}\n`);
  const code = await runRunCommand(args, t.io);
  return { code, out: t.out.join(''), err: fake.log.join('') };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('colour', () => {
  it('follows the TTY, NO_COLOR, FORCE_COLOR and TERM=dumb', () => {
    const tty = { isTTY: true, write: () => true };
    const pipe = { isTTY: false, write: () => true };
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(undefined, {})).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    // https://no-color.org: set and not empty.
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });

  it('run: plain lines exactly as before where stderr is no TTY, no escape code', async () => {
    const r = await run(false, {}, ['orders-pod', '-p', `lab_port=${lab.port}`, '--', 'echo hi']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('hi\n');
    expect(r.err).not.toMatch(ESC);
    const lines = r.err.trimEnd().split('\n');
    expect(lines.slice(0, 3).map((l) => l.replace(/\(\d+\.\d s\)$/, '(N s)'))).toEqual([
      'gatewalk: [1/3] menu… (N s)',
      'gatewalk: [2/3] master… (N s)',
      'gatewalk: [3/3] pod… (N s)',
    ]);
    expect(lines[3]).toMatch(
      /^gatewalk: orders-pod open in \d+ ms \(menu \d+ ms, master \d+ ms, pod \d+ ms\)$/,
    );
  });

  it('run on a TTY: hop names bold, times dim, open green, errors red; NO_COLOR: none', async () => {
    const args = ['orders-pod', '-p', `lab_port=${lab.port}`, '--', 'echo hi'];
    const tty = await run(true, {}, args);
    expect(tty.out).toBe('hi\n');
    expect(tty.err).toContain('gatewalk: [1/3] \x1b[1mmenu\x1b[0m… \x1b[2m(');
    expect(tty.err).toMatch(/gatewalk: \x1b\[32morders-pod open\x1b\[0m in \d+ ms \x1b\[2m\(/);
    const failed = await run(true, {}, ['no-such-profile', '--', 'true']);
    expect(failed.code).toBe(255);
    expect(failed.err).toMatch(/^\x1b\[31mgatewalk: .*no-such-profile.*\x1b\[0m\n$/s);

    const plain = await run(true, { NO_COLOR: '1' }, args);
    expect(plain.err).toMatch(/^gatewalk: \[1\/3\] menu… \(\d+\.\d s\)\n/);
    expect(plain.err).not.toMatch(ESC);
    expect((await run(true, { NO_COLOR: '1' }, ['no-such-profile', '--', 'true'])).err).not.toMatch(
      ESC,
    );
  });
});

describe('the spinner', () => {
  it('redraws one line in place, is erased before any other line, and leaves no timer', async () => {
    const fake = fakeStderr(true);
    const style = new Style(fake.stream, {}, (line) => fake.log.push(`${line}\n`));
    const before = timers();
    style.spin(() => '[2/3] master…');
    expect(style.spinning).toBe(true);
    // Display only: its timer never keeps the process alive.
    expect(timers()).toBe(before);
    // Its first frame comes once the wait has lasted 300 ms; then another.
    await fake.nextWrite();
    await fake.nextWrite();
    const frames = fake.log.filter((w) => w.startsWith(CLEAR_LINE));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toMatch(/^\r\x1b\[K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \[2\/3\] master… \x1b\[2m0\.\d s\x1b\[0m$/);
    expect(fake.log.join('')).not.toContain('\n');
    style.say('gatewalk: [3/3] pod… (0.9 s)');
    // Erased (\r + erase to the end of the line) right before the line.
    expect(fake.log.slice(-2)).toEqual([CLEAR_LINE, 'gatewalk: [3/3] pod… (0.9 s)\n']);
    style.stop();
    expect(style.spinning).toBe(false);
  });

  it('is never written where stderr is no TTY, nor with -q', async () => {
    for (const [isTTY, spinner] of [
      [false, true],
      [true, false],
    ] as const) {
      const fake = fakeStderr(isTTY);
      const style = new Style(fake.stream, { FORCE_COLOR: '1' }, () => undefined, spinner);
      style.spin(() => 'waiting');
      expect(style.spinning).toBe(false);
      style.say('x');
      style.stop();
      expect(fake.log).toEqual([]);
    }
  });

  it('run on a TTY: a spinner while the command runs, gone at the end', async () => {
    const t = collectingIo();
    const fake = fakeStderr(true);
    t.io.stderr = fake.stream;
    t.io.err = (line) => fake.log.push(`${line}\n`);
    const code = await runRunCommand(
      ['orders-pod', '-p', `lab_port=${lab.port}`, '--', 'sleep 0.5'],
      t.io,
    );
    const r = { code, err: fake.log.join('') };
    expect(r.code).toBe(0);
    // The spinner drew while the command ran (0.5 s), and was erased before the end.
    expect(r.err).toContain(`${CLEAR_LINE}`);
    expect(r.err).toMatch(/running sleep 0\.5/);
    expect(r.err.endsWith(CLEAR_LINE)).toBe(true);
    // No frame after the end (frames come every 80 ms while a spinner runs).
    const written = fake.log.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(fake.log.length).toBe(written);
  });
});
