import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutAt } from '../helpers/chunks.js';
import { redactAll, StreamRedactor } from '../../src/sessions/redactor.js';

/** Feeds `chunks` through a fresh redactor, then flushes it. */
function streamed(chunks: string[], secrets: string[]): string {
  const r = new StreamRedactor();
  for (const s of secrets) r.addSecret(s);
  return chunks.map((c) => r.push(c)).join('') + r.flush();
}

describe('redactAll', () => {
  it('replaces every secret, regex metacharacters included', () => {
    expect(redactAll('pw is hunter22, again hunter22.', ['hunter22'])).toBe(
      'pw is [secret], again [secret].',
    );
    expect(redactAll('a.b*c.d* and axb*c.d*', ['a.b*c.d*'])).toBe('[secret] and axb*c.d*');
    expect(redactAll('$&(x)|[y]\\', ['$&(x)|[y]\\'])).toBe('[secret]');
    expect(redactAll('key: s3cr3t-pw', ['s3cr3t-pw'], '***')).toBe('key: ***');
  });

  it('leaves values shorter than 8 characters alone (they would garble every lookalike)', () => {
    expect(redactAll('abc abcdefg abcdefgh', ['abc', 'abcdefg', 'abcdefgh'])).toBe(
      'abc abcdefg [secret]',
    );
  });

  it('prefers the longest secret at a position', () => {
    expect(redactAll('xx abcdefgh-ijk yy', ['abcdefgh', 'abcdefgh-ijk'])).toBe('xx [secret] yy');
  });
});

describe('StreamRedactor', () => {
  it('redacts a secret split across chunks', () => {
    const r = new StreamRedactor();
    r.addSecret('hunter22');
    expect(r.push('Password: hun')).toBe('Password: ');
    expect(r.push('te')).toBe('');
    expect(r.push('r22\r\n$ ')).toBe('[secret]\r\n$ ');
    expect(r.flush()).toBe('');
  });

  it('passes text through at once when there is no secret', () => {
    const r = new StreamRedactor();
    expect(r.push('hello')).toBe('hello');
    expect(r.flush()).toBe('');
  });

  it('releases held text that turns out not to be a secret', () => {
    const r = new StreamRedactor();
    r.addSecret('secret!!');
    expect(r.push('my sec')).toBe('my ');
    // "try" could still start a word of the secret's shape: held until the text says more.
    expect(r.push('ond try')).toBe('second ');
    // "try!" cannot grow into 6 letters then "!!": out at once.
    expect(r.push('!')).toBe('try!');
    expect(r.flush()).toBe('');
  });

  it('takes secrets added while the stream runs', () => {
    const r = new StreamRedactor('<x>');
    expect(r.push('before hunter22 ')).toBe('before hunter22 ');
    r.addSecret('hunter22');
    expect(r.push('after hunt')).toBe('after ');
    expect(r.push('er22')).toBe('');
    // A word ends at a character that is no letter or digit: only then is it masked.
    expect(r.push('\n')).toBe('<x>\n');
    expect(r.flush()).toBe('');
  });

  it('gives, however the text is cut, exactly redactAll of the whole and no secret', () => {
    // No character of "[secret]": a replacement next to text cannot then form a secret.
    const unit = fc.constantFrom('a', 'b', 'x', 'y', '.', '*', '(', '$', '\\', '\n', ' ');
    const secret = fc.string({ unit, minLength: 8, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(fc.string({ unit, maxLength: 6 }), fc.nat(3)), { maxLength: 20 }),
        fc.array(fc.nat(200), { maxLength: 30 }),
        (secrets, parts, cuts) => {
          // Numbers stand for a secret, so secrets show up often, also back to back.
          const text = parts
            .map((p) => (typeof p === 'number' ? (secrets[p % secrets.length] ?? '') : p))
            .join('');
          const chunks = cutAt(text, cuts);
          const out = streamed(chunks, secrets);
          expect(out).toBe(redactAll(text, secrets));
          for (const s of secrets) expect(out).not.toContain(` ${s} `);
        },
      ),
      { numRuns: 500 },
    );
  });
});
