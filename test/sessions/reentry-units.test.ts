// Re-entry's pieces that need no gateway: one-time codes used once per 30 s step (RFC 6238
// §5.2) with an injected clock, the server's --reconnect value, what lost a session, and the
// profile keys `reconnect` and `idle_keepalive` as profiles load them.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  markTotpUsed,
  noteTotpSubmitted,
  resetTotpUse,
  totp,
  totpFreeAt,
  TOTP_STEP_MS,
} from '../../src/secrets/totp.js';
import {
  lostByClose,
  lostByHopLeft,
  parseReconnect,
  reentryLine,
} from '../../src/sessions/reentry.js';
import { waitForFreshCodes } from '../../src/sessions/reentry-keep.js';
import { loadFromTexts } from '../helpers/profiles.js';

const SEED = 'JBSWY3DPEHPK3PXP';
const OTHER = 'GEZDGNBVGY3TQOJQ';
/** 10 s into a step. */
const T = 1_800_000_000_000 - (1_800_000_000_000 % TOTP_STEP_MS) + 10_000;

describe('one-time codes are submitted once per step', () => {
  beforeEach(() => resetTotpUse());

  it('a code typed in this step makes the seed wait for the next step; other seeds do not', () => {
    expect(totpFreeAt(SEED, T)).toBe(T);
    expect(noteTotpSubmitted(SEED, `${totp(SEED, T)}\r`, T)).toBe(true);
    const next = T - 10_000 + TOTP_STEP_MS;
    expect(totpFreeAt(SEED, T + 1000)).toBe(next);
    // Spelled differently (spaces, lower case), the same seed.
    expect(totpFreeAt('jbsw y3dp ehpk 3pxp', T + 1000)).toBe(next);
    expect(totpFreeAt(OTHER, T)).toBe(T);
    expect(totpFreeAt(SEED, next)).toBe(next);
  });

  it('text that is not the seed code is not counted', () => {
    expect(noteTotpSubmitted(SEED, 'hunter2\r', T)).toBe(false);
    expect(noteTotpSubmitted(SEED, '000000', T)).toBe(totp(SEED, T) === '000000');
    expect(totpFreeAt(SEED, T)).toBe(T);
  });

  it('a re-walk in the same step waits for the next one and says so; the clock is injected', async () => {
    markTotpUsed(SEED, T);
    let now = T + 5000;
    const waits: number[] = [];
    const said: string[] = [];
    const waited = await waitForFreshCodes([SEED, OTHER], {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
      onWait: (m) => said.push(m),
    });
    expect(waits).toEqual([15_000 + 50]);
    expect(waited).toBe(15_050);
    expect(said).toEqual([
      "waiting 15.0 s for the next one-time code: this step's code was used already (codes are single-use)",
    ]);
    // Used in the new step too (another session): the wait starts again.
    markTotpUsed(SEED, now);
    await waitForFreshCodes([SEED], {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    expect(waits).toEqual([15_050, 30_000 - 50 + 50]);
  });

  it('no wait when no code of the seed was used', async () => {
    let slept = false;
    const waited = await waitForFreshCodes([SEED], {
      now: () => T,
      sleep: async () => {
        slept = true;
      },
    });
    expect({ waited, slept }).toEqual({ waited: 0, slept: false });
  });
});

describe('--reconnect', () => {
  it('takes causes and an optional max', () => {
    expect(parseReconnect('drop,logout')).toEqual({ on: ['drop', 'logout'], max: 2 });
    expect(parseReconnect('all:5')).toEqual({ on: ['drop', 'logout'], max: 5 });
    expect(parseReconnect('logout')).toEqual({ on: ['logout'], max: 2 });
  });

  it('refuses anything else, saying what it takes', () => {
    for (const bad of ['', 'drops', 'drop,idle', 'drop:0', 'drop:x', 'drop:101'])
      expect(() => parseReconnect(bad)).toThrow(/--reconnect takes drop, logout or both/);
  });
});

describe('what lost a session', () => {
  it("tells an idle logout, a logout, a drop and the caller's own exit apart", () => {
    const idle = 'timed out waiting for input: auto-logout\nPress any key to continue...';
    expect(lostByClose(idle, 0)).toEqual({ cause: 'logout', why: 'the gateway logged out (idle)' });
    expect(lostByClose('[bash ~]# ', 0).cause).toBe('logout');
    expect(lostByClose('[bash ~]# ', null)).toEqual({
      cause: 'drop',
      why: 'the connection dropped',
    });
    expect(lostByClose('Client exceeded idle timeout', null).cause).toBe('logout');
    const left = {
      hop: 'asset',
      now_at: 'menu',
      reason: 'the prompt of hop "menu" is at the cursor instead',
    };
    expect(lostByHopLeft(left, 'Opt> ').why).toBe(
      'the gateway logged out (the prompt of hop "menu" came back)',
    );
    expect(
      lostByHopLeft({ ...left, reason: 'the command ended the shell of hop "asset"' }, idle).cause,
    ).toBe('command');
  });

  it('says it in one line', () => {
    const lost = { cause: 'logout' as const, why: 'the gateway logged out (idle)' };
    expect(reentryLine(lost, null)).toBe(
      're-entered after the gateway logged out (idle) — commands that were running are lost',
    );
    expect(reentryLine(lost, { path: '/gone', ok: false })).toMatch(
      /; could not go back to \/gone$/,
    );
  });
});

describe('profile keys', () => {
  const profile = (extra: string) =>
    loadFromTexts({
      'p.yaml': `version: 1
profiles:
  base:
    connect: { host: h }
${extra}    hops: [{ name: sh, prompt: '\\$ $', shell: posix }]
  child:
    extends: base
    reconnect: { on: [] }
`,
    });

  it('reconnect and idle_keepalive resolve; max defaults to 2; a child turns reconnect off', () => {
    const { registry, errors } = profile(
      `    reconnect: { on: [drop, logout] }\n    idle_keepalive: { send_text: '', every: 4m }\n`,
    );
    expect(errors).toEqual([]);
    const base = registry.resolve('base', {});
    expect(base.reconnect).toEqual({ on: ['drop', 'logout'], max: 2 });
    expect(base.idleKeepalive).toEqual({ text: '', everyMs: 240_000 });
    expect(registry.resolve('child', {}).reconnect).toEqual({ on: [], max: 2 });
    const none = profile('').registry.resolve('base', {});
    expect(none.reconnect).toBeUndefined();
    expect(none.idleKeepalive).toBeUndefined();
  });

  it('refuses an unknown cause and a keepalive faster than a second', () => {
    const bad = profile(`    reconnect: { on: [idle] }\n`);
    expect(bad.errors.map((d) => d.message).join('\n')).toMatch(/must be one of: drop, logout/);
    const fast = profile(`    idle_keepalive: { send_text: '', every: 500ms }\n`);
    expect(() => fast.registry.resolve('base', {})).toThrow(
      /idle_keepalive.every must be at least 1s/,
    );
  });
});
