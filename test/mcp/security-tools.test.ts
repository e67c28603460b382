// Security through the real MCP client, continued: profile policies refuse writes (and say
// why), and every mistake is a prompt isError answer that says what to do.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

interface Result {
  status: string;
  command_id: string;
  exit_code: number | null;
  output: string;
}
interface Event {
  type: string;
  [field: string]: unknown;
}

const textOf = (r: CallToolResult) =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('profile policies through the tools', () => {
  let lab: Lab;
  let dir: string;
  let transfers: string;
  let c: Connected;
  let sid: string;

  beforeAll(async () => {
    lab = await labOnFreePort();
    dir = tempDir('gatewalk-sec-policy-');
    transfers = tempDir('gatewalk-sec-files-');
    writeFileSync(join(transfers, 'app.tgz'), 'not really a tarball\n');
    // extends a profile of another file (profiles/lab.yaml).
    writeFileSync(
      join(dir, 'guarded.yaml'),
      `version: 1
profiles:
  orders-readonly:
    description: The orders pod, look but do not touch
    extends: orders-pod
    policy: { read_only: true, deny: ['\\bcat\\s+/etc/shadow'] }
`,
    );
    c = await connectClient({
      profileDirs: [packagePath('profiles'), dir],
      transferDir: transfers,
    });
    const opened = await c.ok<{ session_id: string; hops: { name: string }[] }>('open_session', {
      profile: 'orders-readonly',
      params: { lab_port: lab.port },
    });
    expect(opened.hops.map((h) => h.name)).toEqual(['menu', 'master', 'pod']);
    sid = opened.session_id;
  });

  afterAll(async () => {
    await c?.close();
    await lab?.close();
    for (const d of [dir, transfers]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const run = (command: string) => c.ok<Result>('execute_command', { session_id: sid, command });
  const refused = (tool: string, args: Record<string, unknown>) =>
    c.fails(tool, { session_id: sid, ...args });

  it('refuses writes with a reason and what to do instead', async () => {
    const readOnly = /profile "orders-readonly" is read-only: .*ask a person.*\[policy_refused\]/;
    const rm = await refused('execute_command', { command: 'rm -f x' });
    expect(rm).toMatch(readOnly);
    expect(rm).toContain('`rm` modifies the remote');
    const redirect = await refused('execute_command', { command: 'echo hi > f' });
    expect(redirect).toMatch(readOnly);
    expect(redirect).toContain('`> f` writes a file on the remote');
    const kubectl = await refused('execute_command', { command: 'kubectl delete pod x' });
    expect(kubectl).toContain('`kubectl delete`');
    const write = await refused('write_file', { path: 'notes.txt', content: 'x' });
    expect(write).toMatch(/read-only: write_file notes\.txt writes to the remote/);
    const up = await refused('upload', { local_path: 'app.tgz', remote_path: 'app.tgz' });
    expect(up).toMatch(/read-only: upload to app\.tgz writes to the remote/);
    // Nothing was sent: the files are not there.
    const check = await run(
      'for f in f notes.txt app.tgz; do test -e $f && echo "$f exists"; done; true',
    );
    expect(check.output).toBe('');
  });

  it('refuses a command a deny pattern matches, naming the pattern', async () => {
    const text = await refused('execute_command', { command: 'cat   /etc/shadow' });
    expect(text).toContain('matches /\\bcat\\s+/etc/shadow/');
    expect(text).toMatch(/ask a person to run it, or use a profile whose policy allows it/);
  });

  it('checks text typed at the prompt and file reads too', async () => {
    // With no command running, send_text and send_keys type at the shell: that is a command.
    expect(await refused('send_text', { text: 'rm -rf var' })).toContain('`rm` modifies');
    expect(await refused('send_keys', { keys: ['r', 'm', ' ', 'x', 'enter'] })).toContain(
      '`rm` modifies',
    );
    // Deny patterns about a path hold for reads that go through the shell as well.
    expect(await refused('read_file', { path: '/etc/shadow' })).toContain('/etc/shadow');
    expect(await refused('download', { remote_path: '/etc/shadow', local_path: 's' })).toContain(
      '/etc/shadow',
    );
    // Answers to a running command are its input, not commands.
    const asked = await c.ok<Result>('execute_command', {
      session_id: sid,
      command: 'read -p "Really? " a; echo "answer $a"',
      timeout_s: 0.5,
    });
    expect(asked.status).toBe('awaiting_input');
    await c.ok('send_text', { session_id: sid, text: 'rm -rf /' });
    const done = await c.ok<Result>('get_command', { command_id: asked.command_id, wait_s: 5 });
    expect(done.output).toContain('answer rm -rf /');
  });

  it('lets reads through', async () => {
    expect((await run('ls')).exit_code).toBe(0);
    const grep = await run('cat var/log/app/app.log | grep ERROR');
    expect(grep.exit_code).toBe(0);
    expect(grep.output).toMatch(/ERROR upstream timeout/);
    // Not refused (the pod has no kubectl: it runs and fails there, which is the point).
    const get = await run('kubectl get pods');
    expect(get.status).toBe('done');
  });

  it('records every refusal in the transcript as a policy event', async () => {
    const { events } = await c.ok<{ events: Event[] }>('get_transcript', {
      session_id: sid,
      tail: 10_000,
    });
    const policy = events.filter((e) => e.type === 'policy');
    expect(policy.map((e) => [e.tool, e.detail])).toEqual([
      ['execute_command', 'rm -f x'],
      ['execute_command', 'echo hi > f'],
      ['execute_command', 'kubectl delete pod x'],
      ['write_file', 'notes.txt'],
      ['upload', 'app.tgz'],
      ['execute_command', 'cat   /etc/shadow'],
      ['send_text', 'rm -rf var'],
      ['send_keys', 'rm x'],
      ['read_file', '/etc/shadow'],
      ['download', '/etc/shadow'],
    ]);
    for (const e of policy) expect(e.message).toMatch(/^profile "orders-readonly" /);
    // Refused commands never started.
    const started = events.filter((e) => e.type === 'command_start').map((e) => e.command);
    expect(started).not.toContain('rm -f x');
    expect(started).toContain('ls');
  });
});

describe('every mistake is an isError answer, never a hang', () => {
  let lab: Lab;
  let transfers: string;
  let c: Connected;
  let sid: string;

  beforeAll(async () => {
    lab = await labOnFreePort();
    transfers = tempDir('gatewalk-sec-files-');
    writeFileSync(join(transfers, 'existing.log'), 'keep me\n');
    c = await connectClient({ transferDir: transfers });
    ({ session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    }));
  });

  afterAll(async () => {
    await c?.close();
    await lab?.close();
    if (transfers) rmSync(transfers, { recursive: true, force: true });
  });

  /** Calls a tool that must fail within `ms` (the client gives up then); returns its text. */
  async function failsWithin(ms: number, name: string, args: Record<string, unknown>) {
    const started = Date.now();
    const r = (await c.client.callTool({ name, arguments: args }, undefined, {
      timeout: ms,
    })) as CallToolResult;
    expect(Date.now() - started).toBeLessThan(ms);
    expect(r.isError, `${name} should fail: ${textOf(r)}`).toBe(true);
    return textOf(r);
  }

  it('rejects arguments of the wrong type or missing, naming the argument', async () => {
    const wrong = await failsWithin(5000, 'execute_command', { session_id: sid, command: 42 });
    expect(wrong).toMatch(/Input validation error.*execute_command/);
    expect(wrong).toMatch(/expected string, received number at command/);
    const missing = await failsWithin(5000, 'read_file', { session_id: sid });
    expect(missing).toMatch(/Input validation error.*read_file.*received undefined at path/);
    const badEnum = await failsWithin(5000, 'download', {
      session_id: sid,
      remote_path: 'a',
      local_path: 'b',
      on_conflict: 'clobber',
    });
    expect(badEnum).toMatch(/on_conflict/);
    expect(badEnum).toMatch(/fail.*overwrite.*rename/);
  });

  it('names unknown sessions and commands and where to look', async () => {
    expect(await failsWithin(5000, 'get_screen', { session_id: 's_unknown' })).toMatch(
      /no session s_unknown: list_sessions shows the open ones; open_session starts a new one/,
    );
    expect(await failsWithin(5000, 'get_command', { command_id: 'cmd_unknown' })).toMatch(
      /no command cmd_unknown: list_commands shows the running and recent ones/,
    );
    expect(
      await failsWithin(5000, 'get_command', { command_id: 'cmd_unknown', session_id: sid }),
    ).toMatch(/no command cmd_unknown/);
  });

  it('says a remote file is missing', async () => {
    const text = await failsWithin(15_000, 'read_file', {
      session_id: sid,
      path: 'var/log/app/no-such.log',
    });
    expect(text).toMatch(/var\/log\/app\/no-such\.log/);
    expect(text).toMatch(/No such file/i);
    // The session is still usable afterwards.
    const after = await c.ok<Result>('execute_command', { session_id: sid, command: 'echo ok' });
    expect(after.output).toBe('ok\n');
  });

  it('keeps transfers inside the transfer folder', async () => {
    for (const local of ['../../etc/passwd', '/etc/passwd']) {
      const text = await failsWithin(15_000, 'upload', {
        session_id: sid,
        local_path: local,
        remote_path: 'passwd',
      });
      expect(text).toMatch(/is outside the transfer folder .*: only files under it can be moved/);
    }
    const out = await failsWithin(15_000, 'download', {
      session_id: sid,
      remote_path: 'var/log/app/app.log',
      local_path: '../stolen.log',
    });
    expect(out).toMatch(/outside the transfer folder/);
    expect(existsSync(join(transfers, '..', 'stolen.log'))).toBe(false);
  });

  it('refuses to overwrite a local file with on_conflict fail', async () => {
    const text = await failsWithin(15_000, 'download', {
      session_id: sid,
      remote_path: 'var/log/app/app.log',
      local_path: 'existing.log',
      on_conflict: 'fail',
    });
    expect(text).toMatch(/existing\.log exists locally: choose on_conflict overwrite or rename/);
    expect(readFileSync(join(transfers, 'existing.log'), 'utf8')).toBe('keep me\n');
  });

  it('answers calls on a closed session at once', async () => {
    await c.ok('close_session', { session_id: sid });
    expect(
      await failsWithin(5000, 'execute_command', { session_id: sid, command: 'true' }),
    ).toMatch(/is closed.*open a new one with open_session/);
    expect(await failsWithin(5000, 'read_file', { session_id: sid, path: 'x' })).toMatch(
      /is closed/,
    );
  });
});
