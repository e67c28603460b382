// What a person sees is what was typed: framing left in an echo is shown as the command, and
// the asciicast carries markers at each hop reached and each command.
import { describe, expect, it } from 'vitest';
import { markersOf, toAsciicast } from '../../src/sessions/asciicast.js';
import type { Transcript } from '../../src/sessions/transcript.js';
import { frameCommand, prepareCommand, type ShellFlavor } from '../../src/shell/framing.js';
import { castName } from '../../src/viewer/server.js';
import { shownLine, unframe } from '../../src/viewer/unframe.js';

const COMMANDS = [
  'ls -la',
  "echo 'it''s' \"$HOME\" | grep -c x; true",
  'printf "a\\tb\\n" && echo ok',
  'echo héllo wörld',
  'cat <<EOF\nline one\nEOF',
  '-v',
];

describe('unframe', () => {
  for (const flavor of ['posix', 'zsh', 'fish'] as ShellFlavor[])
    for (const command of COMMANDS)
      it(`shows ${flavor} ${JSON.stringify(command)} as typed`, () => {
        const { line } = frameCommand(command, undefined, flavor);
        const echo = `[pod ~]$${line}\r\n`;
        const shown = unframe(echo);
        expect(shown).toBe(`[pod ~]$ ${command.replace(/\n/g, '\r\n')}\r\n`);
        expect(shown).not.toMatch(/__gw|eval/);
      });

  it("shows gatewalk's own first line (the marker functions and the preparation) as nothing", () => {
    for (const flavor of ['posix', 'fish'] as ShellFlavor[]) {
      const { line } = frameCommand(prepareCommand(flavor), undefined, flavor, true);
      expect(unframe(`$${line}\r\nnext`)).toBe('$\r\nnext');
    }
  });

  it('leaves other text alone, also text that names __gwS', () => {
    expect(unframe('plain output\r\n')).toBe('plain output\r\n');
    expect(unframe('bash: __gwS: command not found\r\n')).toBe(
      'bash: __gwS: command not found\r\n',
    );
  });

  it('rewrites a recv line of the event stream, keeps every other field and line', () => {
    const { line } = frameCommand('uptime', 'ab12cd34ef56ab78');
    const raw = JSON.stringify({ t: 5, type: 'recv', data: `$${line}\r\n`, h: 'chain' });
    expect(JSON.parse(shownLine(raw))).toEqual({
      t: 5,
      type: 'recv',
      data: '$ uptime\r\n',
      h: 'chain',
    });
    const send = JSON.stringify({ t: 6, type: 'send', data: `${line}\r` });
    expect(shownLine(send)).toBe(send);
  });
});

const transcript: Transcript = {
  meta: {
    session_id: 's-1',
    profile: 'orders-pod',
    params: {},
    label: null,
    client: null,
    hops: ['menu', 'master', 'pod'],
    cols: 200,
    rows: 50,
    started_at: '2026-01-01T00:00:00.000Z',
  },
  events: [
    { t: 10, type: 'recv', data: 'Target IP: ' },
    { t: 400, type: 'recv', data: '[pod ~]$ ' },
    {
      t: 420,
      type: 'note',
      kind: 'walk',
      hops: [
        { name: 'menu', ms: 100 },
        { name: 'master', ms: 150 },
        { name: 'pod', ms: 150 },
      ],
      ms: 400,
    },
    { t: 500, type: 'command_start', id: 'c-1', command: 'echo one' },
    { t: 510, type: 'recv', data: `$${frameCommand('echo one').line}\r\none\r\n` },
    {
      t: 520,
      type: 'command_end',
      id: 'c-1',
      status: 'done',
      exit_code: 0,
      duration_ms: 20,
      bytes: 4,
    },
    { t: 900, type: 'note', kind: 'switch', hop: 'payments' },
  ],
};

describe('asciicast markers', () => {
  it('marks each hop reached (from the walk note) and each command, in time order', () => {
    expect(markersOf(transcript.events)).toEqual([
      { t: 120, kind: 'hop', label: 'menu' },
      { t: 270, kind: 'hop', label: 'master' },
      { t: 420, kind: 'hop', label: 'pod' },
      { t: 500, kind: 'command', label: 'echo one', id: 'c-1' },
      { t: 900, kind: 'hop', label: 'payments' },
    ]);
  });

  it('writes them as asciicast v2 "m" events among the output, times never going back', () => {
    const lines = toAsciicast(transcript)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string]);
    expect(lines.filter((l) => l[1] === 'm')).toEqual([
      [0.12, 'm', 'hop: menu'],
      [0.27, 'm', 'hop: master'],
      [0.42, 'm', 'hop: pod'],
      [0.5, 'm', '$ echo one'],
      [0.9, 'm', 'hop: payments'],
    ]);
    const times = lines.map((l) => l[0]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The output shows the command as typed, not its framing.
    expect(lines.find((l) => l[1] === 'o' && l[2].includes('one'))?.[2]).toBe(
      '$ echo one\r\none\r\n',
    );
  });

  it('names the download NAME.cast, whatever the id holds', () => {
    expect(castName('s-1')).toBe('gatewalk-s-1.cast');
    expect(castName('a"b/c')).toBe('gatewalk-a_b_c.cast');
  });
});
