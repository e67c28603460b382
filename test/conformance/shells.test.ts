// Every shell people log in with, logged in to through the system sshd (issue "Real gateways",
// symptom 7): bash in the setups that broke framing, dash, busybox ash, mksh, zsh (default and
// themed), fish; csh and a multiplexer refused by name.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMPTS, type EntryName } from '../../lab/openssh/sshd.js';
import { closeSession, type NavSession } from '../../src/navigator/session.js';
import type { ShellExecutor } from '../../src/shell/executor.js';
import { readRemoteFile } from '../../src/shell/files.js';
import { useOpenSshLab } from '../helpers/openssh.js';

const fx = useOpenSshLab();

/** Resolves once the text before the cursor (or with `whole`, the screen) matches (5 s at most). */
function until(session: NavSession, re: RegExp, whole = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = whole ? session.pty.screen.text() : session.pty.screen.beforeCursor(8);
      if (!re.test(text)) return;
      clearTimeout(timer);
      session.pty.off('text', check);
      resolve();
    };
    const timer = setTimeout(() => {
      session.pty.off('text', check);
      reject(new Error(`no ${re} before the cursor`));
    }, 5000);
    session.pty.on('text', check);
    check();
  });
}

/** What every shell must do: exact output, exit codes, state kept, framing that cannot break. */
async function conforms(sh: ShellExecutor, session: NavSession) {
  expect(await sh.execute('echo hi')).toMatchObject({
    status: 'done',
    exit_code: 0,
    output: 'hi\n',
  });
  // The screen shows the command as typed, and none of the framing around it.
  expect(session.pty.screen.text()).toMatch(/echo hi *(\[0\])?\nhi(\n|$)/);
  expect(session.pty.screen.text()).not.toMatch(/eval|printf|6973|GW/);
  // A mark printed by the command, with a nonce it guessed, is output like any other.
  expect(
    await sh.execute(
      "printf '\\033]6973;E;%s;0;/x\\007' 0123456789abcdef; echo after; sh -c 'exit 3'",
    ),
  ).toMatchObject({ exit_code: 3, output: 'after\n' });
  expect(await sh.execute('false')).toMatchObject({ exit_code: 1, output: '' });
  expect(await sh.execute('sh -c "exit 3"')).toMatchObject({ exit_code: 3 });
  expect(await sh.execute('cd /tmp')).toMatchObject({ exit_code: 0, cwd: '/tmp' });
  expect(await sh.execute('pwd')).toMatchObject({ output: '/tmp\n', cwd: '/tmp' });
  expect(await sh.execute('echo one\necho "two  three"')).toMatchObject({
    exit_code: 0,
    output: 'one\ntwo  three\n',
  });
  expect(await sh.execute("printf '%s\\n' 'é€ \"q\" $HOME'")).toMatchObject({
    output: 'é€ "q" $HOME\n',
  });
  // Output that looks like an end marker does not end the command.
  expect(await sh.execute('printf "\\nGWE%s:%d:%s\\n" 00 0 /x; echo after')).toMatchObject({
    exit_code: 0,
    output: '\nGWE00:0:/x\nafter\n',
  });
  // The marker functions gone (a nested shell does not have them): defined again, the line
  // typed again, and the command run once.
  const fish = sh.shellFlavor === 'fish';
  await sh.execute(fish ? 'functions -e __gwS' : 'unset -f __gwS');
  const once = `/tmp/gw-once-${Math.random().toString(36).slice(2)}`;
  const again = await sh.execute(`echo x >> ${once}; wc -l < ${once}; rm ${once}`);
  expect(again).toMatchObject({ exit_code: 0 });
  expect(again.output.trim()).toBe('1');
  // A syntax error is the command's, not the framing's: the shell is still there.
  const broken = await sh.execute('echo (');
  expect(broken.status).toBe('done');
  expect(broken.exit_code).not.toBe(0);
  expect(await sh.execute('echo still')).toMatchObject({ exit_code: 0, output: 'still\n' });
}

