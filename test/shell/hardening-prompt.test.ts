// Issue 13, Low: keys left on the prompt's line do not swallow the next command (the line is
// cleared with Ctrl-U first, and only then), and a gateway that stops answering is said to,
// not reported as an unprepared shell or a command running with exit code null.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy, type FreezableProxy } from '../../lab/proxy.js';
import type { Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, until, type Connected } from '../mcp/helpers.js';

interface Result {
  status: string;
  command_id: string;
  exit_code: number | null;
  output: string;
}

const KILL = '\x15';

describe('keys left on the prompt', () => {
  let lab: Lab;
  let c: Connected;

  beforeAll(async () => {
    lab = await labOnFreePort();
    c = await connectClient();
  });

  afterAll(async () => {
    await c?.close();
    await lab?.close();
  });

  /** Opens a profile; `sent` collects every byte string written to its terminal from then on. */
  async function open(profile: string) {
    const { session_id } = await c.ok<{ session_id: string }>('open_session', {
      profile,
      params: { lab_port: lab.port },
    });
    const sent: string[] = [];
    c.instance.manager.get(session_id).nav.pty.on('sent', (s) => sent.push(s.data));
    const run = (command: string, extra: Record<string, unknown> = {}) =>
      c.ok<Result>('execute_command', { session_id, command, timeout_s: 10, ...extra });
    const screen = async () =>
      (await c.ok<{ screen: string }>('get_screen', { session_id })).screen;
    const kills = () => sent.filter((s) => s.includes(KILL)).length;
    return { session_id, sent, run, screen, kills };
  }

  it.each(['orders-pod', 'alpine-pod'])(
    '%s: text typed without Enter is cleared before the command, not run with it',
    async (profile) => {
      const s = await open(profile);
      // Before the shell's first command (the probe would be appended to the leftover).
      await c.ok('send_text', { session_id: s.session_id, text: 'echo first-left', enter: false });
      expect(await s.run('echo one')).toMatchObject({
        status: 'done',
        exit_code: 0,
        output: 'one\n',
      });
      // At once after the keys (their echo not back yet).
      await c.ok('send_text', { session_id: s.session_id, text: 'echo left-over', enter: false });
      expect(await s.run('echo hello')).toMatchObject({
        status: 'done',
        exit_code: 0,
        output: 'hello\n',
      });
      // After their echo is on the screen (the prompt is not alone at the cursor then).
      await c.ok('send_keys', { session_id: s.session_id, keys: [...'echo keys', 'left', 'x'] });
      await until(s.screen, (text) => /echo keyx?s?\s*$/.test(text), 5000);
      expect(await s.run('echo again')).toMatchObject({ exit_code: 0, output: 'again\n' });
      // History recalled onto the line (up) is typed text too.
      await c.ok('send_keys', { session_id: s.session_id, keys: ['up'] });
      expect(await s.run('echo recalled')).toMatchObject({ exit_code: 0, output: 'recalled\n' });
      expect(s.kills()).toBe(4);
      // Nothing that was left on the line ever ran.
      expect(await s.screen()).not.toMatch(/^(first-left|left-over)$/m);
      // A clean line gets no Ctrl-U.
      expect(await s.run('echo clean')).toMatchObject({ output: 'clean\n' });
      await c.ok('send_text', { session_id: s.session_id, text: 'echo submitted' });
      await until(s.screen, (text) => /^submitted$/m.test(text));
      // Ctrl-C alone on a clean line leaves it clean.
      await c.ok('send_keys', { session_id: s.session_id, keys: ['ctrl-c'] });
      expect(await s.run('echo still-clean')).toMatchObject({ output: 'still-clean\n' });
      expect(s.kills()).toBe(4);
      // Keys then Ctrl-C: the Ctrl-C may leave part of them behind (the tty flushes only what
      // the shell had not read), so the line is cleared all the same.
      await c.ok('send_keys', { session_id: s.session_id, keys: ['x', 'ctrl-c'] });
      expect(await s.run('echo after-ctrl-c')).toMatchObject({ output: 'after-ctrl-c\n' });
      expect(s.kills()).toBe(5);
      await c.ok('close_session', { session_id: s.session_id });
    },
    60_000,
  );

  it('keys a command read are not cleared; keys it left for the shell are', async () => {
    const s = await open('orders-pod');
    // `read -n 1` takes the key: the prompt comes back alone, nothing is cleared.
    const asking = await s.run('read -n 1 k; echo " got $k"', { timeout_s: 0.5 });
    expect(asking.status).not.toBe('done');
    await c.ok('send_keys', { session_id: s.session_id, keys: ['y'] });
    expect(
      await c.ok<Result>('get_command', {
        session_id: s.session_id,
        command_id: asking.command_id,
        wait_s: 5,
      }),
    ).toMatchObject({ status: 'done', output: expect.stringContaining('got y') });
    expect(await s.run('echo next')).toMatchObject({ output: 'next\n' });
    expect(s.kills()).toBe(0);
    // Keys typed while `sleep` runs wait in the terminal for the shell: cleared, not run.
    const slow = await s.run('sleep 1', { timeout_s: 0.1 });
    expect(slow.status).toBe('running');
    await c.ok('send_text', { session_id: s.session_id, text: 'echo typed-ahead', enter: false });
    await c.ok('get_command', { session_id: s.session_id, command_id: slow.command_id, wait_s: 5 });
    expect(await s.run('echo after')).toMatchObject({ exit_code: 0, output: 'after\n' });
    expect(s.kills()).toBe(1);
    expect(await s.screen()).not.toMatch(/^typed-ahead$/m);
  }, 60_000);

  it('a line entered that leaves the shell wanting more: nothing is typed into it', async () => {
    const s = await open('orders-pod');
    expect(await s.run('echo ready')).toMatchObject({ output: 'ready\n' });
    // An open quote, entered: bash answers with its continuation prompt. The call that comes
    // at once must not take the old prompt, still on screen, for the shell's answer.
    await c.ok('send_text', { session_id: s.session_id, text: 'echo "open' });
    const before = s.sent.length;
    const refused = await c.fails('execute_command', {
      session_id: s.session_id,
      command: 'echo typed-in',
      timeout_s: 2,
    });
    expect(refused).toMatch(/not at the cursor, so nothing was typed/);
    expect(s.sent.slice(before)).toEqual([]);
    // Ctrl-C drops the open line; the next command runs.
    await c.ok('send_keys', { session_id: s.session_id, keys: ['ctrl-c'] });
    expect(await s.run('echo after')).toMatchObject({ exit_code: 0, output: 'after\n' });
  }, 60_000);
});

