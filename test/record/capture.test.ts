// The capture side of `gatewalk record`: the chord, the events recorded while a person types
// (against the ssh2 lab, keyboard-interactive login included), the leak guard, the TOTP step
// rule, and the command line's usage errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { RECORD_USAGE, runRecordCommand, type RecordPlan } from '../../src/cli/record-command.js';
import { closeSession, openSession } from '../../src/navigator/session.js';
import { askLine } from '../../src/record/ask-line.js';
import {
  ChordFilter,
  leakedValues,
  Recorder,
  type ChordCommand,
} from '../../src/record/capture.js';
import { totpWaitMs } from '../../src/record/check.js';
import { handOver, recordingProfile } from '../../src/record/recording.js';
import type { RecordEvent } from '../../src/record/types.js';
import { collectingIo } from '../helpers/io.js';
import { labOnFreePort } from '../helpers/lab.js';
import { scriptedTerminal } from '../helpers/terminal.js';

function chordOf(chunks: string[]) {
  const got: (string | ChordCommand)[] = [];
  const f = new ChordFilter(
    (k) => got.push(k),
    (c) => got.push(c),
  );
  for (const c of chunks) f.input(Buffer.from(c));
  return got;
}

describe('the stop chord', () => {
  it('passes keys through and turns Ctrl-] + a key into a command, across chunks', () => {
    expect(chordOf(['ls\r', 'ab\x1ds'])).toEqual(['ls\r', 'ab', 'stop']);
    expect(chordOf(['x\x1d', 'qrest'])).toEqual(['x', 'abort']);
    expect(chordOf(['\x1dm', 'cd /tmp\r', '\x1dX'])).toEqual([
      'mark-hop',
      'cd /tmp\r',
      'mark-secret',
    ]);
    // Ctrl-] twice sends one Ctrl-]; any other key cancels and is not sent.
    expect(chordOf(['\x1d\x1d', 'a\x1dzb'])).toEqual(['\x1d', 'a', 'cancel', 'b']);
    // Nothing after a stop reaches the gateway.
    expect(chordOf(['\x1dsecho late\r'])).toEqual(['stop']);
  });
});

describe('the leak guard', () => {
  const snap = { before: '', rows: [], cursor: { row: 0, col: 0 } };
  const events: RecordEvent[] = [
    { t: 0, kind: 'out', text: 'OTP Code: ' },
    { t: 1, kind: 'key', data: '123456\r', at: snap },
    { t: 2, kind: 'out', text: '\r\nOpt> ' },
    { t: 3, kind: 'key', data: 'd', at: snap },
    { t: 4, kind: 'key', data: 'b-prod\r', at: snap },
    { t: 5, kind: 'out', text: 'db-prod\r\n[Host]> ' },
  ];
  it('counts lines typed without echo, and hidden login answers, found in the text', () => {
    expect(leakedValues(events, [], 'send_text: db-prod\nsend_secret: { totp: { env: X } }')).toBe(
      0,
    );
    expect(leakedValues(events, [], 'code: 123456')).toBe(1);
    expect(leakedValues(events, ['hunter22'], 'password: hunter22')).toBe(1);
  });
});

describe('one-time codes are not reused (RFC 6238 §5.2)', () => {
  it('waits for the next 30 s step only when the code was typed in this one', () => {
    expect(totpWaitMs(60_000 + 5_000, 60_000 + 12_000)).toBe(18_000);
    expect(totpWaitMs(60_000 + 29_999, 90_000)).toBe(0);
    expect(totpWaitMs(0, 89_999)).toBe(0);
  });
});

