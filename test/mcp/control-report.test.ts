// Take control that reports back (issue 16): a person types in the viewer's terminal (keys on
// the PTY with `by`, as the viewer's input endpoint writes them), hands the keyboard back, and
// the agent's next result starts with what they entered (a password typed with echo off as
// ******, its value nowhere) and the screen's last lines; once.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { splitKeys, type PersonReport } from '../../src/sessions/control-report.js';
import { stripAnsi } from '../../src/terminal/ansi.js';
import type { Pty } from '../../src/terminal/pty.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

const PASSWORD = 'S3cret-Pa55word!';

const textOf = (r: CallToolResult) =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** Resolves once what the screen is shown (from now on) matches `re`. */
function heard(pty: Pty, re: RegExp, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (chunk: string) => {
      text += chunk;
      if (!re.test(stripAnsi(text))) return;
      clearTimeout(timer);
      pty.off('display', on);
      resolve();
    };
    const timer = setTimeout(() => {
      pty.off('display', on);
      reject(new Error(`${String(re)} not seen in ${JSON.stringify(stripAnsi(text).slice(-300))}`));
    }, ms);
    pty.on('display', on);
  });
}

/** Types as a person in the viewer does: one key per write, marked as theirs. */
function type(pty: Pty, keys: string): void {
  for (const key of splitKeys(keys)) pty.write(key, { by: 'viewer' });
}

/** Every file under `dir` (the server's runtime folder: transcripts, outputs, its log). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('take control that reports back', () => {
  let lab: Lab;
  let c: Connected;
  const logs: string[] = [];

  beforeAll(async () => {
    lab = await labOnFreePort();
    c = await connectClient({ log: (line) => logs.push(line) });
  });

  afterAll(async () => {
    await c?.close();
    await lab?.close();
  });

  async function open(): Promise<string> {
    const { session_id } = await c.ok<{ session_id: string }>('open_session', {
      profile: 'master-a',
      params: { lab_port: lab.port },
    });
    return session_id;
  }

  it("starts the agent's next result with the lines entered (a password as ******) and the screen", async () => {
    const sid = await open();
    const session = c.instance.manager.get(sid);
    const pty = session.nav.pty;
    session.takeControl('viewer');

    let seen = heard(pty, /\[root@master-a tmp\]# $/);
    type(pty, 'cd /tmp\r');
    await seen;
    // A typo mended with Backspace, and a line cleared with Ctrl-U: the line as the shell got it.
    seen = heard(pty, /^hi-there\r?\n\[root@master-a tmp\]# $/m);
    type(pty, 'rm -rf nothing\x15echo hx\x7fi-there\r');
    await seen;
    // Its prompt on a line of its own (not the echo of the line that asks for it, cut short).
    seen = heard(pty, /\nPassword: $/);
    type(pty, "read -s -p 'Password: ' p\r");
    await seen;
    // Echo is off: nothing comes back for these keys; the prompt after them says bash read it.
    seen = heard(pty, /\[root@master-a tmp\]# $/);
    type(pty, `${PASSWORD}\r`);
    await seen;
    // Handed back once the prompt is back after it, as a person would.
    seen = heard(pty, /^got-16\r?\n\[root@master-a tmp\]# $/m);
    type(pty, 'echo got-${#p}\r');
    await seen;
    session.releaseControl();

    const r = await c.call('execute_command', { session_id: sid, command: 'pwd' });
    expect(r.isError).toBeFalsy();
    const text = textOf(r);
    const person = (r.structuredContent as { person: PersonReport }).person;
    expect(person.by).toBe('viewer');
    expect(person.lines).toEqual([
      'cd /tmp',
      'echo hi-there',
      "read -s -p 'Password: ' p",
      '******',
      'echo got-${#p}',
    ]);
    expect(person.unfinished).toBeUndefined();
    expect(person.screen.length).toBeGreaterThan(0);
    expect(person.screen.length).toBeLessThanOrEqual(10);
    expect(person.screen).toContain('got-16');
    expect(person.screen.at(-1)).toBe('[root@master-a tmp]#');
    // The account comes first in the text, then the command's own result (the person's cd held).
    expect(text).toMatch(/^A person \(viewer\) held this session's terminal for [\d.]+ s/);
    const lines = text.split('\n');
    expect(lines).toContain('  cd /tmp');
    expect(lines).toContain('  ******');
    expect(lines).toContain('  got-16');
    expect(text.indexOf('  ******')).toBeLessThan(text.indexOf('/tmp\n', text.indexOf('follows')));
    expect((r.structuredContent as { output: string }).output).toBe('/tmp\n');
    expect(JSON.stringify(r)).not.toContain(PASSWORD);

    // Once: the next result has no account.
    const again = await c.call('execute_command', { session_id: sid, command: 'echo second' });
    expect(textOf(again)).not.toMatch(/A person/);
    expect(again.structuredContent).not.toHaveProperty('person');

    // The password (16 characters) is now a secret of the session: masked if the remote prints it.
    const shown = await c.ok<{ output: string }>('execute_command', {
      session_id: sid,
      command: 'echo "[$p]"',
    });
    expect(shown.output).not.toContain(PASSWORD);
    expect(shown.output).toMatch(/^\[.+\]\n$/);

    // Nowhere on disk (transcripts, outputs, the server's log) nor in the log lines.
    await c.ok('close_session', { session_id: sid });
    for (const file of filesUnder(c.root))
      expect(readFileSync(file, 'latin1'), file).not.toContain(PASSWORD);
    expect(logs.join('\n')).not.toContain(PASSWORD);
  });

  it('a call made while the person holds the keyboard waits, then carries the account', async () => {
    const sid = await open();
    const session = c.instance.manager.get(sid);
    const pty = session.nav.pty;
    session.takeControl('viewer');
    let agentDone = false;
    const agent = c
      .call('execute_command', { session_id: sid, command: 'echo agent-turn' })
      .then((r) => {
        agentDone = true;
        return r;
      });
    const seen = heard(pty, /^person-turn\r?\n/m);
    type(pty, 'echo person-turn\r');
    await seen;
    // The person's command ran and answered while the agent's call was in: it still waits.
    expect(agentDone).toBe(false);
    // Left on the line, not entered (Ctrl-U clears it before the agent types, or it would not run).
    const echoed = heard(pty, /ls -l$/);
    type(pty, 'ls -l');
    await echoed;
    session.releaseControl();
    const r = await agent;
    const person = (r.structuredContent as { person: PersonReport }).person;
    expect(person.lines).toEqual(['echo person-turn']);
    expect(person.unfinished).toBe('ls -l');
    expect(textOf(r)).toContain('Typed and left on the line, not entered: ls -l');
    expect(textOf(r).trimEnd().split('\n').at(-1)).toBe('agent-turn');
    expect((r.structuredContent as { output: string }).output).toBe('agent-turn\n');
    // Other tools on the session carry it too, once: get_screen after a turn with no typing.
    session.takeControl('viewer');
    session.releaseControl();
    const screen = await c.call('get_screen', { session_id: sid });
    expect(textOf(screen)).toMatch(
      /^A person \(viewer\) held this session's terminal for [\d.]+ s, then handed it back to you\. They typed nothing\.\n/,
    );
    const screen2 = await c.call('get_screen', { session_id: sid });
    expect(screen2.structuredContent).not.toHaveProperty('person');
    await c.ok('close_session', { session_id: sid });
  });
});
