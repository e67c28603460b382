// The lines a person entered, rebuilt from their keys (as the viewer's xterm.js sends them) and
// judged by the echo that came back: the rules of control-report.ts on exact streams.
import { describe, expect, it } from 'vitest';
import {
  KeyLog,
  lastRows,
  MASK,
  REPORT_LINES,
  reportLines,
  splitKeys,
} from '../../src/sessions/control-report.js';

/** A person typing `keys` one at a time at a shell with echo on (the remote echoes each). */
function echoed(log: KeyLog, keys: string, echo = (k: string) => k): void {
  for (const key of splitKeys(keys)) {
    log.typed(key);
    log.heard(key === '\r' ? '\r\n' : key === '\x7f' ? '\b \b' : echo(key));
  }
}

function logWithSecrets(): { log: KeyLog; secrets: string[] } {
  const secrets: string[] = [];
  return { log: new KeyLog((v) => secrets.push(v)), secrets };
}

describe('the lines a person entered', () => {
  it('applies Backspace, Ctrl-U, Ctrl-W, arrows and Home/End as a line editor does', () => {
    const { log } = logWithSecrets();
    echoed(log, 'echo hx\x7fi\r');
    echoed(log, 'rm -rf /\x15ls\r');
    echoed(log, 'cat one two\x17three\r');
    // Left twice, insert, End, append; Home, Delete.
    echoed(log, 'ac\x1b[D\x1b[Db\x1b[F!\r');
    echoed(log, 'xyz\x1b[H\x1b[3~\r');
    log.settle();
    expect(log.lines).toEqual(['echo hi', 'ls', 'cat one three', 'bac!', 'yz']);
  });

  it('shows keys whose effect is the remote (Tab, history) as markers, and ^C as the end', () => {
    const { log } = logWithSecrets();
    echoed(log, 'cd /tm\t\r');
    echoed(log, '\x1b[A\r');
    echoed(log, 'sleep 9\x03');
    log.settle();
    expect(log.lines).toEqual(['cd /tm<Tab>', '<Up>', 'sleep 9^C']);
  });

  it('masks a line whose characters did not come back, and reports it as a secret if long', () => {
    const { log, secrets } = logWithSecrets();
    echoed(log, "read -s -p 'Password: ' p\r");
    log.heard('Password: ');
    // Echo off: the keys go, nothing comes back; then bash's next prompt, on the same row.
    for (const key of 'hunter2-and-more\r') log.typed(key);
    log.heard('[root@master-a ~]# ');
    // A short one (a PIN): masked too, not registered (too short to redact without garbling).
    log.typed('4');
    log.typed('2');
    log.typed('\r');
    log.heard('\n');
    echoed(log, 'id\r');
    log.settle();
    expect(log.lines).toEqual(["read -s -p 'Password: ' p", MASK, MASK, 'id']);
    expect(secrets).toEqual(['hunter2-and-more']);
  });

  it('does not take the prompt after a password for its echo (the budget after the Enter)', () => {
    const { log } = logWithSecrets();
    // Every character of this password is in the long banner that follows it; the echo of an
    // Enter is at most 2 x (characters not yet echoed) + 2 printable characters, then no more.
    for (const key of 'ab\r') log.typed(key);
    log.heard('xyzw-then-a-b-c');
    log.settle();
    expect(log.lines).toEqual([MASK]);
  });

  it('judges a paste (many lines in one write) by the echo that follows it', () => {
    const { log } = logWithSecrets();
    log.typed('cd /tmp\rls\r');
    log.heard('cd /tmp\r\n[root@m tmp]# ls\r\nfile\r\n');
    log.settle();
    expect(log.lines).toEqual(['cd /tmp', 'ls']);
    // A password pasted behind a line that asks for it: it must come back whole, in one run;
    // its characters scattered in what follows are no echo.
    const { log: paste, secrets } = logWithSecrets();
    paste.typed('sudo -k id\rrsa-pass\r');
    paste.heard('sudo -k id\r\n[sudo] password for root: \n');
    paste.heard('uid=0(root) gid=0(root) groups=0(root),4(adm) r-s-a-p-a-s-s\n');
    paste.settle();
    expect(paste.lines).toEqual(['sudo -k id', MASK]);
    expect(secrets).toEqual(['rsa-pass']);
  });

  it('a slow echo that comes after the next key masks the line (in doubt, masked)', () => {
    const { log } = logWithSecrets();
    for (const key of 'ls\r') log.typed(key);
    log.typed('x');
    log.heard('ls\r\n');
    log.settle();
    expect(log.lines[0]).toBe(MASK);
  });

  it('keeps the line still being typed apart, masked unless echoed', () => {
    const a = logWithSecrets().log;
    echoed(a, 'ls -l');
    expect(a.unfinished()).toBe('ls -l');
    const b = logWithSecrets().log;
    b.typed('sec');
    expect(b.unfinished()).toBe(MASK);
  });

  it('keeps the last 50 lines, each at most 200 characters, and counts the ones before', () => {
    const { log } = logWithSecrets();
    for (let i = 0; i < REPORT_LINES + 7; i++) echoed(log, `echo ${i}\r`);
    echoed(log, `echo ${'x'.repeat(300)}\r`);
    log.settle();
    expect(log.lines.length).toBe(REPORT_LINES);
    expect(log.earlier).toBe(8);
    expect(log.lines[0]).toBe('echo 8');
    expect(log.lines.at(-1)).toHaveLength(200);
    expect(log.lines.at(-1)?.endsWith('…')).toBe(true);
  });

  it('tells the agent in a few lines; the screen is its last 10 non-empty rows', () => {
    const rows = Array.from({ length: 30 }, (_, i) => (i % 2 ? '' : `row ${i}   `));
    expect(lastRows(rows.join('\n'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `row ${10 + 2 * i}`),
    );
    const text = reportLines({
      by: 'viewer',
      held_s: 3.5,
      lines: ['cd /tmp', MASK],
      earlier_lines: 2,
      unfinished: 'ls',
      screen: ['[root@m tmp]#'],
    });
    expect(text).toEqual([
      "A person (viewer) held this session's terminal for 3.5 s, then handed it back to you.",
      'Lines they entered (****** = typed with echo off, such as a password; <Tab>, <Up>: keys whose effect the remote chose):',
      '  … 2 earlier lines not shown',
      '  cd /tmp',
      '  ******',
      'Typed and left on the line, not entered: ls',
      "The screen's last 1 lines then:",
      '  [root@m tmp]#',
      "(End of the person's turn; this call's own result follows.)",
    ]);
  });
});