describe('gatewalk record: the command line', () => {
  const run = async (...args: string[]) => {
    const c = collectingIo('/tmp');
    const code = await runRecordCommand(args, c.io);
    return { code, out: c.out.join(''), err: c.err.join('\n') };
  };

  it('prints its help on stdout with every flag', async () => {
    const r = await run('--help');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^Usage: gatewalk record NAME/);
    for (const flag of [
      '--connect',
      '--identity',
      '-i,',
      '--known-hosts',
      '--via',
      '--extends',
      '-p key=value',
      '--output',
      '--profiles',
      '--secret-env',
      '--yes',
      '--no-check',
      '--check',
      '--verbose',
    ])
      expect(RECORD_USAGE).toContain(flag);
  });

  it('says what is wrong on one line, then the usage, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--no-such-flag'], /^gatewalk record: Unknown option '--no-such-flag'/],
      [[], /^gatewalk record: which profile name\?/],
      [['Bad_Name', '--connect', 'h'], /^gatewalk record: profile names are lower case/],
      [
        ['db', '--via', 'jump'],
        /^gatewalk record: which host\? --via jump adds a jump to --connect/,
      ],
      [['db', '--connect', 'h', '--extends', 'p'], /alternatives/],
      [['db'], /^gatewalk record: where from\?/],
      [['db', '--connect', 'u@h:99999'], /--connect takes \[user@\]host\[:port\]/],
      [
        ['db', '--connect', 'h', '--secret-env', 'lower'],
        /--secret-env takes an environment variable name/,
      ],
      [
        ['db', '--check', '--connect', 'h'],
        /--check walks a written draft: --connect is for recording/,
      ],
      [
        ['db', '--extends', 'nope', '--profiles', '/nonexistent'],
        /no profile "nope" for --extends/,
      ],
      // Everything right, but nobody to type: a pipe.
      [['db', '--connect', 'ops@127.0.0.1:2222'], /recording needs a terminal/],
    ];
    for (const [args, re] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(re);
      expect(r.err).toContain('\n\nUsage: gatewalk record');
    }
  });

  it('--check of a draft that is not there: file:line:col, exit 1', async () => {
    const r = await run('nothing-here', '--check', '--profiles', '/nonexistent');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nothing-here\.draft\.yaml:1:1/);
  });
});

describe('recording a walk by hand (ssh2 lab, keyboard-interactive login)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await labOnFreePort({ faults: { keyboardInteractive: true } });
  });
  afterAll(async () => lab?.close());

  it('asks the login prompts on the terminal (echo as the server says), then records keys with the screen before them, marks and the stop', async () => {
    const term = scriptedTerminal({ cols: 120, rows: 30 });
    const plan: RecordPlan = {
      name: 'lab-menu',
      file: '/tmp/unused.yaml',
      dirs: [],
      connect: {
        host: '127.0.0.1',
        port: lab.port,
        user: 'ops',
        host_key: { fingerprint: lab.fingerprint },
      },
      extendsName: null,
      params: {},
      secretEnv: [],
      yes: true,
      check: false,
      verbose: false,
    };
    const profile = recordingProfile(plan, term.size());
    // The in-memory profile pins the host key by fingerprint: the test lab's.
    const pinned = {
      ...profile,
      connect: {
        ...profile.connect,
        hostKey: { kind: 'fingerprint' as const, fingerprint: lab.fingerprint },
      },
    };
    const recorder = new Recorder();
    const opening = openSession(pinned, {
      lookup: () => {
        throw new Error('no via');
      },
      prompt: async (text, echo) => {
        recorder.auth(text, echo);
        return askLine(term, text, { echo });
      },
    });
    await term.expect('Password: ');
    await term.type('lab\r');
    const session = await opening;
    try {
      // Typed with echo off: the terminal never showed it.
      expect(term.text).not.toContain('lab\r');
      expect(term.text).not.toMatch(/Password: lab/);
      recorder.attach(session.pty);
      const done = handOver(session, term, recorder, collectingIo().io);
      await term.expect('Target IP: ');
      await term.type('master-a\r');
      await term.expect('User number: ');
      term.send('\x1dm');
      await term.type('2\r');
      await term.expect(/\]# $/);
      term.resizeTo(100, 30);
      term.send('\x1ds');
      expect(await done).toBe('stop');
      const final = recorder.stop();
      expect(final?.before).toMatch(/\]# $/);
      expect(term.readers).toBe(0);
      const ev = recorder.events;
      expect(ev[0]).toMatchObject({ kind: 'auth', prompt: 'Password: ', echo: false });
      const keys = ev.filter((e) => e.kind === 'key');
      expect(keys.map((k) => k.data).join('')).toBe('master-a\r2\r');
      // The first key saw the menu's prompt at the cursor; the rows end at the cursor's row.
      const first = keys[0];
      expect(first?.kind === 'key' && first.at.before).toMatch(/Target IP: $/);
      expect(first?.kind === 'key' && first.at.rows.at(-1)).toBe('Target IP:');
      expect(ev.findIndex((e) => e.kind === 'mark' && e.what === 'hop')).toBeGreaterThan(
        ev.findIndex((e) => e.kind === 'key' && e.data === '\r'),
      );
      expect(ev.some((e) => e.kind === 'resize' && e.cols === 100)).toBe(true);
      expect(
        ev
          .filter((e) => e.kind === 'out')
          .map((e) => (e.kind === 'out' ? e.text : ''))
          .join(''),
      ).toContain('master-a');
      // Nothing after the stop is recorded.
      const n = ev.length;
      session.pty.write('echo after\r');
      await new Promise<void>((r) => session.pty.once('text', () => r()));
      expect(recorder.events.length).toBe(n);
    } finally {
      await closeSession(session, { leave: false });
    }
  });
});
