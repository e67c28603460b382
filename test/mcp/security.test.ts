// Security through the real MCP client: secrets stay out of transcripts and screens, runtime
// files are private, profile policies refuse writes, and every mistake is a prompt isError.
// (Streamable HTTP: security-http.test.ts.)
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../lab/scenario.js';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { totp } from '../../src/secrets/totp.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

interface Result {
  status: string;
  command_id: string;
  exit_code: number | null;
  output: string;
  screen?: string;
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

describe('secrets never reach the transcript', () => {
  // Values distinctive enough that finding one anywhere means it leaked.
  const PASSWORD = 'Pw-Lq47-unusual';
  const SUDO = 'Sudo-Vk27-pass';
  const TOKEN = 'tok-Zq81-secret';
  const SEED = 'JBSWY3DPEHPK3PXP';
  const codes = new Set<string>();
  const addCodes = () => {
    for (const step of [-1, 0, 1]) codes.add(totp(SEED, Date.now(), step));
  };
  let lab: Lab;
  let dir: string;
  let c: Connected;
  let sid: string;
  let transcriptPath: string;

  beforeAll(async () => {
    const base = loadScenario();
    // The lab's password changed to one that cannot show up by chance; an OTP gate before the menu.
    lab = await labOnFreePort({
      scenario: { ...base, auth: { ...base.auth, password: PASSWORD } },
      faults: { otp: { seed: SEED, attempts: 1 } },
    });
    dir = tempDir('gatewalk-sec-profiles-');
    writeFileSync(
      join(dir, 'vault.yaml'),
      `version: 1
profiles:
  otp-master:
    description: master-a behind an OTP-gated CMSM, password login
    connect:
      host: 127.0.0.1
      port: ${lab.port}
      user: ops
      password: { env: LAB_PW }
      host_key: { fingerprint: '${lab.fingerprint}' }
    timeout: 5s
    on:
      - { match: 'Verification code: $', send_secret: { totp: { env: LAB_SEED } } }
    hops:
      - name: menu
        prompt: 'Target IP: $'
        exit: q
      - name: master
        steps:
          - send_text: master-a
          - wait_for: 'User number: $'
          - send_text: root
          - wait_for: 'Logged in to \\S+ as \\S+\\.'
        prompt: '\\[\\S+@\\S+ [^\\]]*\\][#$] $'
        shell: posix
        exit: exit
        on:
          - { match: '\\[sudo\\] password for \\S+: $', send_secret: { env: LAB_SUDO } }
`,
    );
    c = await connectClient({
      profileDirs: [dir],
      connect: { secrets: { env: { LAB_PW: PASSWORD, LAB_SEED: SEED, LAB_SUDO: SUDO } } },
    });
    addCodes();
    const opened = await c.ok<{ session_id: string; screen: string }>('open_session', {
      profile: 'otp-master',
    });
    addCodes();
    sid = opened.session_id;
    expect(opened.screen).toMatch(/\[root@master-a ~\]# $/);
  });

  afterAll(async () => {
    await c?.close();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = (command: string, extra: Record<string, unknown> = {}) =>
    c.ok<Result>('execute_command', { session_id: sid, command, ...extra });

  it('types a sensitive answer, recorded as a secret, and redacts it from screens', async () => {
    const asked = await run('read -s -p "Token: " t; echo "len ${#t}"', { timeout_s: 1 });
    expect(asked.status).toBe('awaiting_input');
    const sent = await c.ok<{ screen: string }>('send_text', {
      session_id: sid,
      text: TOKEN,
      sensitive: true,
    });
    expect(sent.screen).not.toContain(TOKEN);
    const done = await c.ok<Result>('get_command', { command_id: asked.command_id, wait_s: 10 });
    expect(done.output).toMatch(new RegExp(`len ${TOKEN.length}\\n$`));
    // The agent echoes it: the command's output is its own data and stays exact ...
    const echoed = await run(`echo ${TOKEN}`);
    expect(echoed.output).toBe(`${TOKEN}\n`);
    // ... but the screen, which a person or another client may read, hides it.
    const screen = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    expect(screen.screen).not.toContain(TOKEN);
    expect(screen.screen).toContain('echo ******');
  });

  it("answers a sudo-like prompt from the hop's handler with the configured secret", async () => {
    const r = await run('read -s -p "[sudo] password for ops: " p; echo; echo "sudo-len ${#p}"', {
      timeout_s: 10,
    });
    expect(r.status).toBe('done');
    expect(r.output).toContain(`sudo-len ${SUDO.length}`);
  });

  it('redacts the login password when the remote prints it', async () => {
    // The command text does not hold the password; only its output does.
    const b64 = Buffer.from(PASSWORD).toString('base64');
    const r = await run(`printf '%s\\n' "$(printf %s ${b64} | base64 -d)"`);
    expect(r.output).toBe(`${PASSWORD}\n`);
  });

  it('writes none of them to the transcript file or get_transcript; secret sends as [secret]', async () => {
    addCodes();
    const transcript = await c.call('get_transcript', { session_id: sid, tail: 10_000 });
    expect(transcript.isError).toBeFalsy();
    const closed = await c.ok<{ transcript: string }>('close_session', { session_id: sid });
    transcriptPath = closed.transcript;
    const file = readFileSync(transcriptPath, 'utf8');
    const served = textOf(transcript) + JSON.stringify(transcript.structuredContent);
    for (const text of [file, served]) {
      expect(text).toContain('[secret]');
      for (const secret of [PASSWORD, SUDO, TOKEN, ...codes]) expect(text).not.toContain(secret);
    }
    const events = file
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as Event);
    const secretSends = events.filter((e) => e.type === 'send' && e.secret === true);
    // The OTP during the walk, the sensitive token, the sudo answer.
    expect(secretSends.length).toBeGreaterThanOrEqual(3);
    for (const e of secretSends) expect(e.data).toBe('[secret]');
    // Sends not marked secret never carry one either (the echo command is redacted).
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'command_start', command: 'echo [secret]' }),
    );
    // The echoed token and the printed password were received, and written redacted.
    const received = events
      .filter((e) => e.type === 'recv')
      .map((e) => e.data)
      .join('');
    expect(received).toMatch(/\[secret\]\r?\n/);
    expect(received).toContain('Verification code: ');
  });

  it('names a missing secret without ever showing a value', async () => {
    const other = await connectClient({
      profileDirs: [dir],
      connect: { secrets: { env: { LAB_SEED: SEED } } },
    });
    try {
      const started = Date.now();
      const text = await other.fails('open_session', { profile: 'otp-master' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(text).toMatch(/environment variable LAB_PW: it is not set/);
      expect(text).not.toContain(SEED);
    } finally {
      await other.close();
    }
  });
});

describe('runtime files are private', () => {
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

  it('keeps the instance folder 0700, server.json 0600 with its record, transcripts 0600', async () => {
    const runtime = c.instance.runtime;
    expect(runtime.dir.startsWith(c.root)).toBe(true);
    expect(statSync(runtime.dir).mode & 0o777).toBe(0o700);
    expect(statSync(runtime.transcripts).mode & 0o777).toBe(0o700);
    const serverJson = join(runtime.dir, 'server.json');
    expect(statSync(serverJson).mode & 0o777).toBe(0o600);
    const record = JSON.parse(readFileSync(serverJson, 'utf8')) as Record<string, unknown>;
    expect(record.pid).toBe(process.pid);
    expect(typeof record.started_at).toBe('string');
    expect(Number.isNaN(Date.parse(record.started_at as string))).toBe(false);
    expect(record.profile_dirs).toEqual([packagePath('profiles')]);
    expect(record.transcripts).toBe(runtime.transcripts);

    const { session_id } = await c.ok<{ session_id: string }>('open_session', {
      profile: 'cmsm',
      params: { lab_port: lab.port },
    });
    const { transcript } = await c.ok<{ transcript: string }>('close_session', { session_id });
    expect(transcript).toBe(join(runtime.transcripts, `${session_id}.jsonl`));
    expect(statSync(transcript).mode & 0o777).toBe(0o600);
    const log = join(runtime.dir, 'server.log');
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });
});

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
    const check = await run('for f in f notes.txt app.tgz; do test -e $f && echo "$f exists"; done; true');
    expect(check.output).toBe('');
  });

  it('refuses a command a deny pattern matches, naming the pattern', async () => {
    const text = await refused('execute_command', { command: 'cat   /etc/shadow' });
    expect(text).toContain('matches /\\bcat\\s+/etc/shadow/');
    expect(text).toMatch(/ask a person, or use a profile whose policy allows it/);
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
    expect(wrong).toMatch(/"command"/);
    expect(wrong).toMatch(/expected string/);
    const missing = await failsWithin(5000, 'read_file', { session_id: sid });
    expect(missing).toMatch(/Input validation error.*"path"/s);
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
