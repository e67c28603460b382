import { describe, expect, it } from 'vitest';
import { AnsiStripper, stripAnsi } from '../src/terminal/ansi.js';

describe('escape sequence stripping', () => {
  it('removes CSI, OSC, charset and two-byte sequences, and carriage returns', () => {
    expect(stripAnsi('\x1b[1;32mok\x1b[0m\r\n')).toBe('ok\n');
    expect(stripAnsi('\x1b]0;title\x07prompt$ ')).toBe('prompt$ ');
    expect(stripAnsi('\x1b]0;title\x1b\\prompt$ ')).toBe('prompt$ ');
    expect(stripAnsi('hello \x1b7prompt$ \x1b8')).toBe('hello prompt$ ');
    expect(stripAnsi('\x1b(Bplain\x1b=')).toBe('plain');
    expect(stripAnsi('\x1b[?2004h[root@m ~]# ')).toBe('[root@m ~]# ');
  });

  it('strips sequences cut across chunks without holding text back', () => {
    const s = new AnsiStripper();
    const parts = ['ab\x1b', '[3', '1mc', 'd\x1b]0;ti', 'tle\x07e', '\x1b', '7f'];
    expect(parts.map((p) => s.push(p))).toEqual(['ab', '', 'c', 'd', 'e', '', 'f']);
  });

  it('gives up on a control string that never ends', () => {
    const s = new AnsiStripper();
    expect(s.push(`\x1b]${'x'.repeat(5000)}`)).toBe('x'.repeat(5000 - 4097));
  });
});

describe('redaction', () => {
  it('hides secret values, also when they wrap across screen rows', async () => {
    const { redact } = await import('../src/navigator/walk.js');
    expect(redact('Password: hunter2\nok', ['hunter2'])).toBe('Password: ******\nok');
    expect(redact('token: abcd\nefgh end', ['abcdefgh'])).toBe('token: ****** end');
    expect(redact('a.b*c', ['a.b*c'])).toBe('******');
  });
});