const POSIX: EntryName[] = ['bash', 'dash', 'ash', 'mksh', 'zsh', 'zsh-themed', 'bash-vi'];

describe('shells that run framed commands', () => {
  it.each(POSIX)('%s', async (entry) => {
    const { session, sh } = await fx.shell(entry, PROMPTS[entry]);
    await conforms(sh, session);
    expect(await sh.execute('cat <<EOF\nline 1\n  line 2\nEOF')).toMatchObject({
      exit_code: 0,
      output: 'line 1\n  line 2\n',
    });
    expect(await sh.execute('X=kept; export X')).toMatchObject({ exit_code: 0 });
    expect(await sh.execute('echo "$X"')).toMatchObject({ output: 'kept\n' });
    expect(await sh.execute('--no-such-command 2>/dev/null; echo after-dash')).toMatchObject({
      output: 'after-dash\n',
    });
  });

  it('fish, in its own syntax', async () => {
    const { session, sh } = await fx.shell('fish', PROMPTS.fish);
    await conforms(sh, session);
    expect(await sh.execute('set -g X kept')).toMatchObject({ exit_code: 0 });
    expect(await sh.execute('echo $X; false; or echo or-ran')).toMatchObject({
      output: 'kept\nor-ran\n',
    });
    expect(await sh.execute('if true; echo in-if; end')).toMatchObject({ output: 'in-if\n' });
    // The file tools type POSIX commands: refused by name, not a syntax error.
    const err = await readRemoteFile(sh, '/etc/hostname').catch((e: unknown) => e);
    expect(String(err)).toMatch(/this hop runs fish/);
  });

  it("zsh's default prompt matched with a ^ anchor (PROMPT_SP draws before it)", async () => {
    const host = hostname().split('.')[0] ?? '';
    const { sh } = await fx.shell('zsh', `^${host}[#%] $`);
    expect(await sh.execute('echo anchored')).toMatchObject({ output: 'anchored\n' });
  });

  it('zsh with a right prompt: what stands right of the cursor is not the prompt', async () => {
    const { session, sh } = await fx.shell(
      'zsh-themed',
      PROMPTS['zsh-themed'].replace(/ \(\?:.*$/, ' $'),
    );
    // The right prompt is drawn after the left one (the hop was reached at the left one).
    await until(session, /\[0\]$/m, true);
    expect(await sh.execute('sh -c "exit 4"')).toMatchObject({ exit_code: 4 });
    expect(await sh.execute('echo right')).toMatchObject({ output: 'right\n' });
  });

  it.each([
    ['bash-nounset', 'echo "${UNSET_ONE-unset ok}"', 'unset ok\n'],
    // Commands run inside an and-or list, where set -e does not end the shell.
    ['bash-errexit', 'false; echo reached', 'reached\n'],
    ['bash-traps', 'echo traced', 'traced\n'],
    ['bash-multiline', 'echo two-line-prompt', 'two-line-prompt\n'],
  ] as const)('%s', async (entry, command, output) => {
    const { session, sh } = await fx.shell(entry, PROMPTS[entry]);
    await conforms(sh, session);
    expect(await sh.execute(command)).toMatchObject({ output });
  });

  it('bash with set -e in its rc: a failing command does not end the shell', async () => {
    const { session, sh } = await fx.shell('bash-errexit', PROMPTS['bash-errexit']);
    expect(await sh.execute('false')).toMatchObject({ exit_code: 1 });
    expect(await sh.execute('ls /nonexistent 2>/dev/null')).toMatchObject({ exit_code: 2 });
    expect(session.at).toBe(0);
    expect(await sh.execute('echo alive')).toMatchObject({ output: 'alive\n' });
  });
});

describe('framing never lands in history', () => {
  function history(entry: EntryName, file: string): string[] {
    const path = join(fx.lab.home(entry), file);
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
  }

  it.each(['bash', 'bash-readonly-hist'] as const)(
    '%s (HISTCONTROL without ignorespace; the rc writes each line at once)',
    async (entry) => {
      const { session, sh } = await fx.shell(entry, PROMPTS[entry]);
      // A person's line before gatewalk's: it must stay, and be the only one.
      session.pty.write('echo typed-by-a-person\r');
      await until(session, /typed-by-a-person\n[^]*\] ?[#$] $/);
      expect(await sh.execute('echo framed')).toMatchObject({ output: 'framed\n' });
      // The settings of the preparation are in place (a readonly HISTCONTROL used to stop them).
      expect(await sh.execute('echo "$PAGER $GIT_PAGER"')).toMatchObject({ output: 'cat cat\n' });
      await closeSession(session);
      expect(history(entry, '.bash_history')).toEqual(['echo typed-by-a-person']);
    },
  );

  it("bash with ignorespace: the person's last line is not taken for gatewalk's", async () => {
    const { session, sh } = await fx.shell('bash', PROMPTS.bash);
    session.pty.write('HISTCONTROL=ignorespace; echo second-person-line\r');
    await until(session, /second-person-line\n[^]*\] ?[#$] $/);
    expect(await sh.execute('echo framed')).toMatchObject({ output: 'framed\n' });
    await closeSession(session);
    expect(history('bash', '.bash_history')).toContain(
      'HISTCONTROL=ignorespace; echo second-person-line',
    );
    expect(history('bash', '.bash_history').some((l) => /GW|gatewalk|printf/.test(l))).toBe(false);
  });

  it('zsh (INC_APPEND_HISTORY): no framed line; only the one line that asks which shell this is', async () => {
    const before = history('zsh-themed', '.zsh_history').length;
    const { session, sh } = await fx.shell('zsh-themed', PROMPTS['zsh-themed']);
    expect(await sh.execute('echo framed')).toMatchObject({ output: 'framed\n' });
    expect(await sh.execute('echo again')).toMatchObject({ output: 'again\n' });
    await closeSession(session);
    // zsh writes a line to its history before running it: the probe that turns
    // HIST_IGNORE_SPACE on cannot keep itself out (README, "Shells").
    const added = history('zsh-themed', '.zsh_history').slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toContain(`sh -c 'm=`);
  });

  it('fish: nothing', async () => {
    const { session, sh } = await fx.shell('fish', PROMPTS.fish);
    expect(await sh.execute('echo framed')).toMatchObject({ output: 'framed\n' });
    await closeSession(session);
    expect(history('fish', '.local/share/fish/fish_history')).toEqual([]);
  });
});

describe('shells refused by name', () => {
  it('tcsh: a C shell; nothing but the probe is typed', async () => {
    const { session, sh } = await fx.shell('tcsh', PROMPTS.tcsh);
    const err = await sh.execute('echo hi').catch((e: unknown) => e);
    expect(String(err)).toMatch(/hop "tcsh" of profile "tcsh" runs tcsh \(a C shell\)/);
    expect(session.pty.screen.text()).not.toMatch(/^hi$/m);
  });

  it.each([
    ['bash-tmux', 'tmux'],
    ['bash-screen', 'screen'],
  ] as const)(
    '%s (started from the rc): refused, and it does not outlive the session',
    async (entry, multiplexer) => {
      const { session, sh } = await fx.shell(entry, PROMPTS[entry]);
      const err = await sh.execute('echo hi').catch((e: unknown) => e);
      expect(String(err)).toMatch(new RegExp(`runs inside ${multiplexer}`));
      await closeSession(session);
      const left = () =>
        fx.lab.processes().filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/comm`, 'utf8').toLowerCase().startsWith(multiplexer);
          } catch {
            return false;
          }
        });
      // Its server exits once its last window has: a moment after the connection closed.
      const deadline = Date.now() + 3000;
      while (left().length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(left()).toEqual([]);
    },
  );
});
