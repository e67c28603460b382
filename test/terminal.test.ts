import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
    expect(redact('Password: hunter22\nok', ['hunter22'])).toBe('Password: ******\nok');
    expect(redact('token: abcd\nefgh end', ['abcdefgh'])).toBe('token: ****** end');
    expect(redact('a.b*c.d*', ['a.b*c.d*'])).toBe('******');
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

  it('loses nothing of a run too long to hold with no line end to cut it at', async () => {
    // Over 4 times the hold (48 bytes) without a line feed: the terminal gets all of it.
    const run = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(23));
    const shown = await compare(['\x1b[31m', ...run]);
    expect(shown.join('')).toContain('l'.repeat(16));
  });
});

describe('the memory a screen keeps', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps a few rows of scrollback, enough for the rows read above the cursor', async () => {
    const { Screen, SCROLLBACK_ROWS } = await import('../src/terminal/screen.js');
    const screen = new Screen(40, 10, () => {});
    // Coloured lines are parsed as they come (nothing held): 500 of them scroll through.
    for (let i = 0; i < 500; i++) screen.write(`\x1b[32mline ${i}\x1b[0m\r\n`);
    screen.write('$ ');
    expect(screen.rowsKept).toBe(10 + SCROLLBACK_ROWS);
    expect(SCROLLBACK_ROWS).toBeGreaterThanOrEqual(8);
    // The cursor on the top row (the screen cleared): the rows read above it are scrollback.
    screen.write('\x1b[2J\x1b[Hprompt> ');
    expect(screen.beforeCursor(8).split('\n')).toEqual([
      ...[484, 485, 486, 487, 488, 489, 490].map((i) => `line ${i}`),
      'prompt> ',
    ]);
    screen.dispose();
  });

  it('parses a long write in pieces: a character or a sequence cut between them reads the same', async () => {
    const { Screen } = await import('../src/terminal/screen.js');
    const { default: xterm } = await import('@xterm/headless');
    // 4096-byte pieces: 'é' (2 bytes) straddles the first cut, a colour sequence the second.
    const text = `\x1b[1m${'a'.repeat(4091)}é${'b'.repeat(4094)}\x1b[31mc\r\n${'€'.repeat(40)}`;
    const screen = new Screen(80, 24, () => {});
    screen.write(text);
    const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    await new Promise<void>((resolve) => term.write(text, resolve));
    const b = term.buffer.active;
    const expected = Array.from(
      { length: 24 },
      (_, r) => b.getLine(b.viewportY + r)?.translateToString(true) ?? '',
    );
    expect(screen.snapshot().lines).toEqual(expected);
    expect(screen.text()).toContain('bbbbbbc\n');
    term.dispose();
    screen.dispose();
  });

  it('parses held plain text when told the output is over (a command ended)', async () => {
    const { Screen } = await import('../src/terminal/screen.js');
    const screen = new Screen(20, 5, () => {}, 64);
    screen.write('\x1b[31m');
    for (let i = 0; i < 40; i++) screen.write(`row ${i}\r\n`);
    screen.write('$ ');
    expect(screen.lastWriteHeld).toBe(true);
    screen.settle();
    expect(screen.lastWriteHeld).toBe(false);
    expect(screen.text().split('\n').slice(-2)).toEqual(['row 39', '$ ']);
    screen.dispose();
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
