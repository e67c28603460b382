// `send_secret: { ask }` in the CLI: `gatewalk open` in a real terminal (node-pty) reaches the
// lab's one-attempt OTP gate, asks the person on the terminal with echo off, and walks on once
// the code is typed; without a terminal to ask on, it fails before connecting and says how.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as NodePtyModule from 'node-pty';
import type { IPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/server.js';
import { packagePath } from '../src/paths.js';
import { totp } from '../src/secrets/totp.js';
import { labOnFreePort } from './helpers/lab.js';
import { otpGateProfile } from './helpers/nav.js';

type NodePty = typeof NodePtyModule;

const SEED = 'JBSWY3DPEHPK3PXP';
const cli = packagePath('dist/src/cli/index.js');
let lab: Lab;
let dir: string;

beforeAll(async () => {
  // One attempt: only the right code passes the gate, so reaching the menu proves it was typed.
  lab = await labOnFreePort({ faults: { otp: { seed: SEED, attempts: 1 } } });
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-cli-ask-'));
  writeFileSync(
    join(dir, 'ask.yaml'),
    `version: 1\nprofiles:\n${otpGateProfile(lab, 'otp-asked', "{ ask: { label: 'OTP from your token', timeout: 20s } }")}`,
  );
});

afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `text` has appeared in what the terminal showed. */
function seen(term: IPty, shown: () => string, text: string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`never saw ${JSON.stringify(text)} in ${JSON.stringify(shown())}`));
    }, ms);
    const check = () => {
      if (!shown().includes(text)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    };
    const sub = term.onData(() => setImmediate(check));
    check();
  });
}

describe('gatewalk open asks on the terminal', () => {
  it('asks with the prompt on screen, echo off, and walks on with the code typed', async () => {
    const pty = (await import('node-pty')) as NodePty & { default?: NodePty };
    const spawn = pty.default?.spawn ?? pty.spawn;
    let out = '';
    const term = spawn(process.execPath, [cli, 'open', 'otp-asked', '--profiles', dir], {
      cols: 120,
      rows: 30,
      env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
    });
    term.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    await seen(term, () => out, 'OTP from your token (profile "otp-asked", hop "menu", step 2');
    const code = totp(SEED);
    term.write(`${code}\r`);
    await seen(term, () => out, 'Target IP:');
    // Echo was off: the code never reached the screen.
    expect(out).not.toContain(code);
    term.write('\x1d');
    expect(await exited).toBe(0);
  });

  it('without a terminal to ask on, fails before connecting and says how to give it', async () => {
    // A new session (setsid, util-linux): no controlling terminal, /dev/tty does not open.
    const r = await promisify(execFile)(
      'setsid',
      ['-w', process.execPath, cli, 'run', 'otp-asked', '--profiles', dir, '-n', '--', 'q'],
      { encoding: 'utf8', timeout: 20_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/nothing here can ask: run `gatewalk open` or `run` from a terminal/);
    expect(r.stderr).toMatch(/\{ env \}, \{ file \} or \{ command \}/);
    // Before connecting: no progress line of the walk was printed.
    expect(r.stderr).not.toMatch(/\[1\/1\]|connected/);
  });
});
