// What an agent and a script learn when a command ends its hop's shell (issue "Real gateways",
// symptom 5): the real exit status where the hop says it, where the session stands, how to go
// on; `gatewalk run` exits as ssh does.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROMPTS } from '../../lab/openssh/sshd.js';
import { packagePath } from '../../src/paths.js';
import type { Pty } from '../../src/terminal/pty.js';
import { connectClient } from '../mcp/helpers.js';
import { entryConnect, podProfiles, useOpenSshLab, yq } from '../helpers/openssh.js';

const fx = useOpenSshLab();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-exit-'));
  writeFileSync(
    join(dir, 'lab.yaml'),
    `version: 1
profiles:
  bash-host:
    connect: ${entryConnect(fx.lab, 'bash')}
    timeout: 5s
    hops:
      - { name: host, prompt: ${yq(PROMPTS.bash)}, shell: posix, exit: exit }
${podProfiles(fx.lab)}`,
  );
});

describe('over MCP', () => {
  it('says the exit code and where the session stands; reopen walks back from there', async () => {
    const c = await connectClient({ profileDirs: [dir] });
    try {
      const { session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'bash-pod',
      });
      const ended = await c.call('execute_command', { session_id: sid, command: 'exit 7' });
      expect(ended.isError).toBeFalsy();
      expect(ended.structuredContent).toMatchObject({
        status: 'done',
        exit_code: 7,
        left_hop: { hop: 'pod', now_at: 'master', exit_code: 7 },
      });
      const text = ended.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
      expect(text).toMatch(/exit 7 .*\n.*the session now stands at hop "master": call reopen/);

      const { sessions } = await c.ok<{
        sessions: { state: string; hop: string; reason: string }[];
      }>('list_sessions');
      expect(sessions[0]).toMatchObject({ state: 'broken', hop: 'master' });
      expect(sessions[0]?.reason).toMatch(/ended the shell of hop "pod" \(exit code 7\)/);
      expect(await c.fails('execute_command', { session_id: sid, command: 'true' })).toMatch(
        /broken.*reopen/s,
      );

      const t0 = performance.now();
      await c.ok('reopen', { session_id: sid });
      const reopenMs = performance.now() - t0;
      const back = await c.ok<{ output: string; exit_code: number }>('execute_command', {
        session_id: sid,
        command: 'pwd',
      });
      expect(back.exit_code).toBe(0);
      expect(back.output).toMatch(/\/pods\/bash-pod\n$/);
      // From the master on the same connection: no new login.
      expect(reopenMs).toBeLessThan(2000);
      await c.ok('close_session', { session_id: sid });
    } finally {
      await c.close();
    }
  });
});

describe('over MCP, when a hop is gone or only seems to be', () => {
  it('the first hop: the exit status comes back as a result, the session is closed', async () => {
    const c = await connectClient({ profileDirs: [dir] });
    try {
      const { session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'bash-host',
      });
      const ended = await c.call('execute_command', { session_id: sid, command: 'exit 7' });
      expect(ended.isError).toBeFalsy();
      expect(ended.structuredContent).toMatchObject({
        exit_code: 7,
        left_hop: { hop: 'host', now_at: null, exit_code: 7 },
      });
    } finally {
      await c.close();
    }
  });

  it("output that ends like the master's prompt: reopen finds the pod back and types nothing", async () => {
    const c = await connectClient({ profileDirs: [dir] });
    try {
      const { session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'bash-pod',
      });
      const pty = c.instance.manager.get(sid).nav.pty;
      const mimic = await c.ok<{ left_hop?: { now_at: string } }>('execute_command', {
        session_id: sid,
        command: "printf '[root@master ~]$ '; sleep 0.3; echo still-in-pod",
      });
      // Exactly the master's prompt at the cursor: taken for the pod's shell ending.
      expect(mimic.left_hop?.now_at).toBe('master');
      await untilText(pty, /still-in-pod\r?\n[^]*\[pod:bash-pod [^\]]*\]\$ $/);
      const execs = fx.lab.events().filter((e) => e.startsWith('kubectl: exec')).length;
      await c.ok('reopen', { session_id: sid });
      const here = await c.ok<{ output: string }>('execute_command', {
        session_id: sid,
        command: 'pwd',
      });
      expect(here.output).toMatch(/\/pods\/bash-pod\n$/);
      expect(fx.lab.events().filter((e) => e.startsWith('kubectl: exec')).length).toBe(execs);
      await c.ok('close_session', { session_id: sid });
    } finally {
      await c.close();
    }
  });
});

/** Resolves once the screen up to the cursor matches (event-driven, 5 s at most). */
function untilText(pty: Pty, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!re.test(pty.screen.beforeCursor(4))) return;
      clearTimeout(timer);
      pty.off('text', check);
      resolve();
    };
    const timer = setTimeout(() => {
      pty.off('text', check);
      reject(new Error(`no ${re} before the cursor: ${pty.screen.beforeCursor(4)}`));
    }, 5000);
    pty.on('text', check);
    check();
  });
}

describe('gatewalk run exits as ssh does', () => {
  const cli = packagePath('dist/src/cli/index.js');
  async function run(profile: string, command: string, profiles = dir) {
    try {
      const out = await promisify(execFile)(
        process.execPath,
        // -n: execFile's stdin is an open pipe, which run would forward (as ssh does).
        [cli, 'run', profile, '--profiles', profiles, '--quiet', '-n', '--', command],
        { encoding: 'utf8' },
      );
      return { code: 0, ...out };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('the remote exit code, also when the command ends the hop (first hop and pod)', async () => {
    expect(await run('bash-host', 'echo out; sh -c "exit 5"')).toMatchObject({
      code: 5,
      stdout: 'out\n',
    });
    expect(await run('bash-host', 'exit 9')).toMatchObject({ code: 9 });
    const pod = await run('bash-pod', 'exit 7');
    expect(pod.code).toBe(7);
    expect(pod.stderr).toMatch(/ended the shell of hop "pod" \(exit code 7\).*at hop "master"/);
  });

  it('255 when it cannot get there', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const other = mkdtempSync(join(tmpdir(), 'gatewalk-exit-'));
    writeFileSync(
      join(other, 'gone.yaml'),
      `version: 1
profiles:
  gone:
    connect: ${entryConnect(fx.lab, 'bash', ', timeout: 2s').replace(`port: ${fx.lab.port}`, `port: ${closed}`)}
    hops:
      - { name: host, prompt: '\\$ $', shell: posix, exit: exit }
`,
    );
    const r = await run('gone', 'true', other);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/gatewalk: /);
    expect((await run('no-such-profile', 'true')).code).toBe(255);
  });

  it('2 on a usage error', async () => {
    const cli = packagePath('dist/src/cli/index.js');
    for (const args of [
      ['run', 'bash-pod', '--timeout', 'abc', '--', 'true'],
      ['run', 'bash-pod', '-p', 'novalue', '--', 'true'],
      ['run', 'bash-pod', '--bogus', '--', 'true'],
      ['run', 'bash-pod'],
    ]) {
      const code = await promisify(execFile)(process.execPath, [cli, ...args]).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
      expect({ args, code }).toEqual({ args, code: 2 });
    }
  });
});
