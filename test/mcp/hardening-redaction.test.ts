// Issue 13, finding 7 and a Low one: redaction must not confirm a guess (an agent printing
// 20,001 candidates must not learn which is the password from what comes back masked, through
// results, the screen or the transcript), a secret the remote prints on its own is still masked,
// and a very short secret does not garble output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../lab/scenario.js';
import type { Lab } from '../../lab/server.js';
import { redactAll, StreamRedactor } from '../../src/sessions/redactor.js';
import { TranscriptWriter } from '../../src/sessions/transcript.js';
import { redact } from '../../src/util/redact.js';
import { cutAt } from '../helpers/chunks.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

interface Result {
  status: string;
  command_id: string;
  output: string;
}
interface Event {
  type: string;
  [field: string]: unknown;
}

const CLEAR = "printf '\\033[H\\033[2J'";

// Upper case, lower case, digits and a dash, like most generated passwords.
const PASSWORD = 'Vx7-Qm2k-Lp9z';

/** A small deterministic generator: the test must not depend on luck. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** A string like `model`, character by character of the same kind (what an attacker would try). */
function lookalike(model: string, next: () => number): string {
  const pick = (set: string) => set[Math.floor(next() * set.length)] ?? set[0];
  return [...model]
    .map((ch) => {
      if (/[A-Z]/.test(ch)) return pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
      if (/[a-z]/.test(ch)) return pick('abcdefghijklmnopqrstuvwxyz');
      if (/[0-9]/.test(ch)) return pick('0123456789');
      return ch;
    })
    .join('');
}

/** 20,000 guesses and the password, shuffled. */
function candidates(seed: number, count = 20_001): string[] {
  const next = rng(seed);
  const set = new Set<string>();
  // Near misses first (one character off), then random ones of the same kind.
  for (let i = 0; i < PASSWORD.length && set.size < count - 1; i++) {
    const one = lookalike(PASSWORD, next);
    const near = PASSWORD.slice(0, i) + (one[i] ?? 'x') + PASSWORD.slice(i + 1);
    if (near !== PASSWORD) set.add(near);
  }
  while (set.size < count - 1) {
    const guess = lookalike(PASSWORD, next);
    if (guess !== PASSWORD) set.add(guess);
  }
  const all = [...set, PASSWORD];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  return all;
}

/**
 * What the oracle attack concludes from lines that came back for `sent` (one candidate a
 * line): the candidates that came back masked. It recovers the password only if that is
 * exactly one candidate, the password.
 */
function masked(sent: string[], back: string[]): string[] {
  expect(back).toHaveLength(sent.length);
  return sent.filter((c, i) => back[i] !== c);
}

