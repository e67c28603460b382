import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ShellExecutor } from '../../src/shell/executor.js';
import { useLab } from '../helpers/nav.js';

const fixture = useLab();

describe.each(['master-a', 'orders-pod', 'alpine-pod'])('commands at %s', (profile) => {
  let sh: ShellExecutor;
  beforeAll(async () => {
    sh = await fixture.shellAt(profile);
  });
  // A failed test must not leave the next one a busy session.
  afterEach(async () => {
    if (sh.busy) await sh.interrupt().catch(() => undefined);
  });

  it.each([
    ['true', 0],
    ['false', 1],
    ['(exit 7)', 7],
    ['no-such-command-here', 127],
  ])('reports the exit code of %s', async (command, code) => {
    const r = await sh.execute(command);
    expect(r).toMatchObject({ status: 'done', exit_code: code });
  });

  it('returns exactly the output: no echo, no marker, no prompt', async () => {
    expect((await sh.execute('echo hello; echo world')).output).toBe('hello\nworld\n');
    expect((await sh.execute('printf no-newline')).output).toBe('no-newline');
    expect((await sh.execute('printf ""')).output).toBe('');
  });

  it('keeps cd, variables and functions for the next command', async () => {
    const cd = await sh.execute('cd /tmp && export GW_X=kept && gwf() { echo "fn $1"; }');
    expect(cd.cwd).toBe('/tmp');
    expect((await sh.execute('pwd; echo $GW_X; gwf ok')).output).toBe('/tmp\nkept\nfn ok\n');
  });

  it('takes commands longer than the terminal, multi-line ones, quotes and heredocs', async () => {
    const long = `echo ${'x'.repeat(500)} | wc -c`;
    expect((await sh.execute(long)).output.trim()).toBe('501');
    expect((await sh.execute('echo \'a "b"\' "c \'d\'"\necho two')).output).toBe(
      'a "b" c \'d\'\ntwo\n',
    );
    expect((await sh.execute('cat <<EOF\nline $((1+1))\n  indented\nEOF')).output).toBe(
      'line 2\n  indented\n',
    );
    expect((await sh.execute('echo unterminated "quote')).exit_code).not.toBe(0);
  });

  it('refuses a command too long to type, and one started while another starts', async () => {
    await expect(sh.execute(`echo ${'é'.repeat(300)}`)).rejects.toThrow(
      /busybox ash cuts at 1 KiB/,
    );
    const [a, b] = await Promise.allSettled([sh.execute('echo one'), sh.execute('echo two')]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { output: 'one\n' } });
    expect(b).toMatchObject({ status: 'rejected' });
    expect(String((b as PromiseRejectedResult).reason)).toMatch(
      /starting on this session|still running/,
    );
  });

  it('runs a command that starts with a dash', async () => {
    expect((await sh.execute('-x-no-such 2>/dev/null; echo rc=$?')).output).toBe('rc=127\n');
  });

  it('cannot be fooled by output that prints a marker', async () => {
    const r = await sh.execute(
      "printf '\\nGWE%s:%d:%s\\n' 0123456789abcdef01234567 0 /fake; echo after; exit_code_is() { :; }; (exit 3)",
    );
    expect(r.exit_code).toBe(3);
    expect(r.output).toContain('after\n');
  });

  it('passes unicode through intact and strips colours', async () => {
    expect(
      (await sh.execute("printf 'h\\303\\251llo \\342\\234\\223 \\360\\237\\232\\200\\n'")).output,
    ).toBe('héllo ✓ 🚀\n');
    expect((await sh.execute("printf '\\033[31mred\\033[0m\\n'")).output).toBe('red\n');
  });

  it('returns 10,000 lines in order', async () => {
    const r = await sh.execute('i=1; while [ $i -le 10000 ]; do echo "line $i"; i=$((i+1)); done', {
      maxOutput: 1 << 20,
    });
    const lines = r.output.split('\n');
    expect(lines).toHaveLength(10001);
    expect(lines[0]).toBe('line 1');
    expect(lines[9999]).toBe('line 10000');
  });

  it('says running past the timeout, then get_command finishes it; busy meanwhile', async () => {
    const r = await sh.execute('echo started; sleep 1; echo finished', { timeoutMs: 200 });
    expect(r).toMatchObject({ status: 'running', exit_code: null });
    expect(r.output).toBe('started\n');
    await expect(sh.execute('true')).rejects.toThrow(`command ${r.command_id} is still running`);
    const queued = await sh.execute('echo next', { waitIfBusyMs: 5000 });
    expect(queued).toMatchObject({ status: 'done', output: 'next\n' });
    const done = await sh.get(r.command_id, 5000);
    expect(done).toMatchObject({ status: 'done', exit_code: 0, output: 'started\nfinished\n' });
  });

  it('says how long a running command has been silent (a prompt-less read looks like this)', async () => {
    const r = await sh.execute('echo first; read x; echo "got $x"', { timeoutMs: 300 });
    expect(r.status).toBe('running');
    expect(r.output).toBe('first\n');
    expect(r.idle_ms).toBeGreaterThanOrEqual(200);
    sh.sendInput('v');
    expect((await sh.get(r.command_id, 5000)).output).toBe('first\nv\ngot v\n');
  });

  it('interrupts a sleep and gets the prompt back', async () => {
    const r = await sh.execute('sleep 100', { timeoutMs: 100 });
    expect(r.status).toBe('running');
    const stopped = await sh.interrupt();
    expect(stopped).toMatchObject({ status: 'done', exit_code: 130 });
    // The prompt that ended it is not waited for again (that stalled the next command 5 s).
    const next = await sh.execute('echo alive');
    expect(next.output).toBe('alive\n');
    expect(next.duration_ms).toBeLessThan(2000);
  });

  it('escalates to Ctrl-\\ when Ctrl-C is ignored', async () => {
    const r = await sh.execute("(trap '' INT; sleep 100)", { timeoutMs: 100 });
    expect(r.status).toBe('running');
    const stopped = await sh.interrupt(500);
    expect(stopped?.status).toBe('done');
    expect(stopped?.exit_code).toBe(131);
    expect((await sh.execute('echo alive')).output).toBe('alive\n');
  });

  it('says when a command waits for input, and takes the answer', async () => {
    const r = await sh.execute('printf \'Continue? [y/N] \'; read answer; echo "got $answer"', {
      timeoutMs: 5000,
    });
    expect(r.status).toBe('awaiting_input');
    expect(r.screen).toContain('Continue? [y/N]');
    sh.sendInput('y');
    expect(await sh.get(r.command_id, 5000)).toMatchObject({
      status: 'done',
      output: 'Continue? [y/N] y\ngot y\n',
    });
  });
});
