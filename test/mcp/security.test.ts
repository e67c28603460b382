// Security through the real MCP client: secrets stay out of transcripts and screens, and the
// runtime files are private. Policies and error paths: security-tools.test.ts; Streamable HTTP:
// security-http.test.ts.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../lab/scenario.js';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { totp } from '../../src/secrets/totp.js';
import { printfFormat } from '../../src/shell/framing.js';
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

/** The events of a transcript file (its first line is the session's metadata). */
function eventsOf(file: string): Event[] {
  return file
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as Event);
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('secrets never reach the transcript', () => {
  // Values distinctive enough that finding one anywhere means it leaked.
  const PASSWORD = 'Pw-Lq47-unusual';
  const SUDO = 'Sudo-Vk27-pass';
  const TOKEN = 'tok-Zq81-secret';
  // Commands are typed octal-escaped: this one's typed form differs from it.
  const SPECIAL = 'P@ss w0rd!Kx7';
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
  let sudoTranscript = '';

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
    // Results never carry it, even when a command prints it ...
    const echoed = await run(`echo ${TOKEN}`);
    expect(echoed.output).toBe('******\n');
    // ... nor does the screen, which a person or another client may read.
    const screen = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    expect(screen.screen).not.toContain(TOKEN);
    expect(screen.screen).toMatch(/^\*{6}$/m);
  });

  it('hides a sensitive value used in a later command, also in the form it is typed in', async () => {
    const typed = printfFormat(SPECIAL);
    expect(typed).not.toBe(SPECIAL);
    const asked = await run('read -s -p "Passphrase: " q; echo "plen ${#q}"', { timeout_s: 1 });
    expect(asked.status).toBe('awaiting_input');
    await c.ok('send_text', { session_id: sid, text: SPECIAL, sensitive: true });
    const done = await c.ok<Result>('get_command', { command_id: asked.command_id, wait_s: 10 });
    expect(done.output).toContain(`plen ${SPECIAL.length}`);
    const used = await run(`printf '%s' '${SPECIAL}' | wc -c`);
    expect(used.output.trim()).toBe(String(SPECIAL.length));
    const screen = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    const { events } = await c.ok<{ events: Event[] }>('get_transcript', {
      session_id: sid,
      tail: 20,
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'command_start', command: "printf '%s' '[secret]' | wc -c" }),
    );
    for (const text of [screen.screen, JSON.stringify(events)]) {
      expect(text).toContain('wc');
      expect(text).not.toContain(SPECIAL);
      // JSON doubles the backslashes of the typed form.
      expect(text).not.toContain(typed);
      expect(text).not.toContain(JSON.stringify(typed).slice(1, -1));
    }
  });

  // Up to 30 s more than its work: beforeAll's walk typed this step's one-time code, which is
  // single-use (RFC 6238 §5.2), so this walk waits for the next step.
  it("answers a sudo-like prompt from the hop's handler with the configured secret", async () => {
    // A session of its own: if the answer never comes, the command it leaves running must not
    // hold up the other tests.
    const { session_id } = await c.ok<{ session_id: string }>('open_session', {
      profile: 'otp-master',
    });
    addCodes();
    try {
      const r = await c.ok<Result>('execute_command', {
        session_id,
        command: 'read -s -p "[sudo] password for ops: " p; echo; echo "sudo-len ${#p}"',
        timeout_s: 5,
      });
      expect(r.status).toBe('done');
      expect(r.output).toContain(`sudo-len ${SUDO.length}`);
    } finally {
      const closed = await c.ok<{ transcript: string }>('close_session', { session_id });
      sudoTranscript = readFileSync(closed.transcript, 'utf8');
    }
    expect(sudoTranscript).not.toContain(SUDO);
    // The OTP of the walk and the sudo answer, both written as [secret].
    const sends = eventsOf(sudoTranscript).filter((e) => e.type === 'send' && e.secret === true);
    expect(sends.map((e) => e.data)).toEqual(['[secret]', '[secret]']);
  }, 50_000);

  it('redacts the login password from the transcript when the remote prints it', async () => {
    // The command text does not hold the password; only its output does.
    const b64 = Buffer.from(PASSWORD).toString('base64');
    const r = await run(`printf '%s\\n' "$(printf %s ${b64} | base64 -d)"; echo printed`);
    // Results hide it as well.
    expect(r.output).toBe('******\nprinted\n');
    const { events } = await c.ok<{ events: Event[] }>('get_transcript', {
      session_id: sid,
      tail: 20,
    });
    const received = events
      .filter((e) => e.type === 'recv')
      .map((e) => e.data)
      .join('');
    expect(received).toContain('printed');
    // README: "every known secret value ... (resolved passwords, secret sends) is replaced".
    expect(received).not.toContain(PASSWORD);
    expect(received).toMatch(/\[secret\]\r\nprinted\r\n/);
  });

  it('writes none of them to the transcript file or get_transcript; secret sends as [secret]', async () => {
    addCodes();
    const transcript = await c.call('get_transcript', { session_id: sid, tail: 10_000 });
    expect(transcript.isError).toBeFalsy();
    const closed = await c.ok<{ transcript: string }>('close_session', { session_id: sid });
    transcriptPath = closed.transcript;
    const file = readFileSync(transcriptPath, 'utf8');
    const served = textOf(transcript) + JSON.stringify(transcript.structuredContent);
    const events = eventsOf(file);
    const secretSends = events.filter((e) => e.type === 'send' && e.secret === true);
    // The OTP during the walk and the two sensitive answers.
    expect(secretSends.map((e) => e.data)).toEqual(['[secret]', '[secret]', '[secret]']);
    // Sends not marked secret never carry one either (the echo command is redacted).
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'command_start', command: 'echo [secret]' }),
    );
    // The echoed token was received, and written redacted.
    const received = events
      .filter((e) => e.type === 'recv')
      .map((e) => e.data)
      .join('');
    expect(received).toContain('Verification code: ');
    expect(received).toMatch(/echo \[secret\]\r\n\[secret\]\r\n/);
    for (const text of [file, served]) {
      for (const secret of [TOKEN, SUDO, SPECIAL]) expect(text).not.toContain(secret);
      // A code as a word of its own: hex nonces and ids may hold six digits by chance.
      for (const code of codes)
        expect(text).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`));
      expect(text).not.toContain(JSON.stringify(printfFormat(SPECIAL)).slice(1, -1));
      // Last: the password is the one secret the remote printed rather than echoed.
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('names a missing secret without ever showing a value', async () => {
    const other = await connectClient({
      profileDirs: [dir],
      connect: { secrets: { env: { LAB_SEED: SEED, LAB_SUDO: SUDO } } },
    });
    try {
      const started = Date.now();
      const text = await other.fails('open_session', { profile: 'otp-master' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(text).toMatch(/environment variable LAB_PW: it is not set/);
      for (const secret of [SEED, SUDO]) expect(text).not.toContain(secret);
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