describe('redaction is no password oracle (MCP, lab)', () => {
  let lab: Lab;
  let dir: string;
  let c: Connected;
  let sid: string;
  const file = `/tmp/gw-oracle-${process.pid}`;
  const cands = candidates(13);
  const warnings: string[] = [];
  const original = TranscriptWriter.onWarning;

  const run = (command: string, extra: Record<string, unknown> = {}) =>
    c.ok<Result>('execute_command', { session_id: sid, command, ...extra });

  beforeAll(async () => {
    TranscriptWriter.onWarning = (m) => warnings.push(m);
    const base = loadScenario();
    lab = await labOnFreePort({
      scenario: { ...base, auth: { ...base.auth, password: PASSWORD } },
    });
    dir = mkdtempSync(join(tmpdir(), 'gatewalk-oracle-'));
    writeFileSync(
      join(dir, 'oracle.yaml'),
      `version: 1
profiles:
  master:
    connect:
      host: 127.0.0.1
      port: ${lab.port}
      user: ops
      password: { env: LAB_PW }
      host_key: { fingerprint: '${lab.fingerprint}' }
    timeout: 5s
    hops:
      - name: menu
        prompt: 'Target IP: $'
        exit: q
      - name: master
        steps:
          - send_text: master-a
          - wait_for: 'User number: $'
          - send_text: root
          - wait_for: 'Logged in to \\S+ as \\S+\\.'
        prompt: '\\[\\S+@\\S+ [^\\]]*\\][#$] $'
        shell: posix
        exit: exit
`,
    );
    c = await connectClient({
      profileDirs: [dir],
      connect: { secrets: { env: { LAB_PW: PASSWORD } } },
    });
    sid = (await c.ok<{ session_id: string }>('open_session', { profile: 'master' })).session_id;
    await c.ok('write_file', { session_id: sid, path: file, content: `${cands.join('\n')}\n` });
  }, 60_000);

  afterAll(async () => {
    TranscriptWriter.onWarning = original;
    await c?.close();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('execute_command: 20,001 candidates printed, every one masked alike', async () => {
    const r = await run(`cat ${file}`, { max_output: 1_000_000 });
    expect(r.status).toBe('done');
    const back = r.output.replace(/\n$/, '').split('\n');
    const hit = masked(cands, back);
    // All masked: the password is one of 20,001, as before the attack.
    expect(hit).toHaveLength(cands.length);
    expect(r.output).not.toContain(PASSWORD);
  });

  it('execute_command: candidates typed in the command itself, or encoded and decoded remotely', async () => {
    // As many as one typed line takes, the password among them.
    const at = cands.indexOf(PASSWORD);
    const some = cands.slice(Math.max(0, at - 20), at + 20);
    expect(some).toContain(PASSWORD);
    const typed = await run(`printf '%s\\n' ${some.join(' ')}`);
    expect(masked(some, typed.output.replace(/\n$/, '').split('\n'))).toHaveLength(some.length);
    // Encoded in the command: no check of the agent's own words can see these.
    const b64 = Buffer.from(some.join('\n')).toString('base64');
    const decoded = await run(`printf %s ${b64} | base64 -d; echo`);
    expect(masked(some, decoded.output.replace(/\n$/, '').split('\n'))).toHaveLength(some.length);
    // Reversed on the remote: another encoding, same answer.
    const reversed = some.map((s) => [...s].reverse().join(''));
    const rev = await run(`printf '%s\\n' ${reversed.join(' ')} | rev`);
    expect(masked(some, rev.output.replace(/\n$/, '').split('\n'))).toHaveLength(some.length);
  });

  it('get_screen: candidates on the screen, also wrapped at its right edge, masked alike', async () => {
    const at = cands.indexOf(PASSWORD);
    const some = cands.slice(Math.max(0, at - 4), at + 4);
    await run(CLEAR);
    await run(`printf '%s\\n' ${some.join(' ')}`);
    const screen = await c.ok<{ screen: string; cols: number }>('get_screen', { session_id: sid });
    for (const s of some) expect(screen.screen).not.toContain(s);
    expect(screen.screen.match(/^\*{6}$/gm)).toHaveLength(some.length);
    // Each candidate cut by the right edge: dots up to 5 columns before it, the rest wraps.
    await run(CLEAR);
    const pad = '.'.repeat(screen.cols - 5);
    await run(`printf '${pad}%s\\n' ${some.join(' ')}`);
    const wrapped = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    // The typed line's echo may hold the dots too, with the format after them.
    const rows = wrapped.screen.split('\n').filter((l) => l.startsWith(pad) && !l.includes('%'));
    expect(rows).toHaveLength(some.length);
    for (const row of rows) expect(row).toBe(`${pad}******`);
  });

  it('get_transcript: no candidate shows, and none is told apart', async () => {
    const { events } = await c.ok<{ events: Event[] }>('get_transcript', {
      session_id: sid,
      tail: 10_000,
    });
    const all = JSON.stringify(events);
    // The command lines and what came back: the attacker would look for the one missing.
    const shown = cands.filter((s) => all.includes(s));
    expect(shown).toEqual([]);
    const typed = events.filter(
      (e) => e.type === 'command_start' && String(e.command).startsWith("printf '%s\\n' "),
    );
    expect(typed.length).toBeGreaterThan(0);
    for (const e of typed) expect(String(e.command)).not.toMatch(/[A-Z][a-z][0-9]-/);
  });

  it('still masks a secret the remote prints on its own: a file, an env var, quoted, in JSON', async () => {
    const b64 = Buffer.from(PASSWORD).toString('base64');
    await run(`printf %s ${b64} | base64 -d > ${file}.pw; export GWPW="$(cat ${file}.pw)"`);
    const r = await run(
      `cat ${file}.pw; echo; echo "$GWPW"; env | grep '^GWPW='; echo "{\\"password\\":\\"$GWPW\\"}"; echo "url ops:$GWPW@host"`,
    );
    expect(r.output).toBe(
      '******\n******\nGWPW=******\n{"password":"******"}\nurl ops:******@host\n',
    );
    const { events } = await c.ok<{ events: Event[] }>('get_transcript', {
      session_id: sid,
      tail: 50,
    });
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    await run(`rm -f ${file} ${file}.pw`);
  });

  it('a 3-character secret garbles nothing and is reported as not redacted', async () => {
    const asked = await run('read -s -p "Pin: " p; echo "plen ${#p}"', { timeout_s: 1 });
    expect(asked.status).toBe('awaiting_input');
    await c.ok('send_text', { session_id: sid, text: 'the', sensitive: true });
    await c.ok<Result>('get_command', { command_id: asked.command_id, wait_s: 10 });
    const r = await run('echo "other theme the breathe"');
    expect(r.output).toBe('other theme the breathe\n');
    expect(warnings.some((w) => /a secret of 3 characters is not redacted/.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toContain(PASSWORD);
  });
});

describe('shape masking (units)', () => {
  const secret = arbitrarySecret();

  it('masks a word of the shape wherever it stands as a word, never glued to letters or digits', () => {
    expect(redactAll('pw=Vx7-Qm2k-Lp9z, "Vx7-Qm2k-Lp9z".', [PASSWORD])).toBe(
      'pw=[secret], "[secret]".',
    );
    // Glued: not a word of its own, for the secret and a lookalike alike.
    expect(redactAll('-pVx7-Qm2k-Lp9z Vx7-Qm2k-Lp9zz', [PASSWORD])).toBe(
      '-pVx7-Qm2k-Lp9z Vx7-Qm2k-Lp9zz',
    );
    // Other kinds of characters, another length, a dash elsewhere: another shape.
    expect(redactAll('vx7-qm2k-lp9z Vx7-Qm2k-Lp9 Vx7Q-m2k-Lp9z', [PASSWORD])).toBe(
      'vx7-qm2k-lp9z Vx7-Qm2k-Lp9 Vx7Q-m2k-Lp9z',
    );
    expect(redact('Password: Ab3-Cd4e-Fg5h\nok', [PASSWORD])).toBe('Password: ******\nok');
  });

  it('gives the same text for the secret as for any lookalike in its place (no oracle)', () => {
    fc.assert(
      fc.property(
        secret,
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        fc.nat(),
        (s, a, b, seed) => {
          const other = lookalike(s, rng(seed));
          for (const mask of [(t: string) => redactAll(t, [s]), (t: string) => redact(t, [s])]) {
            const real = mask(`${a}${s}${b}`);
            const guess = mask(`${a}${other}${b}`);
            // Masked in both or in neither, over the same stretch.
            expect(real === `${a}${s}${b}`).toBe(guess === `${a}${other}${b}`);
            expect(real.length).toBe(guess.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('streams exactly what redactAll gives, however the text is cut, and no word-alone secret', () => {
    const unit = fc.constantFrom('a', 'B', '7', '-', ' ', '\n', '.', '"');
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ unit, maxLength: 6 }), fc.nat(3)), { maxLength: 20 }),
        fc.array(fc.nat(200), { maxLength: 30 }),
        (secrets, parts, cuts) => {
          const text = parts
            .map((p) => (typeof p === 'number' ? ` ${secrets[p % secrets.length] ?? ''} ` : p))
            .join('');
          const r = new StreamRedactor();
          for (const s of secrets) r.addSecret(s);
          const out =
            cutAt(text, cuts)
              .map((chunk) => r.push(chunk))
              .join('') + r.flush();
          expect(out).toBe(redactAll(text, secrets));
          for (const s of secrets) expect(` ${out} `).not.toContain(` ${s} `);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves secrets under 8 characters alone rather than masking every word of their shape', () => {
    expect(redactAll('other theme the 123456 654321', ['the', '123456'])).toBe(
      'other theme the 123456 654321',
    );
  });
});

/** Secrets of 8 to 16 characters from letters, digits and a few others. */
function arbitrarySecret() {
  const unit = fc.constantFrom(...'aZ9-@_!xQ3 '.split(''));
  return fc
    .string({ unit, minLength: 8, maxLength: 16 })
    .filter((s) => s.trim() === s && /[A-Za-z0-9]/.test(s));
}
