import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutAt } from './helpers/chunks.js';
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

  it('gives the same text however the stream is cut', () => {
    const piece = fc.constantFrom(
      'a',
      'é',
      '€',
      ' ',
      '\n',
      '\r',
      '\x1b',
      '[',
      ']',
      '1',
      ';',
      'm',
      'P',
      '\\',
      '\x07',
      '\x9b',
      '(',
      'B',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(60)), (pieces, cuts) => {
        const text = pieces.join('');
        const s = new AnsiStripper();
        const out = cutAt(text, cuts)
          .map((chunk) => s.push(chunk))
          .join('');
        expect(out).toBe(stripAnsi(text));
        // eslint-disable-next-line no-control-regex -- control characters are what must be gone
        expect(out).not.toMatch(/[\x1b\r\x07\x9b]/);
      }),
    );
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

describe('the screen', () => {
  // The reference: a headless xterm fed every byte, as the screen was before it held text back.
  async function reference(cols: number, rows: number, chunks: string[]) {
    const { default: xterm } = await import('@xterm/headless');
    const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
    for (const c of chunks) term.write(new Uint8Array(Buffer.from(c)));
    await new Promise<void>((resolve) => term.write('', resolve));
    const b = term.buffer.active;
    const lines = Array.from(
      { length: rows },
      (_, r) => b.getLine(b.viewportY + r)?.translateToString(true) ?? '',
    );
    const result = { lines, cursor: { row: b.cursorY, col: b.cursorX } };
    term.dispose();
    return result;
  }

  it('shows what a terminal fed every byte shows, however much plain text it skipped', async () => {
    const { Screen } = await import('../src/terminal/screen.js');
    // Mostly plain text, as real output is, so runs long enough to be cut happen often.
    const piece = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.constantFrom(
          'line of text\r\n',
          'x'.repeat(33),
          '\r\n',
          'é€\r\n',
          '\t|\b',
          '\n',
          'ab',
        ),
      },
      fc.constantFrom('\x1b[31m', '\x1b[2J', '\x1b[H', '\x1b[5;3H', '\x1b[2;4r', '\x1b[r'),
      fc.constantFrom('\x1b[?1049h', '\x1b[?1049l', '\x1b[K', '\x1b]0;t\x07', '\x1bc'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 300 }),
        fc.array(fc.nat(6000), { maxLength: 40 }),
        async (pieces, cuts) => {
          const text = pieces.join('');
          const chunks = cutAt(text, cuts);
          const screen = new Screen(16, 6, () => {}, 48);
          for (const c of chunks) screen.write(c);
          const seen = screen.snapshot();
          screen.dispose();
          const expected = await reference(16, 6, chunks);
          expect({ lines: seen.lines, cursor: seen.cursor }).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the screen after a long run of plain text', () => {
  async function compare(chunks: string[]) {
    const { Screen } = await import('../src/terminal/screen.js');
    const { default: xterm } = await import('@xterm/headless');
    const screen = new Screen(16, 6, () => {}, 48);
    const term = new xterm.Terminal({ cols: 16, rows: 6, allowProposedApi: true });
    for (const c of chunks) {
      screen.write(c);
      term.write(c);
    }
    const seen = screen.snapshot();
    await new Promise<void>((resolve) => term.write('', resolve));
    const b = term.buffer.active;
    const lines = seen.lines.map((_, r) => b.getLine(b.viewportY + r)?.translateToString(true));
    term.dispose();
    screen.dispose();
    expect(seen.lines).toEqual(lines);
    expect(seen.cursor).toEqual({ row: b.cursorY, col: b.cursorX });
    return seen.lines;
  }
  const lines = (n: number, end: string) => Array.from({ length: n }, (_, i) => `l${i}${end}`);

  it('keeps rows outside a scroll region', async () => {
    const shown = await compare(['\x1b[2J\x1b[2;4r', 'top ', ...lines(60, '\r\n')]);
    expect(shown[0]).toBe('top l0');
  });

  it('starts the text it kept in the column the dropped text left it in', async () => {
    const shown = await compare(['abcdefgh', 'more', ...lines(3, '\r\n'), ...lines(30, '\n')]);
    expect(shown.some((l) => /^ {4,}l\d+$/.test(l))).toBe(true);
  });
});

describe('terminal queries', () => {
  it('are answered in the same tick they arrive, before anything else can be typed', async () => {
    const { Screen } = await import('../src/terminal/screen.js');
    const replies: string[] = [];
    const screen = new Screen(80, 24, (reply) => replies.push(reply));
    // busybox ash at its prompt: the cursor position report must be on its way at once.
    screen.write('/ # \x1b[6n');
    expect(replies).toEqual(['\x1b[1;5R']);
    screen.write('\x1b[c');
    expect(replies[1]?.startsWith('\x1b[?')).toBe(true);
    expect(replies[1]?.endsWith('c')).toBe(true);
    // The screen is current too: no timer stands between bytes and what they show.
    expect(screen.beforeCursor()).toBe('/ # ');
    screen.dispose();
  });

  it("relies on @xterm/headless's synchronous write entry point (pinned: an upgrade that drops it fails here)", async () => {
    const { synchronousWriter } = await import('../src/terminal/screen.js');
    const { default: xterm } = await import('@xterm/headless');
    const term = new xterm.Terminal({ cols: 20, rows: 5, allowProposedApi: true });
    const write = synchronousWriter(term);
    write('abc');
    expect(term.buffer.active.cursorX).toBe(3);
    term.dispose();
  });
});
