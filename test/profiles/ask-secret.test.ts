// `send_secret: { ask }` in profiles: validate accepts it (and does not call it missing, even
// with --secrets), rejects malformed ones and ask outside a step, each at file:line:col.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidateCommand } from '../../src/cli/profiles-commands.js';
import { compileProgram } from '../../src/navigator/program.js';
import { prepareWalk } from '../../src/navigator/walk.js';
import {
  ASK_TIMEOUT_MS,
  askLabel,
  askTimeoutMs,
  describeSecret,
  resolveSecret,
  secretProblem,
} from '../../src/profiles/secrets.js';
import { collectingIo } from '../helpers/io.js';
import { loadFromTexts } from '../helpers/profiles.js';

/** `gatewalk validate` in `dir`: its exit code and every line it printed, in order. */
function validate(dir: string, ...args: string[]): { code: number; out: string[] } {
  const { io } = collectingIo(dir);
  const out: string[] = [];
  const code = runValidateCommand(args, {
    ...io,
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
  return { code, out };
}

const GOOD = `version: 1
profiles:
  gate:
    connect: { host: h, user: ops, password: { env: GATE_PASSWORD } }
    hops:
      - name: menu
        steps:
          - wait_for: 'OTP: $'
          - send_secret: { ask: { label: 'OTP from your token', timeout: 2m } }
          - wait_for:
              - { match: 'PIN: $', then: [{ send_secret: { ask: true } }] }
              - { match: 'Menu> $', then: [{ send_secret: { ask: 'Password' } }] }
        prompt: 'Menu> $'
`;

const BAD = `version: 1
profiles:
  gate:
    connect: { host: h, user: ops, password: { ask: true } }
    on: [{ match: 'PIN: $', send_secret: { ask: 'PIN' } }]
    hops:
      - name: menu
        steps:
          - send_secret: { ask: false }
          - send_secret: { ask: '' }
          - send_secret: { ask: 'OTP', env: X }
          - send_secret: { ask: { timeout: soon } }
          - send_secret: { totp: { ask: true } }
          - send_secret: { ask: { lable: x } }
        prompt: 'Menu> $'
`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatewalk-ask-profiles-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('asked secrets in profiles', () => {
  it('validate accepts { ask } steps and never reports them missing, even with --secrets', () => {
    const dir = folder({ 'good.yaml': GOOD });
    const r = validate(dir, 'good.yaml', '--secrets');
    // The env secret beside them is still checked (and missing here): --secrets works.
    expect(r.out).toEqual([
      'good.yaml:4:46: profile "gate": connect.password: environment variable GATE_PASSWORD is not set: the walk needs it',
      '1 file, 1 valid profile, 0 templates: 1 error, 0 warnings',
    ]);
    expect(r.code).toBe(1);
    expect(validate(dir, 'good.yaml').out.at(-1)).toBe(
      '1 file, 1 valid profile, 0 templates: 0 errors, 1 warning',
    );
  });

  it('validate rejects malformed asks, and asks outside a send_secret step, at file:line:col', () => {
    const r = validate(folder({ 'bad.yaml': BAD }), 'bad.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toEqual([
      'bad.yaml:4:48: profile "gate": connect.password: unknown key "ask"; expected one of: env, file, command, totp',
      'bad.yaml:5:44: profile "gate", handler 1: send_secret: unknown key "ask"; expected one of: env, file, command, totp',
      'bad.yaml:9:33: profile "gate", hop 1, step 1: send_secret.ask: must be true',
      'bad.yaml:10:33: profile "gate", hop 1, step 2: send_secret.ask: must NOT have fewer than 1 characters',
      expect.stringMatching(
        /^bad\.yaml:11:26: profile "gate", hop 1, step 3: send_secret: .* exactly one of: env, file, command, totp, ask \(found: ask, env\)$/,
      ),
      'bad.yaml:12:44: profile "gate", hop 1, step 4: send_secret.ask.timeout: must be a duration: "500ms", "15s", "2m", or a number of seconds',
      'bad.yaml:13:36: profile "gate", hop 1, step 5: send_secret.totp: unknown key "ask"; expected one of: env, file, command, totp',
      'bad.yaml:14:35: profile "gate", hop 1, step 6: send_secret.ask: unknown key "lable" (did you mean "label"?); expected one of: label, timeout',
      '1 file, 0 valid profiles, 0 templates: 8 errors, 0 warnings',
    ]);
  });

  it('resolves to references the walk asks for, with their label and timeout', () => {
    const { registry, errors } = loadFromTexts({ 'good.yaml': GOOD });
    expect(errors).toEqual([]);
    const program = compileProgram(registry.resolve('gate'));
    expect(program.secrets).toEqual([
      { ask: { label: 'OTP from your token', timeout: '2m' } },
      { ask: true },
      { ask: 'Password' },
    ]);
    const [withTimeout, plain, labelled] = program.secrets as [never, never, never];
    expect([askTimeoutMs(withTimeout), askTimeoutMs(plain)]).toEqual([120_000, ASK_TIMEOUT_MS]);
    expect([askLabel(withTimeout), askLabel(plain), askLabel(labelled)]).toEqual([
      'OTP from your token',
      null,
      'Password',
    ]);
    expect(describeSecret(labelled)).toBe('a person (asked: Password)');
    expect(secretProblem(plain, '/', {})).toBeNull();
  });

  it('fails a walk that asks where nothing can ask, before connecting, saying how to give it', async () => {
    const { registry } = loadFromTexts({ 'good.yaml': GOOD });
    const err = await prepareWalk(registry.resolve('gate'), {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'secret_unavailable' });
    expect((err as Error).message).toMatch(
      /^profile "gate", hop "menu", step 2 \(send_secret\) at .*good\.yaml:9:13 asks a person for a secret \(\{ ask \}\), and nothing here can ask: run `gatewalk open` or `run` from a terminal \(they ask there\), or `gatewalk serve` with its viewer on \(not --no-viewer, it asks through the viewer\); or give the secret as \{ env \}, \{ file \} or \{ command \} instead$/,
    );
    // With an asker, nothing is asked while preparing: a code asked early could expire.
    let asked = 0;
    await prepareWalk(registry.resolve('gate'), {
      ask: () => {
        asked++;
        return Promise.resolve('x');
      },
    });
    expect(asked).toBe(0);
    await expect(resolveSecret({ ask: true })).rejects.toMatchObject({
      code: 'secret_unavailable',
    });
  });
});
