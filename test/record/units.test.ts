import { describe, expect, it } from 'vitest';
import { echoOf, toUnits } from '../../src/record/units.js';
import { Script } from './script.js';

describe('toUnits', () => {
  it('applies line editing: DEL, ^U, ^W', () => {
    const s = new Script().out('$ ');
    for (const k of ['l', 'x', '\x7f', 's', ' ', '-', 'l', '\x17', '-', 'a', '\r']) s.key(k);
    s.out('ls -a\n$ ');
    for (const k of ['r', 'm', '\x15', 'p', 'w', 'd', '\r']) s.key(k);
    const units = toUnits(s.out('pwd\n/\n$ ').events);
    expect(units.map((u) => [u.text, u.enter, u.echo])).toEqual([
      ['ls -a', true, 'on'],
      ['pwd', true, 'on'],
    ]);
    expect(units[0]?.prompt).toBe('$ ');
  });

  it('a 6-digit code typed without echo at a code prompt is a code; digits in the banner after it do not count as echo', () => {
    const s = new Script()
      .out('OTP Code: ')
      .line('123456', 'off')
      .out('Last login: Tue Dec  1 12:34:56 2026 from 10.0.0.1\nOpt> ');
    const [u] = toUnits(s.events);
    expect(u).toMatchObject({ text: '123456', echo: 'off', secret: 'code', prompt: 'OTP Code: ' });
  });

  it('a line typed without echo at another prompt is a secret line; stars are masked', () => {
    const a = toUnits(new Script().out('Password: ').line('hunter22', 'off').out('# ').events);
    expect(a[0]).toMatchObject({ echo: 'off', secret: 'line' });
    const b = toUnits(new Script().out('PIN: ').line('4711', 'masked').out('> ').events);
    expect(b[0]).toMatchObject({ echo: 'masked', secret: 'line' });
    // Six digits without echo at a prompt that asks no code: a secret, not a TOTP code.
    const c = toUnits(new Script().out('Password: ').line('123456', 'off').out('# ').events);
    expect(c[0]).toMatchObject({ secret: 'line' });
  });

  it('an echoed line is no secret, even at a password-looking prompt', () => {
    const [u] = toUnits(new Script().out('Password policy> ').line('show').out('> ').events);
    expect(u?.secret).toBeUndefined();
  });

  it('Ctrl-] x marks the last line secret', () => {
    const s = new Script().out('Token> ').line('abc').mark('secret').out('> ');
    expect(toUnits(s.events)[0]).toMatchObject({ secret: 'line', echo: 'on' });
  });

  it('a key read raw (Press any key) ends when other output arrives; Ctrl-D alone is a unit', () => {
    const s = new Script().out('Press any key to continue...').key('x').out('Welcome\nOpt> ');
    s.key('\x04').out('\n').close();
    const units = toUnits(s.events);
    expect(units.map((u) => [u.text, u.enter, u.keys, u.closed])).toEqual([
      ['x', false, [], false],
      ['', false, ['ctrl-d'], true],
    ]);
    expect(units[0]?.next?.before).toContain('Opt> ');
    expect(units[1]?.next).toBeNull();
  });

  it('a line edited with Tab or arrows is read from the screen at Enter', () => {
    const s = new Script().out('[a ~]$ ').key('k').key('u').key('\t').out('kubectl ').key('\x1b[A');
    s.out('\r[a ~]$ kubectl get pods').key('\r').out('\nNAME\n[a ~]$ ');
    const [u] = toUnits(s.events);
    expect(u).toMatchObject({ edited: true, keys: ['up'] });
    expect(u?.text).toBe('kubectl get pods');
  });

  it('echoOf looks only at the line Enter ended', () => {
    expect(echoOf({ text: '42', enter: true }, '\nanswer is 42\n')).toBe('off');
    expect(echoOf({ text: '42', enter: true }, '42\n')).toBe('on');
    expect(echoOf({ text: 'ab', enter: true }, '**\n')).toBe('masked');
  });
});
