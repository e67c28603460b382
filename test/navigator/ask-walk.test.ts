// The walk's side of `send_secret: { ask }`, through the hook any front end passes
// (SecretContext.ask): asked when the step is reached, typed as a secret, bounded in time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { GatewalkError } from '../../src/errors.js';
import { openSession } from '../../src/navigator/session.js';
import { WalkError } from '../../src/navigator/walk.js';
import type { SecretAsk } from '../../src/profiles/secrets.js';
import { totp } from '../../src/secrets/totp.js';
import type { Pty } from '../../src/terminal/pty.js';
import { labOnFreePort } from '../helpers/lab.js';
import { otpGateProfile, profilesFrom, withSession } from '../helpers/nav.js';

const SEED = 'JBSWY3DPEHPK3PXP';
let lab: Lab;
let registry: ReturnType<typeof profilesFrom>;

beforeAll(async () => {
  lab = await labOnFreePort({ faults: { otp: { seed: SEED, attempts: 1 } } });
  const gate = (name: string, ask: string) => otpGateProfile(lab, name, ask);
  registry = profilesFrom(
    gate('asked', "{ ask: 'OTP from your token' }") +
      gate('hurried', '{ ask: { timeout: 300ms } }'),
  );
});
afterAll(() => lab.close());

const options = () => ({ lookup: (n: string) => registry.resolve(n) });

describe('a walk asking a person for a secret', () => {
  it('asks when the step is reached (the prompt on screen), types the answer as a secret', async () => {
    let pty: Pty | undefined;
    const asks: (Omit<SecretAsk, 'signal'> & { screen: string })[] = [];
    let code = '';
    await withSession(
      registry.resolve('asked'),
      {
        ...options(),
        onPty: (p) => (pty = p),
        secrets: {
          ask: ({ signal: _signal, ...ask }) => {
            asks.push({ ...ask, screen: pty?.screen.text() ?? '' });
            code = totp(SEED);
            return Promise.resolve(code);
          },
        },
      },
      async (s) => {
        // One attempt at the gate: reaching the menu proves the code was typed.
        expect(s.pty.screen.text()).toMatch(/Target IP: $/);
        expect(s.pty.secrets.has(code)).toBe(true);
        expect(s.pty.screen.text()).not.toContain(code);
      },
    );
    expect(asks).toHaveLength(1);
    const ask = asks[0] as (typeof asks)[number];
    expect(ask).toMatchObject({
      profile: 'asked',
      hop: 'menu',
      step: 'step 2 (send_secret)',
      label: 'OTP from your token',
      timeoutMs: 300_000,
    });
    expect(ask.source.file).toMatch(/test\.yaml$/);
    // Asked at the step: the gateway's prompt was already on the screen.
    expect(ask.screen).toMatch(/Verification code: $/);
  });

  it("fails with the asker's own error (declined)", async () => {
    const declined = new GatewalkError('secret_declined', 'the person declined');
    const err = await openSession(registry.resolve('asked'), {
      ...options(),
      secrets: { ask: () => Promise.reject(declined) },
    }).catch((e: unknown) => e);
    expect(err).toBe(declined);
  });

  it('stops waiting at the ask timeout, saying so, and aborts the ask', async () => {
    let signal: AbortSignal | undefined;
    const started = Date.now();
    const err = await openSession(registry.resolve('hurried'), {
      ...options(),
      secrets: {
        ask: (a) => {
          signal = a.signal;
          return new Promise<string>(() => {});
        },
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalkError);
    expect((err as WalkError).code).toBe('walk_timeout');
    expect((err as WalkError).message).toMatch(
      /^profile "hurried", hop "menu" \(1\/1\), step 2 \(send_secret\) at .*test\.yaml:\d+:\d+: nobody gave the secret asked for within 300ms \(the ask's timeout\)/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(signal?.aborted).toBe(true);
  });
});