describe('a gateway that stops answering', () => {
  let lab: Lab;
  let c: Connected;
  let proxy: FreezableProxy;

  beforeAll(async () => {
    lab = await labOnFreePort();
    // No keepalive: the calls themselves must tell a hung gateway.
    c = await connectClient();
    proxy = await startFreezableProxy(lab.port);
  });

  afterAll(async () => {
    proxy?.thaw();
    await c?.close();
    await proxy?.close();
    await lab?.close();
  });

  const open = async () =>
    (
      await c.ok<{ session_id: string }>('open_session', {
        profile: 'orders-pod',
        params: { lab_port: proxy.port },
      })
    ).session_id;

  it('before the first command: gateway_silent, not shell_unprepared', async () => {
    const sid = await open();
    proxy.freeze();
    try {
      // The shell's probe waits 10 s at least.
      const text = await c.fails('execute_command', {
        session_id: sid,
        command: 'echo hi',
        timeout_s: 3,
      });
      expect(text).toMatch(
        /the gateway stopped answering for 1\d s: nothing came back after gatewalk typed the line that asks which shell/,
      );
      expect(text).toContain('[gateway_silent]');
      expect(text).toMatch(/retry.*close_session/);
      expect(text).not.toMatch(/shell_unprepared/);
    } finally {
      proxy.thaw();
    }
    // Once it answers again, the session goes on: the probe typed before is answered (a
    // second one typed behind it would have read its answer as a refusal).
    await until(
      () => c.call('execute_command', { session_id: sid, command: 'echo back', timeout_s: 5 }),
      (r) => !r.isError && (r.structuredContent as unknown as Result).output === 'back\n',
      15_000,
    );
  }, 60_000);

  it('a command typed into it: gateway_silent with its id, then its result once thawed', async () => {
    const sid = await open();
    expect(
      await c.ok<Result>('execute_command', { session_id: sid, command: 'echo ready' }),
    ).toMatchObject({ output: 'ready\n' });
    // The prompt that follows the end mark is on the screen before the freeze.
    await new Promise((r) => setTimeout(r, 200));
    proxy.freeze();
    let text: string;
    try {
      text = await c.fails('execute_command', {
        session_id: sid,
        command: 'echo late',
        timeout_s: 3,
      });
      expect(text).toMatch(
        /the gateway stopped answering for [23]\.\d s: nothing came back after command (cmd_\w+) was typed/,
      );
      expect(text).toContain('[gateway_silent]');
      expect(text).not.toMatch(/exit code null|still running/);
      // get_command says the same while it stays silent.
      const id = /(cmd_\w+)/.exec(text)?.[1] as string;
      expect(
        await c.fails('get_command', { session_id: sid, command_id: id, wait_s: 2.5 }),
      ).toContain('[gateway_silent]');
      proxy.thaw();
      expect(
        await c.ok<Result>('get_command', { session_id: sid, command_id: id, wait_s: 10 }),
      ).toMatchObject({ status: 'done', exit_code: 0, output: 'late\n' });
    } finally {
      proxy.thaw();
    }
  }, 60_000);
  it('an interrupt typed into it: gateway_silent, not "ignored Ctrl-C"', async () => {
    const sid = await open();
    const slow = await c.ok<Result>('execute_command', {
      session_id: sid,
      command: 'sleep 30',
      timeout_s: 0.3,
    });
    expect(slow.status).toBe('running');
    proxy.freeze();
    try {
      const text = await c.fails('interrupt', { session_id: sid });
      expect(text).toMatch(
        /the gateway stopped answering for [45]\.\d s: nothing came back after Ctrl-C/,
      );
      expect(text).toContain('[gateway_silent]');
      expect(text).not.toMatch(/interrupt_failed|ignored/);
    } finally {
      proxy.thaw();
    }
    // The keys were in the gateway's hands: they stop the command once it answers.
    expect(
      await c.ok<Result>('get_command', {
        session_id: sid,
        command_id: slow.command_id,
        wait_s: 10,
      }),
    ).toMatchObject({ status: 'done' });
    expect(
      await c.ok<Result>('execute_command', { session_id: sid, command: 'echo after' }),
    ).toMatchObject({ output: 'after\n' });
  }, 60_000);
  it('the prompt after a command never comes: gateway_silent, not prompt_not_at_cursor', async () => {
    const sid = await open();
    // The prompt comes a second after each end mark: time to freeze in between.
    await c.ok('execute_command', { session_id: sid, command: 'PROMPT_COMMAND="sleep 1"' });
    expect(
      await c.ok<Result>('execute_command', { session_id: sid, command: 'echo before' }),
    ).toMatchObject({ output: 'before\n' });
    proxy.freeze();
    try {
      const text = await c.fails('execute_command', {
        session_id: sid,
        command: 'echo next',
        timeout_s: 3,
      });
      expect(text).toMatch(
        /the gateway stopped answering for [34]\.\d s: nothing came back after the last command ended \(its prompt never came\), though the SSH connection is still open.*Nothing was typed/,
      );
      expect(text).toContain('[gateway_silent]');
      expect(text).not.toMatch(/prompt_not_at_cursor/);
    } finally {
      proxy.thaw();
    }
    expect(
      await c.ok<Result>('execute_command', { session_id: sid, command: 'echo next' }),
    ).toMatchObject({ output: 'next\n' });
  }, 60_000);
});
