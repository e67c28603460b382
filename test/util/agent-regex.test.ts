// Agent patterns on the linear-time engine: JS syntax agents write works, what RE2 cannot run
// is refused with what to write instead, and no pattern makes a search slow.
import { describe, expect, it } from 'vitest';
import { isGatewalkError } from '../../src/errors.js';
import { LIMITS } from '../../src/mcp/limits.js';
import { suggestion } from '../../src/profiles/diagnostics.js';
import { compileAgentRegex } from '../../src/util/agent-regex.js';

const found = (pattern: string, text: string) =>
  compileAgentRegex(pattern).find(text)?.text ?? null;

function refusal(pattern: string): { code: string; message: string } {
  try {
    compileAgentRegex(pattern, 'wait_for pattern');
  } catch (err) {
    if (isGatewalkError(err)) return { code: err.code, message: err.message };
    throw new Error(`not a GatewalkError: ${String(err)}`, { cause: err });
  }
  throw new Error(`/${pattern}/ was accepted`);
}

const timed = <T>(f: () => T): [T, number] => {
  const start = performance.now();
  const value = f();
  return [value, performance.now() - start];
};

describe('agent regexes', () => {
  it('reads the JS syntax agents write, with ^ and $ per line', () => {
    const text = 'login: ok\n[pod:orders/api ~]$ \npath /var/log/app é 42 ]x';
    expect(found('\\[pod:[^\\]]+\\]\\$ ?$', text)).toBe('[pod:orders/api ~]$ ');
    expect(found('\\/var\\/log', text)).toBe('/var/log');
    expect(found('\\d+', text)).toBe('42');
    expect(found('(?:ok|fail)$', text)).toBe('ok');
    expect(found('\\u00e9', text)).toBe('é');
    expect(found('(?<n>\\d)\\d', text)).toBe('42');
    expect(found('^login', text)).toBe('login');
    expect(found('(?<=path )\\S+', text)).toBe('/var/log/app');
    expect(found('(?i)LOGIN', text)).toBe('login');
    expect(found('never', text)).toBeNull();
    // Offsets count UTF-16 code units, as the text is sliced.
    expect(compileAgentRegex('b').find('😀ab')).toEqual({ start: 3, end: 4, text: 'b' });
  });

  it('refuses backreferences and lookaheads, saying what to write instead', () => {
    for (const p of ['(ab)\\1', '(?<w>a)\\k<w>']) {
      const r = refusal(p);
      expect(r.code).toBe('pattern_unsupported');
      expect(r.message).toMatch(/backreference.*write the repeated text out/);
    }
    for (const p of ['foo(?= bar)', 'foo(?!b)']) {
      const r = refusal(p);
      expect(r.code).toBe('pattern_unsupported');
      expect(r.message).toMatch(/lookahead.*instead of/);
    }
    // In a class, \1 and ( are characters, not a backreference or a group.
    expect(found('[(?=]+', 'x(?=y')).toBe('(?=');
  });

  it('refuses what does not compile, what is too big, and what matches empty text', () => {
    expect(refusal('(')).toMatchObject({
      code: 'pattern_invalid',
      message: expect.stringMatching(/does not compile/),
    });
    expect(refusal('a{1001}').code).toBe('pattern_invalid');
    // Deep nesting: a clear refusal, not an internal error.
    expect(refusal('('.repeat(1000) + 'a' + ')'.repeat(1000)).code).toBe('pattern_invalid');
    expect(refusal('(?:[ab]{999}c)'.repeat(3)).code).toBe('pattern_too_complex');
    expect(refusal('x'.repeat(LIMITS.pattern + 1)).code).toBe('pattern_too_long');
    expect(refusal('a*')).toMatchObject({
      code: 'pattern_invalid',
      message: expect.stringMatching(/matches empty text/),
    });
    // Errors stay short whatever the pattern.
    expect(refusal('(' + 'a'.repeat(2000)).message.length).toBeLessThan(500);
  });

  it('answers (a+)+$ over 100 KiB in tens of ms (JS RegExp takes minutes)', () => {
    const re = compileAgentRegex('(a+)+$');
    const text = `${'a'.repeat(100 * 1024)}!`;
    re.find(text);
    const [m, ms] = timed(() => re.find(text));
    expect(m).toBeNull();
    expect(ms).toBeLessThan(250);
    expect(re.find(`${'a'.repeat(30)}!\n${'a'.repeat(30)}\n`)?.text).toBe('a'.repeat(30));
  });

  it('keeps the costliest patterns allowed under a bound, by searching less text', () => {
    // Each of these takes RE2's slowest path; without the window they took 0.3-1.2 s on 64 KiB.
    const text = `${'a'.repeat(64 * 1024)}x`;
    for (const p of ['(?:.*a){160}x', '(?:a|aa|aaa|aaaa){49}x', '((a*)*){60}x', '(?<=a+)x']) {
      const re = compileAgentRegex(p);
      expect(re.window).toBeLessThan(64 * 1024);
      const [m] = timed(() => re.find(text));
      expect(m?.text).toMatch(/x$/);
      // The best of three: a shared machine's load stretches single runs, not all three.
      const ms = Math.min(...[0, 1, 2].map(() => timed(() => re.find(text))[1]));
      expect(ms).toBeLessThan(250);
    }
  });
});

describe('did you mean', () => {
  it('stays instant for any length of name, and still suggests near names', () => {
    const names = ['orders-pod', 'orders-master', 'menu-only'];
    expect(suggestion('orders-pd', names)).toBe(' (did you mean "orders-pod"?)');
    const [s, ms] = timed(() => suggestion('o'.repeat(1024 * 1024), names));
    expect(s).toBe('');
    expect(ms).toBeLessThan(50);
  });
});
