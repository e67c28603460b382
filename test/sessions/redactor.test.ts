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
    expect(redactAll('pw is hunter2, again hunter2.', ['hunter2'])).toBe(
      'pw is [secret], again [secret].',
    );
    expect(redactAll('a.b*c and axb*c', ['a.b*c'])).toBe('[secret] and axb*c');
    expect(redactAll('$&(x)|[y]\\', ['$&(x)|[y]\\'])).toBe('[secret]');
    expect(redactAll('key: s3cr3t', ['s3cr3t'], '***')).toBe('key: ***');
  });

  it('ignores values shorter than 3 characters', () => {
    expect(redactAll('a ab abc', ['a', 'ab', 'abc'])).toBe('a ab [secret]');
  });

  it('prefers the longest secret at a position', () => {
    expect(redactAll('xxabcdefyy', ['abc', 'abcdef'])).toBe('xx[secret]yy');
  });
});

describe('StreamRedactor', () => {
  it('redacts a secret split across chunks', () => {
    const r = new StreamRedactor();
    r.addSecret('hunter2');
    expect(r.push('Password: hun')).toBe('Password: ');
    expect(r.push('te')).toBe('');
    expect(r.push('r2\r\n$ ')).toBe('[secret]\r\n$ ');
    expect(r.flush()).toBe('');
  });

  it('passes text through at once when there is no secret', () => {
    const r = new StreamRedactor();
    expect(r.push('hello')).toBe('hello');
    expect(r.flush()).toBe('');
  });

  it('holds back at most the longest secret length - 1 characters', () => {
    const r = new StreamRedactor();
    r.addSecret('abcdef');
    // "abcdeabcde" ends with what could be the start of the secret: only 5 chars are held.
    expect(r.push('xyzabcdeabcde')).toBe('xyzabcde');
    expect(r.flush()).toBe('abcde');
    expect(r.push('abcdeabcdefzz')).toBe('abcde[secret]zz');
  });

  it('releases held text that turns out not to be a secret', () => {
    const r = new StreamRedactor();
    r.addSecret('secret!');
    expect(r.push('my sec')).toBe('my ');
    expect(r.push('ond try')).toBe('second try');
  });

  it('takes secrets added while the stream runs', () => {
    const r = new StreamRedactor('<x>');
    expect(r.push('before hunter2 ')).toBe('before hunter2 ');
    r.addSecret('hunter2');
    expect(r.push('after hunt')).toBe('after ');
    // Nothing longer could start there: the secret is out as soon as it is whole.
    expect(r.push('er2')).toBe('<x>');
    expect(r.flush()).toBe('');
  });

  it('gives, however the text is cut, exactly redactAll of the whole and no secret', () => {
    // No character of "[secret]": a replacement next to text cannot then form a secret.
    const unit = fc.constantFrom('a', 'b', 'x', 'y', '.', '*', '(', '$', '\\', '\n');
    const secret = fc.string({ unit, minLength: 3, maxLength: 8 });
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
          for (const s of secrets) expect(out).not.toContain(s);
        },
      ),
      { numRuns: 500 },
    );
  });
});
